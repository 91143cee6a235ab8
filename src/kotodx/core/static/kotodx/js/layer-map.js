// The public map: each chosen layer from the OGC API as GeoJSON; the same data is in the tables below.
document.addEventListener("DOMContentLoaded", () => {
  const el = document.getElementById("layer-map");
  const data = document.getElementById("map-layers");
  if (!el || !data || typeof L === "undefined") return;
  const layers = JSON.parse(data.textContent);
  const map = L.map(el, { scrollWheelZoom: false }).setView([35.66, 139.82], 13);
  L.tileLayer("https://cyberjapandata.gsi.go.jp/xyz/std/{z}/{x}/{y}.png", {
    maxZoom: 18, minZoom: 5,
    // The tiles' credit in the page's language (GSI's own English name on English pages).
    attribution: `<a href="https://maps.gsi.go.jp/development/ichiran.html">${document.documentElement.lang === "en" ? "GSI Tiles" : "地理院タイル"}</a>`,
  }).addTo(map);
  const colours = ["#0017c1", "#115a36", "#8a5300", "#ce0000", "#6b0077", "#00428c"];
  const escape = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  const control = L.control.layers(null, null, { collapsed: false }).addTo(map);

  // "Near me" and a clicked point: both fill the form's lat/lon; the server lists the nearest features.
  const lat = document.getElementById("near-lat");
  const lon = document.getElementById("near-lon");
  const status = document.getElementById("point-status");
  const form = lat && lat.form;
  const nearMe = document.getElementById("near-me");
  const clear = document.getElementById("clear-point");
  let origin = null;
  const choose = (la, lo) => {
    lat.value = la.toFixed(6);
    lon.value = lo.toFixed(6);
    form.elements.near.value = "";
    if (origin) origin.remove();
    origin = L.marker([la, lo], { title: "選んだ地点", keyboard: false }).addTo(map);
    status.textContent = `選んだ地点: 緯度 ${lat.value}、経度 ${lon.value}（「表示する」で近くを探します）`;
    clear.hidden = false;
  };
  if (lat && lat.value && lon.value) {
    origin = L.marker([Number(lat.value), Number(lon.value)], { title: "選んだ地点", keyboard: false }).addTo(map);
    map.setView([Number(lat.value), Number(lon.value)], 15);
    clear.hidden = false;
  }
  if (form) {
    map.on("click", (e) => choose(e.latlng.lat, e.latlng.lng));
    clear.addEventListener("click", () => {
      lat.value = ""; lon.value = "";
      if (origin) origin.remove();
      origin = null;
      status.textContent = "選んだ地点を消しました。";
      clear.hidden = true;
    });
    if (navigator.geolocation) {
      nearMe.hidden = false;
      nearMe.addEventListener("click", () => {
        status.textContent = "現在地を調べています…";
        navigator.geolocation.getCurrentPosition(
          (pos) => { choose(pos.coords.latitude, pos.coords.longitude); form.submit(); },
          () => { status.textContent = "現在地を使えませんでした。住所を入れるか、地図をクリックしてください。"; },
          { timeout: 10000 },
        );
      });
    }
  }
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
