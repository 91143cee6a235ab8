"""Spatial queries over a layer for staff and programs: features within a town (its area is the part of the
ward nearest to the town's point), within a polygon, within a distance of a point, and the nearest k.
Public layers for everyone; internal ones with a staff session or API token. Distances in metres
(EPSG:6677)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import shapely
import shapely.ops
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError
from shapely.geometry import MultiPoint, Point, box, shape
from shapely.geometry.base import BaseGeometry

from kotodx.core.services import api_token_authenticate
from kotodx.gis import geocoder, selectors
from kotodx.gis.models import Layer
from kotodx.gis.services import feature_geojson

router = Router(tags=["gis"])
DEGREES_PER_METRE_LAT = 1 / 111_000  # a generous box for the index; the exact test is in metres
MAX_RESULTS = 1000


class PolygonIn(Schema):
    geometry: dict[str, Any]


def _caller(request: HttpRequest) -> Any:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        user = api_token_authenticate(header[7:].strip())
        if user is None:
            raise HttpError(401, "APIトークンが正しくありません。")
        return user
    return request.user if request.user.is_authenticated else None


def _layer(request: HttpRequest, name: str) -> Layer:
    layer = selectors.visible_layers(_caller(request)).filter(name=name).first()
    if layer is None:
        raise HttpError(404, f"レイヤ「{name}」はありません。")
    return layer


def _collection(features: list[Any], extra: dict[str, list[Any]] | None = None) -> dict[str, Any]:
    out = []
    for i, f in enumerate(features[:MAX_RESULTS]):
        doc = feature_geojson(f)
        for key, values in (extra or {}).items():
            doc["properties"] = {**doc["properties"], key: values[i]}
        out.append(doc)
    return {"type": "FeatureCollection", "features": out, "numberReturned": len(out)}


def _within(layer: Layer, area: BaseGeometry) -> list[Any]:
    candidates = selectors.features_in_bbox(layer, area.bounds)
    return [f for f in candidates if shapely.from_wkb(bytes(f.geometry)).intersects(area)]


@lru_cache(maxsize=1)
def _town_areas() -> dict[str, BaseGeometry]:
    """Each town's area: the part of the ward closer to its representative point than to any other."""
    outline = geocoder.ward_outline()
    points = {
        t["name"]: Point(t["lon"], t["lat"])
        for t in geocoder.towns()
        if t.get("lat") is not None and t.get("lon") is not None
    }
    cells = shapely.voronoi_polygons(
        MultiPoint(list(points.values())), extend_to=outline.envelope.buffer(0.05)
    )
    areas: dict[str, BaseGeometry] = {}
    for cell in cells.geoms:
        name = next((n for n, p in points.items() if cell.contains(p)), None)
        if name is not None:
            areas[name] = cell.intersection(outline)
    return areas


@router.get("/layers/{name}/within-town", summary="町丁目の中の地物")
def within_town(request: HttpRequest, name: str, town: str) -> dict[str, Any]:
    layer = _layer(request, name)
    match = geocoder.geocode(town)
    areas = _town_areas()
    key = match.town if match is not None else town
    if key not in areas:
        raise HttpError(400, f"「{town}」は江東区の町丁目として見つかりません（例: 東陽四丁目）。")
    return {**_collection(_within(layer, areas[key])), "town": key}


@router.post("/layers/{name}/within-polygon", summary="多角形の中の地物")
def within_polygon(request: HttpRequest, name: str, body: PolygonIn) -> dict[str, Any]:
    layer = _layer(request, name)
    try:
        area = shape(body.geometry)
    except (ValueError, TypeError, KeyError, AttributeError, shapely.errors.GEOSException):
        raise HttpError(400, "geometry は GeoJSON の Polygon か MultiPolygon にしてください。") from None
    if area.geom_type not in ("Polygon", "MultiPolygon") or area.is_empty:
        raise HttpError(400, "geometry は GeoJSON の Polygon か MultiPolygon にしてください。")
    if not area.is_valid:
        area = shapely.make_valid(area)
    return _collection(_within(layer, area))


def _point(lat: float, lon: float) -> Point:
    if not (20 <= lat <= 46 and 122 <= lon <= 154):
        raise HttpError(400, "lat と lon は日本の範囲（緯度20〜46度、経度122〜154度）で指定してください。")
    return Point(lon, lat)


@router.get("/layers/{name}/within-distance", summary="地点から一定の距離の中の地物（距離の近い順）")
def within_distance(request: HttpRequest, name: str, lat: float, lon: float, meters: float) -> dict[str, Any]:
    layer = _layer(request, name)
    origin = _point(lat, lon)
    if not 0 < meters <= 10_000:
        raise HttpError(400, "meters は 0 より大きく 10000 以下にしてください。")
    pad_lat = meters * DEGREES_PER_METRE_LAT * 1.2
    pad_lon = pad_lat * 1.3  # degrees of longitude are shorter at 35°N
    candidates = selectors.features_in_bbox(
        layer, box(lon - pad_lon, lat - pad_lat, lon + pad_lon, lat + pad_lat).bounds
    )
    scored = sorted(((_distance(origin, f), f) for f in candidates), key=lambda t: t[0])
    hits = [(d, f) for d, f in scored if d <= meters]
    return _collection([f for _, f in hits], {"distance_m": [round(d, 1) for d, _ in hits]})


def _distance(origin: Point, feature: Any) -> float:
    geom = shapely.from_wkb(bytes(feature.geometry))
    target = geom if geom.geom_type == "Point" else shapely.ops.nearest_points(origin, geom)[1]
    return float(geocoder.distance_m(origin.x, origin.y, target.x, target.y))


@router.get("/layers/{name}/nearest", summary="地点に近い k 件の地物")
def nearest(request: HttpRequest, name: str, lat: float, lon: float, k: int = 5) -> dict[str, Any]:
    layer = _layer(request, name)
    origin = _point(lat, lon)
    if not 1 <= k <= 100:
        raise HttpError(400, "k は 1〜100 にしてください。")
    scored = sorted(((_distance(origin, f), f) for f in layer.features.all()), key=lambda t: t[0])[:k]
    return _collection([f for _, f in scored], {"distance_m": [round(d, 1) for d, _ in scored]})
