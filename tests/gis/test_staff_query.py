"""The staff spatial query page (/staff/gis/query/): a town, a drawn polygon, a distance from an address or
a clicked point, the nearest k — as a table, CSV and GeoJSON; bad input named in Japanese; only layers the
member of staff may see."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.urls import reverse
from shapely.geometry import Point

from tests.conftest import client_for
from tests.gis.conftest import make_layer

TOYO = (139.817849, 35.671936)  # 江東区東陽4-11-28 (江東区役所), as the geocoder places it
TOYOSU = (139.792777, 35.655271)  # 江東区豊洲2-2-18


@pytest.fixture
def offices(personas):
    points = [
        (Point(*TOYO), {"名称": "区役所", "住所": "東陽4-11-28"}),
        (Point(TOYO[0] + 0.0005, TOYO[1]), {"名称": "区役所のとなり", "住所": "東陽4"}),
        (Point(*TOYOSU), {"名称": "豊洲の施設", "住所": "豊洲2-2-18"}),
        (Point(139.80, 35.69), {"名称": '=HYPERLINK("http://x")', "住所": "北のほう"}),
    ]
    make_layer("dept-b-only", personas.dept_b, "department", points[:1], "B課だけ")
    return make_layer("offices", personas.dept_a, "ward", points, "庁舎など")


def _get(user, **params):  # type: ignore[no-untyped-def]
    return client_for(user).get(reverse("gis:staff_query"), params)


def _names(response) -> list[str]:  # type: ignore[no-untyped-def]
    body = response.content.decode()
    return [name for name in ("区役所のとなり", "区役所", "豊洲の施設") if f"<td>{name}</td>" in body]


def test_within_a_town(offices, personas):
    r = _get(personas.clerk_a, layer="offices", mode="town", town="東陽4丁目")
    assert r.status_code == 200
    assert "東陽四丁目の中（2件）" in r.content.decode()
    assert _names(r) == ["区役所のとなり", "区役所"]


def test_within_a_drawn_polygon_typed_by_keyboard(offices, personas):
    ring = "139.80, 35.65\n139.83, 35.65\n139.83, 35.68\n139.80, 35.68"  # closed for the user
    r = _get(personas.clerk_a, layer="offices", mode="polygon", polygon=ring)
    assert "描いた範囲の中（2件）" in r.content.decode()
    assert _names(r) == ["区役所のとなり", "区役所"]  # 豊洲 is south of 35.65
    geojson = {
        "type": "Polygon",
        "coordinates": [[[139.79, 35.65], [139.8, 35.65], [139.8, 35.66], [139.79, 35.66], [139.79, 35.65]]],
    }
    r = _get(personas.clerk_a, layer="offices", mode="polygon", polygon=json.dumps(geojson))
    assert _names(r) == ["豊洲の施設"]


def test_distance_from_an_address_and_nearest_from_a_clicked_point(offices, personas):
    r = _get(personas.clerk_a, layer="offices", mode="distance", place="江東区東陽4-11-28", meters=100)
    body = r.content.decode()
    assert "から100m以内（2件）" in body and "約0m" in body and "約45m" in body
    assert _names(r) == ["区役所のとなり", "区役所"]
    r = _get(personas.clerk_a, layer="offices", mode="nearest", lat=TOYOSU[1] + 0.001, lon=TOYOSU[0], k=1)
    body = r.content.decode()
    assert "地図で選んだ地点" in body and "近い1件（1件）" in body and _names(r) == ["豊洲の施設"]


def test_csv_and_geojson_downloads(offices, personas):
    params = {"layer": "offices", "mode": "nearest", "place": "東陽4-11-28", "k": 4}
    r = _get(personas.clerk_a, **params, format="csv")
    assert r["Content-Type"].startswith("text/csv") and r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0] == ["地物ID", "名称", "住所", "距離（m）", "緯度", "経度"]
    assert [row[1] for row in rows[1:3]] == ["区役所", "区役所のとなり"] and rows[1][3] == "0"
    assert '\'=HYPERLINK("http://x")' in [row[1] for row in rows]  # formula neutralised
    r = _get(personas.clerk_a, **params, format="geojson")
    doc = json.loads(r.content)
    assert doc["type"] == "FeatureCollection" and len(doc["features"]) == 4
    assert doc["features"][0]["properties"]["distance_m"] == 0.0


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"mode": "town", "town": "東陽九丁目"}, "江東区の町丁目として見つかりません"),
        ({"mode": "town"}, "町丁目を入力してください"),
        ({"mode": "polygon", "polygon": "139.80, 35.65\n139.83, 35.65"}, "3点以上"),
        ({"mode": "polygon", "polygon": "139.80, 35.65\nきた, 35.65\n139.8, 35.7"}, "2行目「きた, 35.65」"),
        ({"mode": "polygon", "polygon": "35.65, 139.80\n35.65, 139.83\n35.68, 139.83"}, "緯度と経度が逆"),
        ({"mode": "polygon", "polygon": '{"type": "Polygon", "coordinates": ['}, "GeoJSON として読めません"),
        (
            {"mode": "polygon", "polygon": '{"type": "Point", "coordinates": [139.8, 35.6]}'},
            "Polygon か MultiPolygon",
        ),
        ({"mode": "distance", "meters": 100}, "地点の住所を入力するか"),
        ({"mode": "distance", "place": "大阪市北区1-1", "meters": 100}, "江東区内の住所として見つかりません"),
        ({"mode": "distance", "place": "東陽4-11-28", "meters": 0}, "1 以上"),
        ({"mode": "nearest", "place": "東陽4-11-28", "k": 1000}, "100 以下"),
        ({"mode": "nearest", "lat": 135.0, "lon": 35.0, "k": 1}, "日本の範囲"),
        ({"mode": "sideways"}, "正しく選択してください"),
    ],
)
def test_bad_input_is_named_in_japanese(offices, personas, params, message):
    r = _get(personas.clerk_a, layer="offices", **{"meters": 500, "k": 5, **params})
    assert r.status_code == 200
    body = r.content.decode()
    assert message in body, body[body.find("error-summary") :][:800]
    assert "result-title" not in body


def test_only_layers_the_member_of_staff_may_see(offices, personas):
    r = _get(personas.clerk_a, layer="dept-b-only", mode="town", town="東陽四丁目")
    assert "正しく選択してください" in r.content.decode()  # not offered, not answered
    r = _get(personas.clerk_b, layer="dept-b-only", mode="town", town="東陽四丁目")
    assert "（1件）" in r.content.decode()
    anonymous = client_for(None).get(reverse("gis:staff_query"))
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert _get(personas.committee).status_code == 403
