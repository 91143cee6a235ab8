"""Spatial queries through the API: within a town, within a polygon, within a distance, nearest k;
visibility of internal layers; bad values are 400."""

import json

from kotodx.core import services as core_services
from tests.conftest import client_for


def test_nearest_and_within_distance(layers):
    api = client_for(None)
    near = api.get("/api/gis/layers/facilities/nearest", {"lat": "35.65", "lon": "139.79", "k": "3"}).json()
    names = [f["properties"]["名称"] for f in near["features"]]
    dists = [f["properties"]["distance_m"] for f in near["features"]]
    assert names == ["施設0", "施設1", "施設2"] and dists[0] == 0 and dists == sorted(dists)
    assert 135 < dists[1] < 150  # 0.001° east and north at 35.65°N ≈ 142 m
    within = api.get(
        "/api/gis/layers/facilities/within-distance", {"lat": "35.65", "lon": "139.79", "meters": "300"}
    ).json()
    assert [f["properties"]["名称"] for f in within["features"]] == ["施設0", "施設1", "施設2"]


def test_within_polygon_and_town(layers):
    api = client_for(None)
    square = {
        "type": "Polygon",
        "coordinates": [
            [
                [139.7995, 35.6595],
                [139.8025, 35.6595],
                [139.8025, 35.6625],
                [139.7995, 35.6625],
                [139.7995, 35.6595],
            ]
        ],
    }
    found = api.post(
        "/api/gis/layers/facilities/within-polygon",
        data=json.dumps({"geometry": square}),
        content_type="application/json",
    ).json()
    assert [f["properties"]["名称"] for f in found["features"]] == ["施設10", "施設11", "施設12"]
    town = api.get("/api/gis/layers/facilities/within-town", {"town": "江東区東陽四丁目"}).json()
    assert town["town"] == "東陽四丁目"
    assert api.get("/api/gis/layers/facilities/within-town", {"town": "千代田区丸の内"}).status_code == 400


def test_bad_values_and_internal_layers(layers, personas):
    api = client_for(None)
    assert api.get("/api/gis/layers/facilities/nearest", {"lat": "139.79", "lon": "35.65"}).status_code == 400
    assert (
        api.get("/api/gis/layers/facilities/nearest", {"lat": "35.65", "lon": "139.79", "k": "0"}).status_code
        == 400
    )
    assert (
        api.get(
            "/api/gis/layers/facilities/within-distance", {"lat": "35.65", "lon": "139.79", "meters": "-5"}
        ).status_code
        == 400
    )
    line = {"type": "LineString", "coordinates": [[139.8, 35.6], [139.9, 35.7]]}
    assert (
        api.post(
            "/api/gis/layers/facilities/within-polygon",
            data=json.dumps({"geometry": line}),
            content_type="application/json",
        ).status_code
        == 400
    )
    assert api.get("/api/gis/layers/ward-only/nearest", {"lat": "35.65", "lon": "139.79"}).status_code == 404
    _t, key = core_services.api_token_create(user=personas.clerk_a, name="gis", actor=personas.clerk_a)
    staff = client_for(None)
    ok = staff.get(
        "/api/gis/layers/ward-only/nearest",
        {"lat": "35.65", "lon": "139.79"},
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert ok.status_code == 200 and ok.json()["numberReturned"] == 3
    assert (
        staff.get(
            "/api/gis/layers/dept-only/nearest",
            {"lat": "35.65", "lon": "139.79"},
            HTTP_AUTHORIZATION=f"Bearer {key}",
        ).status_code
        == 404
    )
