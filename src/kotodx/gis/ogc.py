"""OGC API – Features (Part 1: Core, GeoJSON, HTML, OAS 3.0; Part 2: CRS; Part 3: CQL2 filters) at
/ogc/. Public layers for everyone, internal ones only for staff allowed to see them; unknown query
parameters and bad values answer 400 with a Japanese description, never 500. Stored coordinates are CRS84
(lon/lat, JGD2011 ≈ WGS84 at this scale); other CRS are converted on the way in and out."""

from __future__ import annotations

import json
import math
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

import shapely
from django.db.models import Count, TextField, Window
from django.db.models.functions import Cast
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET
from pyproj import Transformer
from shapely.geometry import box, mapping, shape

from kotodx.gis import filtering, selectors
from kotodx.gis.models import Layer
from kotodx.gis.services import feature_geojson

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison",
    "http://www.opengis.net/spec/cql2/1.0/conf/accent-insensitive-comparison",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
    "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
]
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
# Output and bbox CRS (Part 2), each in its authority's axis order: EPSG:4326 and 6668 are lat,lon and
# EPSG:6677 (JGD2011 / 平面直角座標系 第IX系, metres) is northing,easting.
CRS_CODES = {
    CRS84: "OGC:CRS84",
    f"{EPSG}4326": "EPSG:4326",
    f"{EPSG}6668": "EPSG:6668",
    f"{EPSG}6677": "EPSG:6677",
}
DEFAULT_LIMIT, MAX_LIMIT = 10, 1000
GEOJSON = "application/geo+json"


class BadRequest(Exception):
    pass


def _crs_param(request: HttpRequest, name: str) -> str:
    uri = request.GET.get(name, CRS84)
    if uri.startswith("EPSG:") and uri[5:].isdigit():
        uri = f"{EPSG}{uri[5:]}"  # a convenience: crs=EPSG:6677
    if uri not in CRS_CODES:
        raise BadRequest(f"{name} に対応していないCRSです: {uri}（対応: {', '.join(CRS_CODES)}）")
    return uri


@lru_cache(maxsize=8)
def _transformer(source: str, target: str) -> Transformer:
    return Transformer.from_crs(CRS_CODES[source], CRS_CODES[target])


def _reproject(doc: dict[str, Any], crs: str) -> dict[str, Any]:
    if crs == CRS84 or doc.get("geometry") is None:
        return doc
    transform = _transformer(CRS84, crs).transform
    geom = shapely.transform(shape(doc["geometry"]), transform, interleaved=False)
    return {**doc, "geometry": mapping(geom)}


def _user(request: HttpRequest) -> Any:
    return request.user if request.user.is_authenticated else None


def _wants_html(request: HttpRequest, allowed: set[str]) -> bool:
    unknown = set(request.GET) - allowed - {"f"}
    if unknown:
        raise BadRequest(f"不明なパラメータです: {', '.join(sorted(unknown))}")
    f = request.GET.get("f")
    if f is not None:
        if f not in ("json", "html", "geojson"):
            raise BadRequest(f"f は json か html にしてください（いま: {f}）。")
        return f == "html"
    accept = request.headers.get("Accept", "")
    return "text/html" in accept and "json" not in accept.split(",")[0]


def _error(status: int, code: str, description: str) -> JsonResponse:
    return JsonResponse(
        {"code": code, "description": description}, status=status, json_dumps_params={"ensure_ascii": False}
    )


def _json(data: Any, content_type: str = "application/json", public: bool = True) -> HttpResponse:
    response = HttpResponse(json.dumps(data, ensure_ascii=False), content_type=content_type)
    if public:
        response["Access-Control-Allow-Origin"] = "*"
    return response


def _url(request: HttpRequest, name: str, *args: Any, **query: Any) -> str:
    base = request.build_absolute_uri(reverse(name, args=args))
    return f"{base}?{urlencode(query)}" if query else base


def _guard(view: Any) -> Any:
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            response: HttpResponse = view(request, *args, **kwargs)
            return response
        except BadRequest as exc:
            return _error(400, "InvalidParameterValue", str(exc))

    wrapped.__name__ = view.__name__
    return require_GET(wrapped)


@_guard
def landing(request: HttpRequest) -> HttpResponse:
    html = _wants_html(request, set())
    doc = {
        "title": "江東区 統合型GIS（OGC API – Features）",
        "description": "区が共有する地図レイヤを OGC API – Features で提供します。",
        "links": [
            {
                "href": _url(request, "gis:ogc_landing"),
                "rel": "self",
                "type": "application/json",
                "title": "この文書",
            },
            {
                "href": _url(request, "gis:ogc_landing", f="html"),
                "rel": "alternate",
                "type": "text/html",
                "title": "HTML",
            },
            {
                "href": _url(request, "gis:ogc_api"),
                "rel": "service-desc",
                "type": "application/vnd.oai.openapi+json;version=3.0",
                "title": "API の定義（OpenAPI 3.0）",
            },
            {
                "href": _url(request, "gis:ogc_api", f="html"),
                "rel": "service-doc",
                "type": "text/html",
                "title": "API の説明",
            },
            {
                "href": _url(request, "gis:ogc_conformance"),
                "rel": "conformance",
                "type": "application/json",
                "title": "適合クラス",
            },
            {
                "href": _url(request, "gis:ogc_collections"),
                "rel": "data",
                "type": "application/json",
                "title": "コレクション（レイヤ）",
            },
        ],
    }
    if html:
        return render(request, "gis/ogc.html", {"doc": doc, "kind": "landing"})
    return _json(doc)


@_guard
def conformance(request: HttpRequest) -> HttpResponse:
    html = _wants_html(request, set())
    doc = {"conformsTo": CONFORMANCE}
    if html:
        return render(request, "gis/ogc.html", {"doc": doc, "kind": "conformance"})
    return _json(doc)


def _collection(request: HttpRequest, layer: Layer) -> dict[str, Any]:
    items = _url(request, "gis:ogc_items", layer.name)
    out: dict[str, Any] = {
        "id": layer.name,
        "title": layer.title,
        "description": layer.description,
        "itemType": "feature",
        "crs": list(CRS_CODES),
        "storageCrs": CRS84,
        "links": [
            {
                "href": _url(request, "gis:ogc_collection", layer.name),
                "rel": "self",
                "type": "application/json",
            },
            {"href": items, "rel": "items", "type": GEOJSON, "title": "地物（GeoJSON）"},
            {
                "href": _url(request, "gis:ogc_items", layer.name, f="html"),
                "rel": "items",
                "type": "text/html",
                "title": "地物（HTML）",
            },
            {
                "href": _url(request, "gis:ogc_queryables", layer.name),
                "rel": "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                "type": "application/schema+json",
            },
        ],
    }
    if layer.extent:
        out["extent"] = {"spatial": {"bbox": [layer.extent], "crs": CRS84}}
    if layer.attribution:
        out["attribution"] = layer.attribution
    return out


def _layer(request: HttpRequest, collection_id: str) -> Layer | None:
    return selectors.visible_layer(_user(request), collection_id)


@_guard
def collections(request: HttpRequest) -> HttpResponse:
    html = _wants_html(request, set())
    layers = list(selectors.visible_layers(_user(request)))
    doc = {
        "links": [{"href": _url(request, "gis:ogc_collections"), "rel": "self", "type": "application/json"}],
        "collections": [_collection(request, layer) for layer in layers],
    }
    if html:
        return render(request, "gis/ogc.html", {"doc": doc, "kind": "collections", "layers": layers})
    return _json(doc, public=all(layer.is_public for layer in layers))


@_guard
def collection(request: HttpRequest, collection_id: str) -> HttpResponse:
    html = _wants_html(request, set())
    layer = _layer(request, collection_id)
    if layer is None:
        return _error(404, "NotFound", f"コレクション「{collection_id}」はありません。")
    doc = _collection(request, layer)
    if html:
        return render(request, "gis/ogc.html", {"doc": doc, "kind": "collection", "layer": layer})
    return _json(doc, public=layer.is_public)


def _int_param(request: HttpRequest, name: str, default: int) -> int:
    raw = request.GET.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name} は整数にしてください（いま: {raw}）。") from None
    return value


def _bbox_in(raw: str | None, bbox_crs: str) -> tuple[float, float, float, float] | None:
    """bbox in bbox-crs (in that CRS's axis order) → CRS84 lon/lat."""
    if raw is None or bbox_crs == CRS84:
        return _bbox(raw)
    try:
        parts = [float(v) for v in raw.split(",")]
    except ValueError:
        raise BadRequest(f"bbox は数値4つにしてください（いま: {raw}）。") from None
    if len(parts) != 4 or not all(math.isfinite(p) for p in parts):
        raise BadRequest("bbox は数値4つにしてください。")
    a1, b1, a2, b2 = parts
    if a1 > a2 or b1 > b2:
        raise BadRequest("bbox の最小値が最大値より大きくなっています。")
    t = _transformer(bbox_crs, CRS84)
    corners = [t.transform(a, b) for a in (a1, a2) for b in (b1, b2)]
    if not all(math.isfinite(c) for xy in corners for c in xy):
        raise BadRequest("bbox をこのCRSから経度・緯度に変換できません。")
    return _bbox(
        ",".join(
            str(v)
            for v in (
                min(x for x, _ in corners),
                min(y for _, y in corners),
                max(x for x, _ in corners),
                max(y for _, y in corners),
            )
        )
    )


def _filter(request: HttpRequest, layer: Layer) -> filtering.Filter | None:
    """The Part 3 filter of the request (CQL2 text or JSON), or None."""
    if "filter" not in request.GET:
        for name in ("filter-lang", "filter-crs"):
            if name in request.GET:
                raise BadRequest(f"{name} は filter と一緒に指定してください。")
        return None
    filter_crs = _crs_param(request, "filter-crs")
    to_crs84 = None
    if filter_crs != CRS84:
        transform = _transformer(filter_crs, CRS84).transform
        to_crs84 = lambda g: shapely.transform(g, transform, interleaved=False)  # noqa: E731
    try:
        return filtering.parse(
            request.GET["filter"],
            lang=request.GET.get("filter-lang", "cql2-text"),
            queryables={p["name"]: p["type"] for p in layer.schema},
            to_crs84=to_crs84,
        )
    except filtering.FilterError as exc:
        raise BadRequest(str(exc)) from None


def _intersection(
    a: tuple[float, float, float, float] | None, b: tuple[float, float, float, float] | None
) -> tuple[float, float, float, float] | None:
    if a is None or b is None:
        return a or b
    return max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])


def _bbox(raw: str | None) -> tuple[float, float, float, float] | None:
    if raw is None:
        return None
    try:
        parts = [float(v) for v in raw.split(",")]
    except ValueError:
        raise BadRequest(
            f"bbox は数値4つ（最小経度,最小緯度,最大経度,最大緯度）にしてください（いま: {raw}）。"
        ) from None
    if len(parts) == 6:
        parts = [parts[0], parts[1], parts[3], parts[4]]
    if len(parts) != 4 or not all(math.isfinite(p) for p in parts):
        raise BadRequest("bbox は数値4つ（最小経度,最小緯度,最大経度,最大緯度）にしてください。")
    minx, miny, maxx, maxy = parts
    if miny > maxy:
        raise BadRequest("bbox の最小緯度が最大緯度より大きくなっています。")
    if not (-180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= 90 and -90 <= maxy <= 90):
        raise BadRequest("bbox の値が経度・緯度の範囲を超えています。")
    if minx > maxx:
        raise BadRequest(
            "bbox の最小経度が最大経度より大きくなっています（日付変更線をまたぐ範囲には対応していません）。"
        )
    return minx, miny, maxx, maxy


@_guard
def items(request: HttpRequest, collection_id: str) -> HttpResponse:
    layer = _layer(request, collection_id)
    if layer is None:
        return _error(404, "NotFound", f"コレクション「{collection_id}」はありません。")
    queryable = {p["name"] for p in layer.schema}
    html = _wants_html(
        request,
        {"limit", "offset", "bbox", "bbox-crs", "crs", "datetime", "filter", "filter-lang", "filter-crs"}
        | queryable,
    )
    crs = _crs_param(request, "crs")
    if "bbox-crs" in request.GET and "bbox" not in request.GET:
        raise BadRequest("bbox-crs は bbox と一緒に指定してください。")
    limit = _int_param(request, "limit", DEFAULT_LIMIT)
    if limit < 1:
        raise BadRequest("limit は1以上にしてください。")
    limit = min(limit, MAX_LIMIT)
    offset = _int_param(request, "offset", 0)
    if offset < 0:
        raise BadRequest("offset は0以上にしてください。")
    if "datetime" in request.GET and not request.GET["datetime"].strip():
        raise BadRequest("datetime が空です。")
    bbox = _bbox_in(request.GET.get("bbox"), _crs_param(request, "bbox-crs"))
    flt = _filter(request, layer)
    index_box = _intersection(bbox, flt.bbox if flt else None)
    by_property = {name: request.GET[name] for name in queryable & set(request.GET)}
    exact = bbox is not None and layer.geometry_type not in ("Point", "")
    page: list[tuple[int, bytes | memoryview, str]]
    if bbox is not None and not exact and flt is None and not by_property:  # the map's query: points in a box
        rows, number_matched = selectors.bbox_page(layer, bbox, offset, limit)
        page = list(rows)
    else:
        area = box(*bbox) if bbox is not None and exact else None
        page, number_matched = _page(layer, index_box, by_property, area, flt, offset, limit)
    params = {k: v for k, v in request.GET.items() if k not in ("offset", "f")}
    here = request.build_absolute_uri(request.path)

    def page_url(at: int, **extra: str) -> str:
        return f"{here}?{urlencode({**params, 'offset': at, **extra})}"

    links = [
        {"href": page_url(offset), "rel": "self", "type": GEOJSON},
        {"href": page_url(offset, f="html"), "rel": "alternate", "type": "text/html"},
        {"href": here.rsplit("/items", 1)[0], "rel": "collection", "type": "application/json"},
    ]
    if offset + limit < number_matched:
        links.append({"href": page_url(offset + limit), "rel": "next", "type": GEOJSON})
    if offset > 0:
        links.append({"href": page_url(max(0, offset - limit)), "rel": "prev", "type": GEOJSON})
    doc = {
        "type": "FeatureCollection",
        "features": [],
        "links": links,
        "numberMatched": number_matched,
        "numberReturned": len(page),
        "timeStamp": timezone.now().isoformat().replace("+00:00", "Z"),
    }
    geometries = _geometries_geojson([bytes(row[1]) for row in page], CRS84 if html else crs)
    if html:
        doc["features"] = [
            {"type": "Feature", "id": fid, "geometry": json.loads(g), "properties": json.loads(props)}
            for (fid, _, props), g in zip(page, geometries, strict=True)
        ]
        return render(
            request,
            "gis/ogc.html",
            {"doc": doc, "kind": "items", "layer": layer, "features": doc["features"], "links": links},
        )
    # The features are written as text around the geometries GEOS has already written as GeoJSON.
    features = ",".join(
        f'{{"type":"Feature","id":{fid},"geometry":{g},"properties":{props}}}'
        for (fid, _, props), g in zip(page, geometries, strict=True)
    )
    head = json.dumps(doc, ensure_ascii=False)
    body = head.replace('"features": []', f'"features": [{features}]', 1)
    response = HttpResponse(body, content_type=GEOJSON)
    if layer.is_public:
        response["Access-Control-Allow-Origin"] = "*"
    response["Content-Crs"] = f"<{crs}>"
    return response


def _page(
    layer: Layer,
    index_box: tuple[float, float, float, float] | None,
    by_property: dict[str, str],
    area: Any,
    flt: Any,
    offset: int,
    limit: int,
) -> tuple[list[tuple[int, bytes | memoryview, str]], int]:
    """A page of the features that match (index box, properties, then the exact area and the filter), as
    (fid, WKB, properties as JSON text), and the count of all matches."""
    qs = selectors.features_in_bbox(layer, index_box)
    for name, value in by_property.items():
        qs = qs.filter(**{f"properties__{name}": value})
    if area is not None or flt is not None:
        # Candidates from the index, then the exact test: of the area (only needed for lines and areas)
        # and of the filter.
        matched = [
            (fid, wkb, props)
            for fid, wkb, props in qs.values_list("fid", "geometry", "properties").iterator(chunk_size=2000)
            if (area is None or shapely.from_wkb(bytes(wkb)).intersects(area))
            and (flt is None or flt.matches(props, bytes(wkb)))
        ]
        page = [
            (fid, wkb, json.dumps(props, ensure_ascii=False))
            for fid, wkb, props in matched[offset : offset + limit]
        ]
        return page, len(matched)
    text = qs.annotate(text=Cast("properties", TextField()))
    if index_box is None and not by_property:  # the whole layer: its count is known
        # The page's ids first, from the (layer, fid) index alone, then only those rows: an OFFSET over the
        # rows themselves reads (and casts) every skipped one.
        ids = qs.values("id")[offset : offset + limit]
        return list(text.filter(id__in=ids).values_list("fid", "geometry", "text")), layer.feature_count
    # One statement: the page, with the matches counted by a window over the same rows.
    rows = list(
        text.annotate(total=Window(Count("*"))).values_list("fid", "geometry", "text", "total")[
            offset : offset + limit
        ]
    )
    return [(fid, wkb, props) for fid, wkb, props, _ in rows], rows[0][3] if rows else qs.count()


def _geometries_geojson(wkbs: list[bytes], crs: str) -> list[str]:
    """WKB geometries as GeoJSON texts in the output CRS, converted all at once (GEOS, vectorised)."""
    if not wkbs:
        return []
    geoms = shapely.from_wkb(wkbs)
    if crs != CRS84:
        geoms = shapely.transform(geoms, _transformer(CRS84, crs).transform, interleaved=False)
    return list(shapely.to_geojson(geoms))


@_guard
def item(request: HttpRequest, collection_id: str, fid: int) -> HttpResponse:
    html = _wants_html(request, {"crs"})
    crs = _crs_param(request, "crs")
    layer = _layer(request, collection_id)
    feature = layer.features.filter(fid=fid).first() if layer else None
    if layer is None or feature is None:
        return _error(404, "NotFound", "その地物はありません。")
    doc = feature_geojson(feature)
    doc["links"] = [
        {"href": _url(request, "gis:ogc_item", layer.name, fid), "rel": "self", "type": GEOJSON},
        {
            "href": _url(request, "gis:ogc_collection", layer.name),
            "rel": "collection",
            "type": "application/json",
        },
    ]
    if html:
        return render(
            request, "gis/ogc.html", {"doc": doc, "kind": "item", "layer": layer, "features": [doc]}
        )
    response = _json(_reproject(doc, crs), GEOJSON, public=layer.is_public)
    response["Content-Crs"] = f"<{crs}>"
    return response


@_guard
def queryables(request: HttpRequest, collection_id: str) -> HttpResponse:
    _wants_html(request, set())
    layer = _layer(request, collection_id)
    if layer is None:
        return _error(404, "NotFound", f"コレクション「{collection_id}」はありません。")
    doc = {
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$id": _url(request, "gis:ogc_queryables", layer.name),
        "type": "object",
        "title": layer.title,
        "properties": {
            "geometry": {
                "title": "ジオメトリ",
                "format": f"geometry-{(layer.geometry_type or 'any').lower()}"
                if layer.geometry_type
                in ("Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon")
                else "geometry-any",
            },
            **{p["name"]: {"type": p["type"], "title": p["name"]} for p in layer.schema},
        },
        "additionalProperties": False,
    }
    return _json(doc, "application/schema+json", public=layer.is_public)


@_guard
def api(request: HttpRequest) -> HttpResponse:
    """The OpenAPI 3.0 description of this OGC API."""
    html = _wants_html(request, set())
    ids = [layer.name for layer in selectors.visible_layers(_user(request))]
    param = {
        "name": "collectionId",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "enum": ids},
    }
    ok = {
        "200": {"description": "OK"},
        "400": {"description": "パラメータの誤り"},
        "404": {"description": "ありません"},
    }
    doc = {
        "openapi": "3.0.3",
        "info": {"title": "江東区 統合型GIS（OGC API – Features）", "version": "1.0"},
        "servers": [{"url": request.build_absolute_uri(reverse("gis:ogc_landing")).rstrip("/")}],
        "paths": {
            "/": {"get": {"summary": "ランディングページ", "operationId": "getLandingPage", "responses": ok}},
            "/conformance": {
                "get": {"summary": "適合クラス", "operationId": "getConformance", "responses": ok}
            },
            "/collections": {
                "get": {"summary": "コレクション", "operationId": "getCollections", "responses": ok}
            },
            "/collections/{collectionId}": {
                "get": {
                    "summary": "コレクション",
                    "operationId": "describeCollection",
                    "parameters": [param],
                    "responses": ok,
                }
            },
            "/collections/{collectionId}/items": {
                "get": {
                    "summary": "地物",
                    "operationId": "getFeatures",
                    "responses": ok,
                    "parameters": [
                        param,
                        {
                            "name": "limit",
                            "in": "query",
                            "schema": {
                                "type": "integer",
                                "minimum": 1,
                                "maximum": MAX_LIMIT,
                                "default": DEFAULT_LIMIT,
                            },
                        },
                        {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}},
                        {
                            "name": "bbox",
                            "in": "query",
                            "style": "form",
                            "explode": False,
                            "schema": {
                                "type": "array",
                                "minItems": 4,
                                "maxItems": 6,
                                "items": {"type": "number"},
                            },
                        },
                        {"name": "datetime", "in": "query", "schema": {"type": "string"}},
                        *(
                            {"name": name, "in": "query", "schema": {"type": "string"}}
                            for name in ("crs", "bbox-crs", "filter", "filter-crs")
                        ),
                        {
                            "name": "filter-lang",
                            "in": "query",
                            "schema": {"type": "string", "enum": ["cql2-text", "cql2-json"]},
                        },
                    ],
                }
            },
            "/collections/{collectionId}/items/{featureId}": {
                "get": {
                    "summary": "地物",
                    "operationId": "getFeature",
                    "responses": ok,
                    "parameters": [
                        param,
                        {"name": "featureId", "in": "path", "required": True, "schema": {"type": "integer"}},
                    ],
                }
            },
        },
    }
    if html:
        return render(request, "gis/ogc.html", {"doc": doc, "kind": "api"})
    return _json(doc, "application/vnd.oai.openapi+json;version=3.0")
