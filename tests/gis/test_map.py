"""The public map page: 'find nearest' from an address, from a point (near me / a clicked point), with
distances in metres; bad points answered with the reason, never a 500; internal layers not offered to
residents."""

import re

import pytest

from tests.conftest import client_for


def page(user=None, **params):
    r = client_for(user).get("/map/", params)
    assert r.status_code == 200
    return r.content.decode()


def nearest_section(html):
    """The 'find nearest' answer: the section under the heading near-title."""
    found = re.search(r'<section aria-labelledby="near-title".*?</section>', html, re.S)
    assert found, "no 'nearest' section on the page"
    return found.group(0)


def test_nearest_from_an_address(layers):
    html = page(near="江東区東陽4-11-28", target="facilities")
    assert "東陽四丁目" in html and "からの距離（直線）" in html
    assert html.count("<li>施設") == 5 and "約" in html


def test_nearest_from_a_point_sorted_by_distance(layers):
    # facilities i are at (139.79 + i/1000, 35.65 + i/1000); this point is on 施設10
    html = page(lat="35.66", lon="139.80", target="facilities")
    items = [line for line in html.splitlines() if "<li>施設" in line][0]
    names = [part.split(" — ")[0] for part in items.split("<li>")[1:]]
    assert names[0] == "施設10" and set(names[1:3]) == {"施設9", "施設11"}
    assert "約0m" in items and "緯度 35.66、経度 139.8" in html


@pytest.mark.parametrize(
    ("lat", "lon", "says"),
    [
        ("abc", "139.8", "数値ではありません"),
        ("48.85", "2.35", "日本の範囲外"),
        ("nan", "139.8", "日本の範囲外"),
        ("", "139.8", "数値ではありません"),
    ],
)
def test_bad_points_are_explained(layers, lat, lon, says):
    assert says in page(lat=lat, lon=lon, target="facilities")


def test_unknown_address_is_explained(layers):
    assert "見つかりませんでした" in page(near="大阪市北区梅田1-1", target="facilities")


def test_internal_layers_are_not_offered_to_residents(layers, personas):
    assert "ward-only" not in page()
    assert 'value="ward-only"' in page(personas.clerk_a)
    # asking for an internal layer by name as a resident finds nothing in it; staff who may see it get its
    # features (施設0–2, titled 庁内) for the same request
    near = {"lat": "35.66", "lon": "139.80", "target": "ward-only"}
    staff = nearest_section(page(personas.clerk_a, **near))
    assert "庁内" in staff and "<li>施設0 — 約" in staff
    resident = nearest_section(page(**near))
    assert "<li>" not in resident and "庁内" not in resident
