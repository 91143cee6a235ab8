"""The GIS staff pages in the browser: a layer's settings and map style edited by keyboard, a colour with too
little contrast refused with the reason focused, the new colour drawn on the public map; axe on each state."""

import os
import re

import pytest
from django.urls import reverse
from shapely.geometry import Point

from tests.browser.conftest import axe_violations
from tests.conftest import PASSWORD
from tests.gis.conftest import make_layer

pytestmark = pytest.mark.browser


def test_layer_style_edited_by_keyboard_and_drawn_on_the_map(live_server, personas, page):
    make_layer(
        "parks-x",
        personas.dept_a,
        "public",
        [(Point(139.79 + i * 0.002, 35.66), {"名称": f"公園{i}"}) for i in range(3)],
        "公園X",
    )
    page.goto(live_server.url + reverse("core:login"))
    page.get_by_label("ログインID").fill("t.it")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_label("パスワード").press("Enter")
    page.wait_for_url(live_server.url + "/staff/")
    page.goto(live_server.url + reverse("gis:staff_layers"))
    page.get_by_role("link", name=re.compile("設定と表示スタイル.*公園X")).click()
    assert axe_violations(page) == []
    page.locator("#id_color").fill("#ffff00")  # yellow on white: about 1.1:1
    page.get_by_label("点の記号の半径（ピクセル）").fill("9")
    page.get_by_label("点の記号の半径（ピクセル）").press("Enter")
    summary = page.locator(".error-summary")
    summary.wait_for()
    assert "コントラスト比が3:1未満" in summary.inner_text()
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    assert axe_violations(page) == []
    page.locator("#id_color").fill("#6b0077")
    page.get_by_role("button", name="保存する").press("Enter")
    page.wait_for_url(live_server.url + reverse("gis:staff_layers"))
    page.goto(live_server.url + "/map/?layer=parks-x")
    marker = page.locator("path.leaflet-interactive").first
    marker.wait_for()
    assert marker.get_attribute("stroke") == "#6b0077"
    assert axe_violations(page) == []


def test_near_me_and_a_clicked_point_find_the_nearest(live_server, personas, browser):
    make_layer(
        "aed-x",
        personas.dept_a,
        "public",
        [(Point(139.79 + i * 0.002, 35.66), {"名称": f"AED{i}"}) for i in range(5)],
        "AED",
    )
    context = browser.new_context(
        locale="ja-JP",
        geolocation={"latitude": 35.66, "longitude": 139.798},
        permissions=["geolocation"],
        viewport={"width": 1280, "height": 900},
    )
    page = context.new_page()
    try:
        page.goto(live_server.url + "/map/?layer=aed-x&target=aed-x")
        page.get_by_role("button", name="現在地から近くを探す").click()
        page.wait_for_url("**lat=35.66**")
        first = page.locator(".nearest li").first
        assert first.inner_text().startswith("AED4 — 約0m")
        assert axe_violations(page) == []
        # a click on the map chooses that point; the live region says so; 表示する lists from there
        page.locator("#layer-map").click(position={"x": 200, "y": 150})
        assert "選んだ地点: 緯度" in page.locator("#point-status").inner_text()
        lat = page.locator("#near-lat").input_value()
        page.get_by_role("button", name="表示する").click()
        page.wait_for_url(f"**lat={lat}**")
        assert page.locator(".nearest li").count() == 5
        page.screenshot(path="test-artifacts/map-near-point.png", full_page=True)
    finally:
        context.close()


def test_spatial_query_by_keyboard_and_by_drawing_on_the_map(live_server, personas, page):
    make_layer(
        "offices-x",
        personas.dept_a,
        "ward",
        [
            (Point(139.817849, 35.671936), {"名称": "区役所", "住所": "東陽4-11-28"}),
            (Point(139.792777, 35.655271), {"名称": "豊洲の施設", "住所": "豊洲2-2-18"}),
        ],
        "庁舎X",
    )
    page.goto(live_server.url + reverse("core:login"))
    page.get_by_label("ログインID").fill("t.it")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_label("パスワード").press("Enter")
    page.wait_for_url(live_server.url + "/staff/")
    page.get_by_role("link", name="地図で探す（空間検索）").click()
    assert axe_violations(page) == []
    # By keyboard: the town typed, Enter.
    page.get_by_label("レイヤ").select_option(label="庁舎X")
    page.get_by_label("町丁目の中").check()
    page.get_by_label("町丁目", exact=True).fill("東陽四丁目")
    page.get_by_label("町丁目", exact=True).press("Enter")
    heading = page.locator("#result-title")
    heading.wait_for()
    assert "東陽四丁目の中（1件）" in heading.inner_text()
    assert page.locator("table td", has_text="区役所").count() == 1
    assert axe_violations(page) == []
    # Drawn on the map: three clicks around 豊洲 make the range, then 探す.
    page.get_by_label("描いた範囲（多角形）の中").check()
    page.get_by_label("町丁目", exact=True).fill("")
    map_el = page.locator("#query-map")
    map_el.scroll_into_view_if_needed()
    for dx, dy in ((0.05, 0.05), (0.95, 0.05), (0.5, 0.95)):  # a triangle over what the map shows
        b = map_el.bounding_box()
        assert b is not None
        page.mouse.click(b["x"] + b["width"] * dx, b["y"] + b["height"] * dy)
    assert len(page.locator("#id_polygon").input_value().strip().splitlines()) == 3
    assert "3点" in page.locator("#query-status").inner_text()
    page.get_by_role("button", name="探す").click()
    page.locator("#result-title").wait_for()
    assert "描いた範囲の中" in page.locator("#result-title").inner_text()
    assert axe_violations(page) == []
    if os.environ.get("KOTODX_SCREENSHOTS"):
        page.screenshot(path=os.environ["KOTODX_SCREENSHOTS"] + "/spatial-query.png", full_page=True)
