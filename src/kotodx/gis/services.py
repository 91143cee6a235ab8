"""Writes of the integrated GIS: layers and their features from GeoJSON, from CSV rows with 緯度/経度 (or an
address), from an open data resource (kept in sync). Imports are all or nothing and audited."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Max, Min
from shapely.geometry import Point, mapping, shape
from shapely.geometry.base import BaseGeometry

from kotodx.core.models import User
from kotodx.core.services import audit_record, model_snapshot
from kotodx.gis.models import Feature, Layer

JAPAN = (122.0, 20.0, 154.0, 46.0)  # lon/lat box that holds every Japanese municipality
LAT_NAMES = ("緯度", "latitude", "lat", "y")
LON_NAMES = ("経度", "longitude", "lon", "lng", "x")
ADDRESS_NAMES = ("住所", "所在地", "所在地_連結表記", "address")


class ImportProblem(ValidationError):
    """A file that cannot become a layer; messages are Japanese and name the feature or row."""


@dataclass
class ImportResult:
    layer: Layer
    count: int
    repaired: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _inside_japan(geom: BaseGeometry) -> bool:
    minx, miny, maxx, maxy = geom.bounds
    return JAPAN[0] <= minx and maxx <= JAPAN[2] and JAPAN[1] <= miny and maxy <= JAPAN[3]


def _check_geometry(geom: BaseGeometry, where: str, repaired: list[str]) -> BaseGeometry:
    if geom.is_empty:
        raise ImportProblem(f"{where}: ジオメトリが空です。")
    if not _inside_japan(geom):
        swapped = shapely.transform(geom, lambda xy: xy[:, ::-1])
        if _inside_japan(swapped):
            raise ImportProblem(f"{where}: 緯度と経度が逆のようです（経度, 緯度 の順に書いてください）。")
        raise ImportProblem(f"{where}: 座標が日本の範囲外です（経度122〜154度、緯度20〜46度）。")
    if not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        fixed = shapely.make_valid(geom)
        if fixed.is_empty:
            raise ImportProblem(f"{where}: ジオメトリが正しくありません（{reason}）。")
        repaired.append(f"{where}: 自己交差などを修復しました（{reason}）")
        return fixed
    return geom


def _geometry_type(geoms: Iterable[BaseGeometry]) -> str:
    kinds = {g.geom_type for g in geoms}
    if len(kinds) == 1:
        return kinds.pop()
    if kinds <= {"Polygon", "MultiPolygon"}:
        return "MultiPolygon"
    if kinds <= {"LineString", "MultiLineString"}:
        return "MultiLineString"
    return "Geometry"


def _schema(rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    names: dict[str, str] = {}
    for props in rows:
        for k, v in props.items():
            kind = "number" if isinstance(v, int | float) and not isinstance(v, bool) else "string"
            if names.get(k) not in (None, kind):
                kind = "string"
            names[k] = kind
    return [{"name": k, "type": t} for k, t in names.items()]


@transaction.atomic
def layer_replace_features(
    *, layer: Layer, items: list[tuple[BaseGeometry, dict[str, Any]]], actor: User | None, note: str = ""
) -> int:
    """Put these features in place of the layer's current ones (in one transaction)."""
    layer.features.all().delete()
    features = [
        Feature(
            layer=layer,
            fid=i,
            geometry=shapely.to_wkb(g),
            minx=g.bounds[0],
            miny=g.bounds[1],
            maxx=g.bounds[2],
            maxy=g.bounds[3],
            properties=props,
        )
        for i, (g, props) in enumerate(items, start=1)
    ]
    # Stored in space-filling-curve order (fids stay as given): neighbours on the map are neighbours on
    # disk, so a bbox query reads a few pages instead of one per feature (PostGIS's advice to CLUSTER on
    # the spatial index, without locking the table).
    Feature.objects.bulk_create(_in_z_order(features), batch_size=2000)
    if len(items) >= 1000:
        # Fresh statistics, so the planner reads a bbox query from the spatial index rather than walking
        # the layer in fid order (on SQLite that is the difference between 1 and 10 ms per page).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE gis_feature")
    box = layer.features.aggregate(a=Min("minx"), b=Min("miny"), c=Max("maxx"), d=Max("maxy"))
    layer.minx, layer.miny, layer.maxx, layer.maxy = box["a"], box["b"], box["c"], box["d"]
    layer.feature_count = len(items)
    layer.geometry_type = _geometry_type(g for g, _ in items) if items else layer.geometry_type
    layer.schema = _schema([p for _, p in items])
    layer.save()
    audit_record(
        actor=actor,
        action="update",
        target=layer,
        after={"features": len(items)},
        note=note or "地物の取り込み",
    )
    return len(items)


def _in_z_order(features: list[Feature]) -> list[Feature]:
    """The features sorted by the Z-order (Morton) key of their box centres over the layer's extent."""
    if len(features) < 2:
        return features
    cx = np.array([(f.minx + f.maxx) / 2 for f in features])
    cy = np.array([(f.miny + f.maxy) / 2 for f in features])

    def cells(v: np.ndarray) -> np.ndarray:  # 16-bit cell numbers, bits spread to the even places
        span = float(v.max() - v.min()) or 1.0
        c = ((v - v.min()) / span * 65535).astype(np.uint64)
        for shift, mask in ((8, 0x00FF00FF), (4, 0x0F0F0F0F), (2, 0x33333333), (1, 0x55555555)):
            c = (c | (c << np.uint64(shift))) & np.uint64(mask)
        return c

    key = cells(cx) | (cells(cy) << np.uint64(1))
    return [features[i] for i in np.argsort(key, kind="stable")]


@transaction.atomic
def layer_create(*, data: dict[str, Any], actor: User | None) -> Layer:
    layer = Layer(**data)
    layer.full_clean()
    layer.save()
    audit_record(actor=actor, action="create", target=layer, after=model_snapshot(layer))
    return layer


DEFAULT_STYLE = {"color": "#0017c1", "radius": 6, "weight": 2, "fillOpacity": 0.1}


def layer_style(layer: Layer) -> dict[str, Any]:
    """The layer's map style, with the defaults for what it does not set."""
    return {**DEFAULT_STYLE, **(layer.style or {})}


def contrast_with_white(hex_colour: str) -> float:
    """WCAG contrast ratio of a #rrggbb colour against white (symbols on the map must reach 3:1)."""

    def channel(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    luminance = 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    return 1.05 / (luminance + 0.05)


def can_manage(user: User, layer: Layer) -> bool:
    from kotodx.core.selectors import is_ward_wide

    return user.has_perm("gis.manage_layer") and (
        is_ward_wide(user) or layer.department_id == user.department_id
    )


@transaction.atomic
def layer_update(*, layer: Layer, data: dict[str, Any], actor: User) -> Layer:
    """Change a layer's settings and map style (not its features); audited with before and after."""
    if not can_manage(actor, layer):
        raise PermissionDenied("このレイヤを変更する権限がありません。")
    before = model_snapshot(layer)
    for name in ("title", "description", "visibility", "attribution", "department"):
        if name in data:
            setattr(layer, name, data[name])
    if "style" in data:
        style = {**layer_style(layer), **data["style"]}
        if contrast_with_white(style["color"]) < 3:
            raise ValidationError(
                {"color": "背景（白）とのコントラスト比が3:1未満で、見えにくい色です。濃い色にしてください。"}
            )
        layer.style = style
    layer.full_clean()
    layer.save()
    audit_record(actor=actor, action="update", target=layer, before=before, after=model_snapshot(layer))
    return layer


def features_from_geojson(text: str | bytes) -> tuple[list[tuple[BaseGeometry, dict[str, Any]]], list[str]]:
    try:
        doc = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ImportProblem(f"GeoJSON として読めません（{exc}）。") from None
    if not isinstance(doc, dict):
        raise ImportProblem("GeoJSON のオブジェクトではありません。")
    if doc.get("type") == "FeatureCollection":
        raw = doc.get("features")
    elif doc.get("type") == "Feature":
        raw = [doc]
    else:
        raise ImportProblem("GeoJSON の type は FeatureCollection か Feature にしてください。")
    if not isinstance(raw, list) or not raw:
        raise ImportProblem("地物（features）が1つもありません。")
    items: list[tuple[BaseGeometry, dict[str, Any]]] = []
    repaired: list[str] = []
    for i, f in enumerate(raw, start=1):
        where = f"{i}番目の地物"
        if not isinstance(f, dict) or not isinstance(f.get("geometry"), dict):
            raise ImportProblem(f"{where}: geometry がありません。")
        try:
            geom = shape(f["geometry"])
        except (ValueError, TypeError, AttributeError, KeyError, shapely.errors.GEOSException) as exc:
            raise ImportProblem(f"{where}: ジオメトリが読めません（{exc}）。") from None
        props = f.get("properties") or {}
        if not isinstance(props, dict):
            raise ImportProblem(f"{where}: properties はオブジェクトにしてください。")
        items.append((_check_geometry(geom, where, repaired), props))
    return items, repaired


def features_from_rows(
    header: list[str], rows: Iterable[list[Any]]
) -> tuple[list[tuple[BaseGeometry, dict[str, Any]]], list[str]]:
    """Rows with 緯度/経度 become points; rows with only an address are geocoded (Koto City)."""
    lat = next((i for i, h in enumerate(header) if h.strip().lower() in LAT_NAMES), None)
    lon = next((i for i, h in enumerate(header) if h.strip().lower() in LON_NAMES), None)
    addr = next((i for i, h in enumerate(header) if h.strip() in ADDRESS_NAMES), None)
    if (lat is None or lon is None) and addr is None:
        raise ImportProblem(
            "緯度・経度の列も住所の列もないため、地図に置けません（列名: 緯度・経度、または住所）。"
        )
    items: list[tuple[BaseGeometry, dict[str, Any]]] = []
    skipped: list[str] = []
    repaired: list[str] = []
    for n, row in enumerate(rows, start=2):
        props = {h: (row[i] if i < len(row) else "") for i, h in enumerate(header) if h}
        if not any(str(v).strip() for v in props.values()):
            continue
        point = None
        if lat is not None and lon is not None:
            try:
                y, x = float(str(row[lat]).strip()), float(str(row[lon]).strip())
                point = _check_geometry(Point(x, y), f"{n}行目", repaired)
            except (ValueError, IndexError):
                point = None
        if point is None and addr is not None:
            from kotodx.gis import geocoder

            match = geocoder.geocode(str(row[addr]) if addr < len(row) else "")
            if match is not None:
                point = Point(match.lon, match.lat)
                props["_geocode_level"] = match.level
        if point is None:
            skipped.append(f"{n}行目: 位置がわかりません（緯度・経度が空または住所が江東区内にありません）。")
            continue
        items.append((point, props))
    if not items:
        raise ImportProblem("位置のわかる行が1つもありません。" + (skipped[0] if skipped else ""))
    return items, skipped + repaired


@transaction.atomic
def layer_sync_from_resource(*, layer: Layer, actor: User | None) -> ImportResult:
    """Refresh a layer from its open data resource's published rows (after each new version)."""
    from kotodx.opendata import datastore

    resource = layer.source_resource
    if resource is None or not resource.datastore_active:
        raise ImportProblem("元のオープンデータに表形式のデータがありません。")
    result = datastore.search(resource, limit=datastore.MAX_LIMIT, include_total=False)
    header = [f["id"] for f in result["fields"] if f["id"] != "_id"]
    rows = [[r.get(h, "") for h in header] for r in result["records"]]
    items, notes = features_from_rows(header, rows)
    count = layer_replace_features(
        layer=layer, items=items, actor=actor, note=f"オープンデータ「{resource.name}」から同期"
    )
    layer.source_version = resource.current_version.number if resource.current_version else None
    layer.save(update_fields=["source_version"])
    return ImportResult(layer, count, skipped=notes)


SPATIAL_FILES = (".gpkg", ".zip", ".shp", ".fgb", ".kml")


def features_from_file(
    filename: str, data: bytes
) -> tuple[list[tuple[BaseGeometry, dict[str, Any]]], list[str], str]:
    """Any file staff may upload as a layer: GeoJSON, CSV (UTF-8 or Shift_JIS), or through GDAL (pyogrio)
    a GeoPackage, a zipped Shapefile, FlatGeobuf or KML. Returns the features, notes, and the source kind."""
    from kotodx.opendata.validation import decode_csv

    name = filename.lower()
    if not data:
        raise ImportProblem("ファイルが空です。")
    if name.endswith((".geojson", ".json")):
        items, notes = features_from_geojson(data)
        return items, notes, Layer.Source.GEOJSON
    if name.endswith(SPATIAL_FILES):
        items, notes = features_from_gdal(filename, data)
        return items, notes, Layer.Source.FILE
    if name.endswith((".csv", ".txt")):
        import csv
        import io

        rows = list(csv.reader(io.StringIO(decode_csv(data).text)))
        if not rows:
            raise ImportProblem("ファイルが空です。")
        items, notes = features_from_rows([h.strip() for h in rows[0]], rows[1:])
        return items, notes, Layer.Source.CSV
    raise ImportProblem(
        "対応していない種類のファイルです（GeoJSON、CSV、GeoPackage、Shapefile の ZIP、FlatGeobuf、KML）。"
    )


def features_from_gdal(
    filename: str, data: bytes
) -> tuple[list[tuple[BaseGeometry, dict[str, Any]]], list[str]]:
    """Read the first layer of a GDAL vector file in memory; coordinates go to JGD2011 lon/lat from the file's
    CRS. A zipped Shapefile without a .cpg is read as Shift_JIS, as Japanese municipal data usually is."""
    import io
    import warnings
    import zipfile

    import pyogrio
    import pyogrio.raw
    from pyproj import CRS, Transformer

    notes: list[str] = []
    if filename.lower().endswith(".shp"):
        raise ImportProblem(
            "Shapefile は .shp・.dbf・.shx・.prj をまとめた ZIP にしてアップロードしてください。"
        )
    options: dict[str, Any] = {}
    if filename.lower().endswith(".zip"):
        try:
            members = [m.lower() for m in zipfile.ZipFile(io.BytesIO(data)).namelist()]
        except zipfile.BadZipFile:
            raise ImportProblem("ZIP ファイルとして読めません。") from None
        if not any(m.endswith(".shp") for m in members):
            raise ImportProblem("ZIP の中に Shapefile（.shp）がありません。")
        if not any(m.endswith(".cpg") for m in members):
            options["encoding"] = "cp932"
            notes.append("文字コードの指定（.cpg）がないため、属性を Shift_JIS として読みました。")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            layers = pyogrio.list_layers(io.BytesIO(data))
            meta, _, wkbs, columns = pyogrio.raw.read(io.BytesIO(data), **options)
    except Exception:  # pyogrio's DataSourceError and GDAL's own errors, in English with temporary paths
        raise ImportProblem(
            f"「{filename}」を地図データとして読めません。壊れているか、対応していない形式です。"
        ) from None
    if len(layers) > 1:
        others = "、".join(str(row[0]) for row in layers[1:])
        notes.append(f"ファイルの最初のレイヤ「{layers[0][0]}」を取り込みました（ほかのレイヤ: {others}）。")
    if len(wkbs) == 0:
        raise ImportProblem("地物が1つもありません。")
    transform = None
    if meta.get("crs"):
        crs = CRS.from_user_input(meta["crs"])
        if crs.to_epsg() not in (6668, 4326, 4612) or not crs.is_geographic:
            transform = Transformer.from_crs(crs, 6668, always_xy=True).transform
    geoms = shapely.from_wkb(wkbs)
    if transform is not None:
        geoms = shapely.transform(geoms, transform, interleaved=False)
    names = [str(n) for n in meta["fields"]]
    items: list[tuple[BaseGeometry, dict[str, Any]]] = []
    repaired: list[str] = []
    for i, geom in enumerate(geoms):
        where = f"{i + 1}番目の地物"
        if geom is None:
            raise ImportProblem(f"{where}: ジオメトリがありません。")
        props = {n: _plain(col[i]) for n, col in zip(names, columns, strict=True)}
        items.append((_check_geometry(geom, where, repaired), props))
    if not meta.get("crs"):
        notes.append("座標系の指定がないため、経度・緯度（JGD2011）として読みました。")
    return items, notes + repaired


def _plain(value: Any) -> Any:
    """A numpy or date value from GDAL as a JSON value."""
    import math

    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, bytes):
        return value.hex()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def feature_geojson(f: Feature) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": f.fid,
        "geometry": mapping(shapely.from_wkb(bytes(f.geometry))),
        "properties": f.properties,
    }


def sync_layers_of_resource(resource: Any) -> None:
    """Keep the layers made from an open data resource in step with its published version."""
    for layer in Layer.objects.filter(source_resource=resource, source=Layer.Source.OPENDATA):
        try:
            layer_sync_from_resource(layer=layer, actor=None)
        except ImportProblem:
            continue  # the layer keeps its features; the resource has no usable positions now
