// The public map: each chosen layer from the OGC API as GeoJSON; the same data is in the tables below.
document.addEventListener("DOMContentLoaded", () => {
  const el = document.getElementById("layer-map");
  const data = document.getElementById("map-layers");
  if (!el || !data || typeof L === "undefined") return;
  const layers = JSON.parse(data.textContent);
  const map = L.map(el, { scrollWheelZoom: false }).setView([35.66, 139.82], 13);
  L.tileLayer("https://cyberjapandata.gsi.go.jp/xyz/std/{z}/{x}/{y}.png", {
    maxZoom: 18, minZoom: 5,
    attribution: '<a href="https://maps.gsi.go.jp/development/ichiran.html">地理院タイル</a>',
  }).addTo(map);
  const colours = ["#0017c1", "#115a36", "#8a5300", "#ce0000", "#6b0077", "#00428c"];
  const escape = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  const control = L.control.layers(null, null, { collapsed: false }).addTo(map);
  layers.forEach((layer, i) => {
    fetch(layer.url).then((r) => r.json()).then((fc) => {
      const s = layer.style || {};
      const colour = s.color || colours[i % colours.length];
      const gj = L.geoJSON(fc, {
        style: { color: colour, weight: s.weight || 2, fillOpacity: s.fillOpacity ?? 0.05 },
        pointToLayer: (f, latlng) => L.circleMarker(latlng, { radius: s.radius || 6, color: colour, weight: 2 }),
        onEachFeature: (f, l) => {
          const props = Object.entries(f.properties || {}).filter(([, v]) => v !== "" && v !== null).slice(0, 8);
          l.bindPopup(props.map(([k, v]) => `<strong>${escape(k)}</strong>: ${escape(v)}`).join("<br>"));
        },
      });
      control.addOverlay(gj, escape(layer.title));
      if (layer.chosen) gj.addTo(map);
    }).catch(() => {});
  });
});
