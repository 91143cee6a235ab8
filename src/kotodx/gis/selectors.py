"""Reads of the integrated GIS: which layers a caller may see, and features by bounding box through the
spatial index (R*Tree on SQLite, GiST box index on PostgreSQL)."""

from __future__ import annotations

from typing import Any

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
    # Raw SQL: this lookup starts every OGC request, and compiling the ORM query cost 3× running it.
    layer = next(iter(Layer.objects.raw("SELECT * FROM gis_layer WHERE name = %s", [name])), None)
    if layer is None or layer.visibility == Layer.Visibility.PUBLIC:
        return layer
    if user is None or not user.is_authenticated:
        return None
    if layer.visibility == Layer.Visibility.WARD or is_ward_wide(user):
        return layer
    return layer if layer.department_id == user.department_id else None


def _box_sql(bbox: tuple[float, float, float, float]) -> tuple[str, list[float]]:
    """The WHERE clause that reads a bbox from the spatial index, and its parameters."""
    minx, miny, maxx, maxy = bbox
    if connection.vendor == "sqlite":
        return (
            "f.id IN (SELECT id FROM gis_feature_rtree WHERE minx <= %s AND maxx >= %s AND miny <= %s "
            "AND maxy >= %s)",
            [maxx, minx, maxy, miny],
        )
    if connection.vendor == "postgresql":
        return (
            "box(point(f.minx, f.miny), point(f.maxx, f.maxy)) && box(point(%s, %s), point(%s, %s))",
            [minx, miny, maxx, maxy],
        )
    return "f.minx <= %s AND f.maxx >= %s AND f.miny <= %s AND f.maxy >= %s", [maxx, minx, maxy, miny]


def bbox_page(
    layer: Layer, bbox: tuple[float, float, float, float], offset: int, limit: int
) -> tuple[list[tuple[int, bytes, str]], int]:
    """One page of the features whose boxes meet the bbox, in fid order, as (fid, WKB, properties as JSON
    text), and the count of all of them: one statement through the spatial index, in SQL of its own (the
    busiest query of the OGC API, where compiling the ORM query cost as much as running it)."""
    where, params = _box_sql(bbox)
    props = "f.properties::text" if connection.vendor == "postgresql" else "f.properties"
    sql = (
        f"SELECT f.fid, f.geometry, {props}, COUNT(*) OVER () FROM gis_feature f "  # noqa: S608
        f"WHERE f.layer_id = %s AND {where} ORDER BY f.fid + 0 LIMIT %s OFFSET %s"
    )
    rows = _fetch_prepared(sql, [layer.pk, *params, limit, offset])
    if rows:
        return [(fid, bytes(wkb), text) for fid, wkb, text, _ in rows], rows[0][3]
    if offset == 0:
        return [], 0
    with connection.cursor() as cursor:  # past the last page: the count alone
        cursor.execute(
            f"SELECT COUNT(*) FROM gis_feature f WHERE f.layer_id = %s AND {where}",  # noqa: S608
            [layer.pk, *params],
        )
        return [], cursor.fetchone()[0]


def _fetch_prepared(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """Rows of a query run many times a second. On PostgreSQL it is a prepared statement of the
    connection (kept between requests): planned once, not on every map move (a third of its time)."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    import psycopg

    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:  # server-side binding, which can prepare
        cursor.execute(sql, params, prepare=True)
        return cursor.fetchall()


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
