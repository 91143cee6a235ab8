"""OGC API – Features Part 3 (filtering with CQL2 text and JSON), mirroring the abstract test suite's
checks that apply: conformance, queryables, every supported operator, filter-lang, filter-crs, spatial
predicates, and a 400 with a Japanese description for each filter that can't be used."""

import json

import pytest
from shapely.geometry import LineString, Point

from tests.conftest import client_for
from tests.gis.conftest import make_layer


@pytest.fixture
def shelters(personas):
    """Ten points along a line; 収容人数 is text as it comes from a CSV."""
    items = [
        (
            Point(139.80 + i * 0.002, 35.66),
            {
                "名称": f"避難所{i}" + ("小学校" if i % 3 == 0 else "公園"),
                "収容人数": str(100 * i),
                "種別": "School" if i % 3 == 0 else "park",
                **({"備考": "バリアフリー"} if i == 4 else {}),
            },
        )
        for i in range(10)
    ]
    make_layer("roads", personas.dept_a, "public", [(LineString([(139.80, 35.65), (139.82, 35.67)]), {})])
    return make_layer("shelters", personas.dept_a, "public", items, "避難所")


def names(filter_text, lang=None, user=None, **extra):
    params = {"filter": filter_text, "limit": "100", **extra}
    if lang:
        params["filter-lang"] = lang
    r = client_for(user).get("/ogc/collections/shelters/items", params)
    assert r.status_code == 200, r.content.decode()
    body = r.json()
    assert body["numberMatched"] == body["numberReturned"] == len(body["features"])
    return sorted(f["properties"]["名称"] for f in body["features"])


def test_conformance_declares_filtering_and_cql2(shelters):
    conf = client_for(None).get("/ogc/conformance").json()["conformsTo"]
    for uri in (
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
        "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
        "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
        "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
        "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    ):
        assert uri in conf


def test_comparisons_on_japanese_property_names(shelters):
    assert names("名称 = '避難所3小学校'") == ["避難所3小学校"]
    assert len(names("\"名称\" <> '避難所3小学校'")) == 9
    # 収容人数 is text ("700"); compared with a number it is compared as a number, not as text
    assert names("収容人数 >= 700") == ["避難所7公園", "避難所8公園", "避難所9小学校"]
    assert names("収容人数 < 200") == ["避難所0小学校", "避難所1公園"]
    assert names("収容人数 BETWEEN 300 AND 500") == ["避難所3小学校", "避難所4公園", "避難所5公園"]
    assert names("収容人数 IN (100, 900)") == ["避難所1公園", "避難所9小学校"]


def test_logic_like_null_and_case(shelters):
    schools = ["避難所3小学校", "避難所6小学校", "避難所9小学校"]
    assert names("名称 LIKE '%小学校' AND 収容人数 > 0") == schools
    assert names("名称 LIKE '避難所_公園' AND NOT (収容人数 > 200)") == ["避難所1公園", "避難所2公園"]
    assert len(names("備考 IS NULL OR 収容人数 = 0")) == 9
    assert names("備考 IS NOT NULL") == ["避難所4公園"]
    assert len(names("CASEI(種別) = casei('SCHOOL')")) == 4
    assert names("種別 = 'SCHOOL'") == []


def test_spatial_predicates_and_filter_crs(shelters):
    west = "POLYGON((139.799 35.659, 139.805 35.659, 139.805 35.661, 139.799 35.661, 139.799 35.659))"
    assert names(f"S_INTERSECTS(geometry, {west})") == ["避難所0小学校", "避難所1公園", "避難所2公園"]
    assert names("S_INTERSECTS(geometry, BBOX(139.815, 35.65, 139.9, 35.7))") == [
        "避難所8公園",
        "避難所9小学校",
    ]
    assert len(names(f"S_DISJOINT(geometry, {west})")) == 7
    assert names(f"S_WITHIN(geometry, {west}) AND 収容人数 > 0") == ["避難所1公園", "避難所2公園"]
    # the same area given in EPSG:4326 (lat, lon axis order)
    west_latlon = "POLYGON((35.659 139.799, 35.659 139.805, 35.661 139.805, 35.661 139.799, 35.659 139.799))"
    assert names(
        f"S_INTERSECTS(geometry, {west_latlon})",
        **{"filter-crs": "http://www.opengis.net/def/crs/EPSG/0/4326"},
    ) == ["避難所0小学校", "避難所1公園", "避難所2公園"]
    # combined with bbox: both must hold
    assert names("収容人数 > 100", bbox="139.803,35.65,139.807,35.67") == ["避難所2公園", "避難所3小学校"]


def test_cql2_json(shelters):
    doc = {
        "op": "and",
        "args": [
            {"op": ">", "args": [{"property": "収容人数"}, 500]},
            {"op": "s_intersects", "args": [{"property": "geometry"}, {"bbox": [139.81, 35.6, 139.9, 35.7]}]},
        ],
    }
    assert names(json.dumps(doc, ensure_ascii=False), "cql2-json") == [
        "避難所6小学校",
        "避難所7公園",
        "避難所8公園",
        "避難所9小学校",
    ]


def test_filter_on_lines_uses_the_exact_geometry(shelters):
    r = client_for(None).get(
        "/ogc/collections/roads/items",
        {"filter": "S_INTERSECTS(geometry, BBOX(139.8095, 35.6595, 139.8105, 35.6605))"},
    )
    assert r.json()["numberMatched"] == 1
    miss = client_for(None).get(
        "/ogc/collections/roads/items",
        {"filter": "S_INTERSECTS(geometry, BBOX(139.815, 35.651, 139.819, 35.655))"},  # inside its box only
    )
    assert miss.json()["numberMatched"] == 0


def test_paging_of_filtered_results(shelters):
    r = (
        client_for(None)
        .get("/ogc/collections/shelters/items", {"filter": "収容人数 >= 200", "limit": "3"})
        .json()
    )
    assert r["numberMatched"] == 8 and r["numberReturned"] == 3
    nxt = [link["href"] for link in r["links"] if link["rel"] == "next"][0]
    assert "filter=" in nxt
    page2 = client_for(None).get(nxt.replace("http://testserver", "")).json()
    assert [f["id"] for f in page2["features"]] == [6, 7, 8]


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"filter": "名称 = "}, "読めません"),
        ({"filter": "存在しない = 1"}, "属性にありません"),
        ({"filter": "収容人数 + 1 > 2"}, "算術"),
        ({"filter": "T_AFTER(名称, TIMESTAMP('2020-01-01T00:00:00Z'))"}, "対応していません"),
        ({"filter": "S_INTERSECTS(名称, POINT(1 2))"}, "geometry"),
        ({"filter": "名称 = 'a'", "filter-lang": "ecql"}, "filter-lang"),
        ({"filter": "{not json", "filter-lang": "cql2-json"}, "読めません"),
        ({"filter": "名称 = 'a'", "filter-crs": "EPSG:9999"}, "CRS"),
        ({"filter-lang": "cql2-text"}, "filter と一緒に"),
        ({"filter": "   "}, "空"),
    ],
)
def test_bad_filters_are_400_naming_the_problem(shelters, params, says):
    r = client_for(None).get("/ogc/collections/shelters/items", params)
    assert r.status_code == 400
    assert says in r.json()["description"], r.json()["description"]


def test_filter_never_reaches_internal_layers(shelters, personas):
    make_layer("secret", personas.dept_b, "department", [(Point(139.8, 35.66), {"名称": "秘"})])
    r = client_for(None).get("/ogc/collections/secret/items", {"filter": "名称 = '秘'"})
    assert r.status_code == 404
    ok = client_for(personas.clerk_b).get("/ogc/collections/secret/items", {"filter": "名称 = '秘'"})
    assert ok.json()["numberMatched"] == 1
