"""Reads of the integrated GIS: which layers a caller may see, and features by bounding box through the
spatial index (R*Tree on SQLite, GiST box index on PostgreSQL)."""

from __future__ import annotations

from django.db import connection
from django.db.models import F, Q, QuerySet
from django.db.models.expressions import RawSQL

from kotodx.core.models import User
from kotodx.core.selectors import is_ward_wide
from kotodx.gis.models import Feature, Layer


def visible_layers(user: User | None) -> QuerySet[Layer]:
    """Public layers for everyone; 庁内 layers for any staff; 所管部署のみ for that department and the
    ward-wide roles."""
    qs = Layer.objects.select_related("department")
    if user is None or not user.is_authenticated:
        return qs.filter(visibility=Layer.Visibility.PUBLIC)
    if is_ward_wide(user):
        return qs
    return qs.filter(
        Q(visibility__in=[Layer.Visibility.PUBLIC, Layer.Visibility.WARD])
        | Q(visibility=Layer.Visibility.DEPARTMENT, department_id=user.department_id or 0)
    )


def visible_layer(user: User | None, name: str) -> Layer | None:
    """The layer of that name if the caller may see it (the rules of visible_layers, in one lookup)."""
    layer = Layer.objects.filter(name=name).first()
    if layer is None or layer.visibility == Layer.Visibility.PUBLIC:
        return layer
    if user is None or not user.is_authenticated:
        return None
    if layer.visibility == Layer.Visibility.WARD or is_ward_wide(user):
        return layer
    return layer if layer.department_id == user.department_id else None


def features_in_bbox(layer: Layer, bbox: tuple[float, float, float, float] | None) -> QuerySet[Feature]:
    qs = Feature.objects.filter(layer=layer)
    if bbox is None:
        return qs.order_by("fid")
    minx, miny, maxx, maxy = bbox
    if connection.vendor == "sqlite":
        ids = RawSQL(
            "SELECT id FROM gis_feature_rtree WHERE minx <= %s AND maxx >= %s AND miny <= %s AND maxy >= %s",
            (maxx, minx, maxy, miny),
        )
        qs = qs.filter(id__in=ids)
    elif connection.vendor == "postgresql":
        qs = qs.extra(
            where=["box(point(minx, miny), point(maxx, maxy)) && box(point(%s, %s), point(%s, %s))"],  # noqa: S610
            params=[minx, miny, maxx, maxy],
        )
    else:
        qs = qs.filter(minx__lte=maxx, maxx__gte=minx, miny__lte=maxy, maxy__gte=miny)
    # Ordered by an expression, so that no planner walks the layer in fid order through the (layer, fid)
    # index hoping to meet the box soon: the box's few matches come from the spatial index, then are sorted.
    return qs.order_by(F("fid") + 0)
