"""Spatial queries over a layer for staff and programs: features within a town (its area is the part of the
ward nearest to the town's point), within a polygon, within a distance of a point, and the nearest k.
Public layers for everyone; internal ones with a staff session or API token. Distances in metres
(EPSG:6677)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from kotodx.core.services import api_token_authenticate
from kotodx.gis import selectors, spatial
from kotodx.gis.models import Layer

router = Router(tags=["gis"])


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


def _bad(exc: spatial.SpatialQueryError) -> HttpError:
    return HttpError(400, str(exc))


@router.get("/layers/{name}/within-town", summary="町丁目の中の地物")
def within_town(request: HttpRequest, name: str, town: str) -> dict[str, Any]:
    layer = _layer(request, name)
    try:
        key, area = spatial.town_area(town)
    except spatial.SpatialQueryError as exc:
        raise _bad(exc) from None
    return {**spatial.as_collection(spatial.within(layer, area)), "town": key}


@router.post("/layers/{name}/within-polygon", summary="多角形の中の地物")
def within_polygon(request: HttpRequest, name: str, body: PolygonIn) -> dict[str, Any]:
    layer = _layer(request, name)
    try:
        return spatial.as_collection(spatial.within(layer, spatial.polygon(body.geometry)))
    except spatial.SpatialQueryError as exc:
        raise _bad(exc) from None


@router.get("/layers/{name}/within-distance", summary="地点から一定の距離の中の地物（距離の近い順）")
def within_distance(request: HttpRequest, name: str, lat: float, lon: float, meters: float) -> dict[str, Any]:
    layer = _layer(request, name)
    try:
        return spatial.as_collection(spatial.within_distance(layer, spatial.point(lat, lon), meters))
    except spatial.SpatialQueryError as exc:
        raise _bad(exc) from None


@router.get("/layers/{name}/nearest", summary="地点に近い k 件の地物")
def nearest(request: HttpRequest, name: str, lat: float, lon: float, k: int = 5) -> dict[str, Any]:
    layer = _layer(request, name)
    try:
        return spatial.as_collection(spatial.nearest(layer, spatial.point(lat, lon), k))
    except spatial.SpatialQueryError as exc:
        raise _bad(exc) from None
