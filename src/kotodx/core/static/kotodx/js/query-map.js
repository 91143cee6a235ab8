// Staff spatial query: the area or point searched and the features found; a click on the map adds a vertex
// to the drawn range (mode "polygon") or chooses the point (modes "distance" and "nearest"). Everything the
// map does can also be typed into the form, and the results are in the table.
document.addEventListener("DOMContentLoaded", () => {
  const el = document.getElementById("query-map");
  const data = document.getElementById("query-data");
  if (!el || !data || typeof L === "undefined") return;
  const q = JSON.parse(data.textContent);
  const map = L.map(el, { scrollWheelZoom: false }).setView([35.66, 139.82], 13);
  L.tileLayer("https://cyberjapandata.gsi.go.jp/xyz/std/{z}/{x}/{y}.png", {
    maxZoom: 18, minZoom: 5,
    // The tiles' credit in the page's language (GSI's own English name on English pages).
    attribution: `<a href="https://maps.gsi.go.jp/development/ichiran.html">${document.documentElement.lang === "en" ? "GSI Tiles" : "地理院タイル"}</a>`,
  }).addTo(map);
  const escape = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  const shown = [];
  if (q.area) shown.push(L.geoJSON(q.area, { style: { color: "#0017c1", weight: 2, fillOpacity: 0.08 } }).addTo(map));
  if (q.origin) {
    shown.push(L.marker(q.origin, { title: "検索した地点", keyboard: false }).addTo(map));
    if (q.radius) shown.push(L.circle(q.origin, { radius: q.radius, color: "#0017c1", weight: 2, fillOpacity: 0.05 }).addTo(map));
  }
  q.hits.forEach((h) => {
    shown.push(L.circleMarker([h.lat, h.lon], { radius: 6, color: "#ce0000", weight: 2 }).bindPopup(escape(h.name)).addTo(map));
  });
  if (shown.length) map.fitBounds(L.featureGroup(shown).getBounds(), { maxZoom: 16, padding: [20, 20] });

  const form = document.querySelector(".query-form");
  const polygon = document.getElementById("id_polygon");
  const lat = document.getElementById("id_lat");
  const lon = document.getElementById("id_lon");
  const place = document.getElementById("id_place");
  const status = document.getElementById("query-status");
  const clear = document.getElementById("clear-polygon");
  const mode = () => (form.querySelector("input[name=mode]:checked") || {}).value;
  let drawn = null;
  let point = null;
  const vertices = () => polygon.value.split("\n").map((l) => l.split(",").map(Number)).filter((p) => p.length === 2 && p.every(Number.isFinite));
  const redraw = () => {
    if (drawn) drawn.remove();
    const pts = vertices().map(([x, y]) => [y, x]);
    drawn = pts.length ? L.polygon(pts, { color: "#6b0077", weight: 2, dashArray: "4 4", fillOpacity: 0.05 }).addTo(map) : null;
    clear.hidden = !pts.length;
  };
  redraw();
  map.on("click", (e) => {
    const la = e.latlng.lat.toFixed(6);
    const lo = e.latlng.lng.toFixed(6);
    if (mode() === "polygon") {
      polygon.value = (polygon.value.trim() ? polygon.value.trim() + "\n" : "") + `${lo}, ${la}`;
      redraw();
      status.textContent = `頂点を追加しました（${vertices().length}点）。3点以上で「探す」を押してください。`;
    } else if (mode() === "distance" || mode() === "nearest") {
      lat.value = la; lon.value = lo; place.value = "";
      if (point) point.remove();
      point = L.marker([la, lo], { title: "選んだ地点", keyboard: false }).addTo(map);
      status.textContent = `地点を選びました: 緯度 ${la}、経度 ${lo}（「探す」で検索します）`;
    } else {
      status.textContent = "地図で選べるのは「描いた範囲」の頂点と「距離」「近い順」の地点です。探し方を選び直してください。";
    }
  });
  polygon.addEventListener("input", redraw);
  place.addEventListener("input", () => { lat.value = ""; lon.value = ""; });
  clear.addEventListener("click", () => { polygon.value = ""; redraw(); status.textContent = "描いた範囲を消しました。"; polygon.focus(); });
});
