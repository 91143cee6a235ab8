"""The public map (Leaflet over 地理院タイル, with every layer also as a table), 'find nearest' from an
address, and the geocoder as a JSON endpoint."""

from __future__ import annotations

from typing import Any

import shapely
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kotodx.gis import selectors, services, spatial
from kotodx.gis.models import Layer

NEAREST = 5


def _geocoder() -> Any:
    from kotodx.gis import geocoder

    return geocoder


@require_GET
def public_map(request: HttpRequest) -> HttpResponse:
    user = request.user if request.user.is_authenticated else None
    layers = [layer for layer in selectors.visible_layers(user) if layer.feature_count]
    chosen = request.GET.getlist("layer") or [layer.name for layer in layers if layer.is_public][:3]
    tables = []
    for layer in layers:
        if layer.name in chosen:
            rows = [
                (f.fid, f.properties, shapely.from_wkb(bytes(f.geometry))) for f in layer.features.all()[:500]
            ]
            tables.append({"layer": layer, "rows": rows})
    nearest: dict[str, Any] | None = None
    q = request.GET.get("near", "").strip()[:200]
    target = request.GET.get("target", "")
    chosen_layer = next((la for la in layers if la.name == target), None)
    if request.GET.get("lat") or request.GET.get("lon"):
        nearest = _nearest_to_point(request.GET.get("lat", ""), request.GET.get("lon", ""), chosen_layer)
    elif q:
        match = _geocoder().geocode(q)
        nearest = {"query": q, "match": match, "layer": chosen_layer, "items": []}
        if match is not None and chosen_layer is not None:
            nearest["items"] = _nearest(chosen_layer, match.lon, match.lat)
    return render(
        request,
        "gis/map.html",
        {
            "layers": layers,
            "chosen": chosen,
            "tables": tables,
            "nearest": nearest,
            "target": target,
            "map_layers": [
                {
                    "name": la.name,
                    "title": la.title,
                    "url": f"/ogc/collections/{la.name}/items?limit=1000",
                    "chosen": la.name in chosen,
                    "style": services.layer_style(la),
                }
                for la in layers
            ],
        },
    )


def _nearest_to_point(raw_lat: str, raw_lon: str, layer: Layer | None) -> dict[str, Any]:
    """'Near me' and a point clicked on the map: the nearest features of the chosen layer."""
    import math

    out: dict[str, Any] = {"point": True, "layer": layer, "items": [], "error": ""}
    try:
        lat, lon = float(raw_lat), float(raw_lon)
    except ValueError:
        out["error"] = "地点の緯度・経度が数値ではありません。地図をクリックし直すか、住所で探してください。"
        return out
    if not (math.isfinite(lat) and math.isfinite(lon) and 20 <= lat <= 46 and 122 <= lon <= 154):
        out["error"] = "地点が日本の範囲外です（緯度20〜46度、経度122〜154度）。"
        return out
    town = _geocoder().reverse(lat, lon)
    out.update(lat=round(lat, 6), lon=round(lon, 6), town=(town or {}).get("town", ""))
    if layer is not None:
        out["items"] = _nearest(layer, lon, lat)
    return out


def _nearest(layer: Layer, lon: float, lat: float) -> list[dict[str, Any]]:
    return [
        {
            "distance": round(hit.distance_m or 0),
            "name": hit.name,
            "address": hit.address,
            "fid": hit.feature.fid,
        }
        for hit in spatial.nearest(layer, spatial.point(lat, lon), NEAREST)
    ]


@require_GET
def geocode(request: HttpRequest) -> JsonResponse:
    geocoder = _geocoder()
    if "q" in request.GET:
        match = geocoder.geocode(request.GET["q"][:200])
        if match is None:
            return JsonResponse(
                {"detail": "江東区内の住所として見つかりませんでした。"},
                status=404,
                json_dumps_params={"ensure_ascii": False},
            )
        return JsonResponse(match.to_dict(), json_dumps_params={"ensure_ascii": False})
    try:
        lat, lon = float(request.GET["lat"]), float(request.GET["lon"])
    except (KeyError, ValueError):
        return JsonResponse(
            {"detail": "q（住所）または lat と lon（数値）を指定してください。"},
            status=400,
            json_dumps_params={"ensure_ascii": False},
        )
    town = geocoder.reverse(lat, lon)
    if town is None:
        return JsonResponse(
            {"detail": "江東区の外の地点です。"}, status=404, json_dumps_params={"ensure_ascii": False}
        )
    return JsonResponse(town, json_dumps_params={"ensure_ascii": False})
