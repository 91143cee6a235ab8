// Map preview of rows with latitude/longitude (Leaflet, 地理院タイル). The same rows are in the table below.
document.addEventListener("DOMContentLoaded", () => {
  const el = document.getElementById("point-map");
  const data = document.getElementById("point-data");
  if (!el || !data || typeof L === "undefined") return;
  const points = JSON.parse(data.textContent);
  const map = L.map(el, { scrollWheelZoom: false });
  L.tileLayer("https://cyberjapandata.gsi.go.jp/xyz/std/{z}/{x}/{y}.png", {
    maxZoom: 18, minZoom: 5,
    // The tiles' credit in the page's language (GSI's own English name on English pages).
    attribution: `<a href="https://maps.gsi.go.jp/development/ichiran.html">${document.documentElement.lang === "en" ? "GSI Tiles" : "地理院タイル"}</a>`,
  }).addTo(map);
  const markers = points.map((p) => L.circleMarker([p.lat, p.lon], { radius: 6, color: "#0017c1", weight: 2 })
    .bindPopup(p.name || `${p.lat}, ${p.lon}`));
  const group = L.featureGroup(markers).addTo(map);
  if (markers.length) map.fitBounds(group.getBounds().pad(0.1));
  else map.setView([35.67, 139.82], 13);
});
