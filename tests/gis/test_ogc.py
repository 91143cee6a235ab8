"""OGC API – Features, Part 1 (Core, GeoJSON, HTML, OAS 3.0), mirroring the abstract test suite's checks
that apply, plus visibility rules; and a real client (OWSLib) reading every public collection in full."""

import json
import shutil
import subprocess

import pytest
from openapi_spec_validator import validate

from tests.conftest import client_for


def get(path, user=None, **params):
    return client_for(user).get(path, params)


def test_landing_conformance_api(layers):
    landing = get("/ogc/").json()
    rels = {link["rel"] for link in landing["links"]}
    assert {"self", "service-desc", "service-doc", "conformance", "data"} <= rels
    conf = get("/ogc/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in conf
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in conf
    spec = get("/ogc/api").json()
    validate(spec)
    assert "/collections/{collectionId}/items" in spec["paths"]


def test_collections_show_only_what_the_caller_may_see(layers, personas):
    ids = lambda user: {c["id"] for c in get("/ogc/collections", user).json()["collections"]}  # noqa: E731
    assert ids(None) == {"facilities", "areas"}
    assert ids(personas.clerk_a) == {"facilities", "areas", "ward-only"}
    assert ids(personas.clerk_b) == {"facilities", "areas", "ward-only", "dept-only"}
    assert ids(personas.it_officer) == {"facilities", "areas", "ward-only", "dept-only"}
    assert get("/ogc/collections/ward-only").status_code == 404
    assert get("/ogc/collections/dept-only/items", personas.clerk_a).status_code == 404
    assert get("/ogc/collections/dept-only/items", personas.clerk_b).status_code == 200


def test_collection_extent_is_crs84(layers):
    c = get("/ogc/collections/facilities").json()
    assert c["extent"]["spatial"]["bbox"] == [[139.79, 35.65, 139.814, 35.674]]
    assert c["extent"]["spatial"]["crs"] == "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
    assert {link["rel"] for link in c["links"]} >= {"self", "items"}


def test_items_paging_and_counts(layers):
    r = get("/ogc/collections/facilities/items", limit="10")
    assert r["Content-Type"] == "application/geo+json" and r["Access-Control-Allow-Origin"] == "*"
    assert r["Content-Crs"] == "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"
    body = r.json()
    assert (
        body["type"] == "FeatureCollection" and body["numberMatched"] == 25 and body["numberReturned"] == 10
    )
    assert body["timeStamp"].endswith("Z")
    seen, url = [], "/ogc/collections/facilities/items?limit=10"
    while url:
        page = client_for(None).get(url).json()
        seen += [f["id"] for f in page["features"]]
        nxt = [link["href"] for link in page["links"] if link["rel"] == "next"]
        url = nxt[0].replace("http://testserver", "") if nxt else None
    assert seen == list(range(1, 26))
    # The whole layer's pages (ids from the index first, then those rows): in fid order, with their own
    # properties and geometry, and empty past the end.
    second = get("/ogc/collections/facilities/items", limit="10", offset="10").json()
    assert [f["id"] for f in second["features"]] == list(range(11, 21))
    assert second["features"][0]["properties"]["名称"] == "施設10"
    assert second["features"][0]["geometry"]["type"] == "Point"
    beyond = get("/ogc/collections/facilities/items", limit="10", offset="40").json()
    assert beyond["features"] == [] and beyond["numberMatched"] == 25


def test_limit_is_clamped_not_refused(layers):
    assert get("/ogc/collections/facilities/items", limit="100000").json()["numberReturned"] == 25


def test_bbox_returns_only_intersecting_features(layers):
    body = get("/ogc/collections/facilities/items", bbox="139.7995,35.6595,139.8025,35.6625").json()
    assert [f["properties"]["名称"] for f in body["features"]] == ["施設10", "施設11", "施設12"]
    areas = get("/ogc/collections/areas/items", bbox="139.805,35.645,139.806,35.646").json()
    assert [f["properties"]["名称"] for f in areas["features"]] == ["区画A"]


def test_bbox_pages_count_every_match_and_past_the_end(layers):
    """The bbox query (its own SQL through the spatial index) pages in fid order and counts all matches,
    also on a page past the last one."""
    box_all = "139.78,35.64,139.82,35.68"
    whole = get("/ogc/collections/facilities/items", bbox=box_all, limit="100").json()
    assert whole["numberMatched"] == 25 and [f["id"] for f in whole["features"]] == list(range(1, 26))
    second = get("/ogc/collections/facilities/items", bbox=box_all, limit="10", offset="10").json()
    assert [f["id"] for f in second["features"]] == list(range(11, 21)) and second["numberMatched"] == 25
    assert {link["rel"] for link in second["links"]} >= {"next", "prev"}
    assert second["features"][0]["properties"]["名称"] == "施設10"  # fid 11 is the 11th point, 施設10
    beyond = get("/ogc/collections/facilities/items", bbox=box_all, limit="10", offset="40").json()
    assert beyond["features"] == [] and beyond["numberMatched"] == 25 and beyond["numberReturned"] == 0
    nothing = get("/ogc/collections/facilities/items", bbox="139.70,35.60,139.71,35.61").json()
    assert nothing["features"] == [] and nothing["numberMatched"] == 0


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "0"},
        {"limit": "abc"},
        {"offset": "-1"},
        {"bbox": "1,2,3"},
        {"bbox": "a,b,c,d"},
        {"bbox": "139.9,35.6,139.7,35.7"},
        {"bbox": "139.7,35.7,139.9,35.6"},
        {"bbox": "139,95,140,96"},
        {"unknown": "1"},
        {"f": "xml"},
    ],
)
def test_bad_parameters_are_400_with_a_japanese_description(layers, params):
    r = get("/ogc/collections/facilities/items", **params)
    assert r.status_code == 400
    assert r.json()["code"] == "InvalidParameterValue" and r.json()["description"]


def test_property_filter_and_queryables(layers):
    body = get("/ogc/collections/facilities/items", 種別="A", limit="100").json()
    assert body["numberMatched"] == 12 and all(f["properties"]["種別"] == "A" for f in body["features"])
    q = get("/ogc/collections/facilities/queryables").json()
    assert set(q["properties"]) == {"geometry", "名称", "種別"}
    assert q["properties"]["geometry"]["format"] == "geometry-point"


def test_single_item_and_missing(layers):
    item = get("/ogc/collections/facilities/items/3").json()
    assert item["id"] == 3 and item["geometry"]["type"] == "Point"
    assert get("/ogc/collections/facilities/items/999").status_code == 404
    assert get("/ogc/collections/nope/items").status_code == 404


def test_html_pages(layers):
    for path in (
        "/ogc/",
        "/ogc/collections",
        "/ogc/collections/facilities",
        "/ogc/collections/facilities/items",
    ):
        r = get(path, f="html")
        assert r.status_code == 200 and r["Content-Type"].startswith("text/html"), path
    assert "施設3" in get("/ogc/collections/facilities/items", f="html").content.decode()


@pytest.mark.e2e
def test_owslib_reads_every_public_collection_in_full(live_server, layers):
    from owslib.ogcapi.features import Features

    api = Features(live_server.url + "/ogc/")
    ids = (
        [c["id"] for c in api.feature_collections()]
        if isinstance(api.feature_collections()[0], dict)
        else api.feature_collections()
    )
    assert set(ids) == {"facilities", "areas"}
    total = 0
    for cid in ids:
        got = api.collection_items(cid, limit=1000)
        total += len(got["features"])
        assert got["numberMatched"] == len(got["features"])
    assert total == 27
    assert json.dumps(got)


def test_crs_part2_output_in_authority_axis_order(personas):
    from shapely.geometry import Point

    from tests.gis.conftest import make_layer

    make_layer("toyosu", personas.dept_a, "public", [(Point(139.7925, 35.6535), {"名称": "豊洲"})])
    base = "/ogc/collections/toyosu/items"
    plain = get(base).json()["features"][0]["geometry"]["coordinates"]
    assert plain == [139.7925, 35.6535]
    r4326 = get(base, crs="http://www.opengis.net/def/crs/EPSG/0/4326")
    assert r4326["Content-Crs"] == "<http://www.opengis.net/def/crs/EPSG/0/4326>"
    assert r4326.json()["features"][0]["geometry"]["coordinates"] == [35.6535, 139.7925]  # lat, lon
    metric = get(base + "/1", crs="http://www.opengis.net/def/crs/EPSG/0/6677").json()["geometry"][
        "coordinates"
    ]
    assert abs(metric[0] - -38441.570) < 0.01 and abs(metric[1] - -3697.352) < 0.01  # northing, easting
    assert "http://www.opengis.net/def/crs/EPSG/0/6677" in get("/ogc/collections/toyosu").json()["crs"]
    assert (
        "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs"
        in get("/ogc/conformance").json()["conformsTo"]
    )


def test_bbox_crs_and_unknown_crs(personas):
    from shapely.geometry import Point

    from tests.gis.conftest import make_layer

    make_layer("toyosu", personas.dept_a, "public", [(Point(139.7925, 35.6535), {"名称": "豊洲"})])
    base = "/ogc/collections/toyosu/items"
    lat_lon = get(
        base, bbox="35.65,139.79,35.66,139.80", **{"bbox-crs": "http://www.opengis.net/def/crs/EPSG/0/4326"}
    )
    assert lat_lon.json()["numberMatched"] == 1
    metres = get(
        base, bbox="-38500,-3750,-38400,-3650", **{"bbox-crs": "http://www.opengis.net/def/crs/EPSG/0/6677"}
    )
    assert metres.json()["numberMatched"] == 1
    elsewhere = get(
        base, bbox="-30000,-3750,-29900,-3650", **{"bbox-crs": "http://www.opengis.net/def/crs/EPSG/0/6677"}
    )
    assert elsewhere.json()["numberMatched"] == 0
    assert get(base, crs="http://www.opengis.net/def/crs/EPSG/0/9999").status_code == 400
    assert get(base, **{"bbox-crs": "http://www.opengis.net/def/crs/EPSG/0/4326"}).status_code == 400


@pytest.mark.e2e
@pytest.mark.skipif(
    not shutil.which("ogr2ogr"), reason="GDAL (Debian gdal-bin) is installed by make system-deps"
)
def test_gdal_oapif_driver_reads_every_public_collection_following_next(live_server, layers, tmp_path):
    """GDAL's OAPIF driver: ogrinfo lists exactly the public collections; ogr2ogr copies each in full
    with a page size of 7, so it has to follow our `next` links."""
    source = f"OAPIF:{live_server.url}/ogc"
    info = subprocess.run(["ogrinfo", "-ro", "-q", source], capture_output=True, text=True, check=True).stdout
    listed = {line.split(":", 1)[1].split("(")[0].strip() for line in info.splitlines() if ":" in line}
    assert listed == {"facilities", "areas"}, info
    for name, count in (("facilities", 25), ("areas", 2)):
        out = tmp_path / f"{name}.geojson"
        subprocess.run(
            ["ogr2ogr", "-f", "GeoJSON", str(out), source, name, "-oo", "PAGE_SIZE=7"],
            capture_output=True,
            text=True,
            check=True,
        )
        doc = json.loads(out.read_text())
        assert len(doc["features"]) == count
        assert {f["properties"]["名称"] for f in doc["features"]} >= (
            {"施設0", "施設24"} if count == 25 else {"区画A"}
        )


def test_the_spatial_index_follows_every_feature_write(layers):
    """The R*Tree (SQLite) is kept by triggers that a table rebuild in a later migration would drop."""
    from django.db import connection

    from kotodx.gis import selectors

    layer = layers["public"]
    inside = (139.7995, 35.6595, 139.8025, 35.6625)
    assert selectors.features_in_bbox(layer, inside).count() == 3
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM gis_feature_rtree")
            assert cursor.fetchone()[0] == layer.features.count() + sum(
                other.features.count() for other in layers.values() if other.pk != layer.pk
            )
    layer.features.filter(fid=11).update(minx=139.9, maxx=139.9)
    assert selectors.features_in_bbox(layer, inside).count() == 2
