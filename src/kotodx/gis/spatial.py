"""Spatial queries over a layer, shared by the staff page (/staff/gis/query/) and the API: features within
a town (its area is the part of the ward nearest to the town's point, since the town data has points
only), within a polygon, within a distance of a point, and the nearest k. Distances in metres (EPSG:6677).
Bad input raises ``SpatialQueryError`` with a Japanese message naming the problem."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import shapely
import shapely.ops
from shapely.geometry import MultiPoint, Point, box, shape
from shapely.geometry.base import BaseGeometry

from kotodx.gis import geocoder, selectors
from kotodx.gis.models import Feature, Layer

DEGREES_PER_METRE_LAT = 1 / 111_000  # a generous box for the index; the exact test is in metres
MAX_RESULTS = 1000
MAX_METRES = 10_000
MAX_K = 100


class SpatialQueryError(ValueError):
    pass


@dataclass
class Hit:
    feature: Feature
    distance_m: float | None = None

    @property
    def name(self) -> str:
        props = self.feature.properties or {}
        return props.get("名称") or props.get("name") or props.get("title") or f"#{self.feature.fid}"

    @property
    def address(self) -> str:
        props = self.feature.properties or {}
        return props.get("住所") or props.get("所在地") or ""


def as_collection(hits: list[Hit]) -> dict[str, Any]:
    """The hits as a GeoJSON FeatureCollection, each with its distance in metres when there is one."""
    from kotodx.gis.services import feature_geojson

    features = []
    for hit in hits:
        doc = feature_geojson(hit.feature)
        if hit.distance_m is not None:
            doc["properties"] = {**doc["properties"], "distance_m": round(hit.distance_m, 1)}
        features.append(doc)
    return {"type": "FeatureCollection", "features": features, "numberReturned": len(features)}


@lru_cache(maxsize=1)
def town_areas() -> dict[str, BaseGeometry]:
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


def town_area(town: str) -> tuple[str, BaseGeometry]:
    """A town by its name as typed (東陽4丁目, 東陽四丁目, 江東区東陽4) → (its name, its area)."""
    match = geocoder.geocode(town)
    areas = town_areas()
    key = match.town if match is not None else town.strip()
    if key not in areas:
        raise SpatialQueryError(f"「{town}」は江東区の町丁目として見つかりません（例: 東陽四丁目）。")
    return key, areas[key]


def polygon(geometry: Any) -> BaseGeometry:
    """A GeoJSON Polygon or MultiPolygon (lon/lat); a self-intersecting one is repaired."""
    message = "範囲は GeoJSON の Polygon か MultiPolygon（3点以上の経度・緯度）にしてください。"
    try:
        area = shape(geometry)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, shapely.errors.GEOSException):
        raise SpatialQueryError(message) from None
    if area.geom_type not in ("Polygon", "MultiPolygon") or area.is_empty:
        raise SpatialQueryError(message)
    minx, miny, maxx, maxy = area.bounds
    if not (minx >= 122 and maxx <= 154 and miny >= 20 and maxy <= 46):
        raise SpatialQueryError(
            "範囲が日本の外にあります。座標は「経度, 緯度」の順です（緯度と経度が逆になっていませんか）。"
        )
    return area if area.is_valid else shapely.make_valid(area)


def point(lat: float, lon: float) -> Point:
    if not (20 <= lat <= 46 and 122 <= lon <= 154):
        raise SpatialQueryError("緯度・経度は日本の範囲（緯度20〜46度、経度122〜154度）で指定してください。")
    return Point(lon, lat)


def within(layer: Layer, area: BaseGeometry) -> list[Hit]:
    candidates = selectors.features_in_bbox(layer, area.bounds)
    return [Hit(f) for f in candidates if shapely.from_wkb(bytes(f.geometry)).intersects(area)][:MAX_RESULTS]


def distance_m(origin: Point, feature: Feature) -> float:
    geom = shapely.from_wkb(bytes(feature.geometry))
    target = geom if geom.geom_type == "Point" else shapely.ops.nearest_points(origin, geom)[1]
    return float(geocoder.distance_m(origin.x, origin.y, target.x, target.y))


def within_distance(layer: Layer, origin: Point, meters: float) -> list[Hit]:
    if not 0 < meters <= MAX_METRES:
        raise SpatialQueryError(f"距離は 0 より大きく {MAX_METRES} メートル以下にしてください。")
    pad_lat = meters * DEGREES_PER_METRE_LAT * 1.2
    pad_lon = pad_lat * 1.3  # degrees of longitude are shorter at 35°N
    lon, lat = origin.x, origin.y
    candidates = selectors.features_in_bbox(
        layer, box(lon - pad_lon, lat - pad_lat, lon + pad_lon, lat + pad_lat).bounds
    )
    scored = sorted((Hit(f, distance_m(origin, f)) for f in candidates), key=lambda h: h.distance_m or 0)
    return [h for h in scored if (h.distance_m or 0) <= meters][:MAX_RESULTS]


def nearest(layer: Layer, origin: Point, k: int) -> list[Hit]:
    if not 1 <= k <= MAX_K:
        raise SpatialQueryError(f"件数は 1〜{MAX_K} にしてください。")
    hits = (Hit(f, distance_m(origin, f)) for f in layer.features.all())
    return sorted(hits, key=lambda h: h.distance_m or 0)[:k]
