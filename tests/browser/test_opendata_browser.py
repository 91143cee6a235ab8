"""Open data in a real browser: an officer uploads the ward's Shift_JIS CSV, watches the validation job,
publishes; a resident finds it by its kana reading, previews it on a map and a table; axe finds nothing."""

import pytest
from django.urls import reverse

from kotodx.opendata import services
from tests.browser.conftest import axe_violations
from tests.conftest import PASSWORD
from tests.opendata.conftest import KOTO

pytestmark = pytest.mark.browser


def test_upload_validate_publish_and_find(live_server, personas, page, tmp_path):
    services.dataset_save(
        dataset=None,
        actor=None,
        tags=["図書館"],
        groups=[],
        data={
            "name": "libraries",
            "title": "図書館一覧",
            "department": personas.dept_a,
            "notes": "区立図書館の一覧",
        },
    )
    csv_file = tmp_path / "131083_library.csv"
    csv_file.write_bytes((KOTO / "koto-library.sjis.csv").read_bytes())
    page.goto(live_server.url + reverse("core:login"))
    page.get_by_label("ログインID").fill("t.clerk_a")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url("**/staff/")
    page.goto(live_server.url + reverse("opendata:dataset", args=["libraries"]))
    page.get_by_role("link", name="ファイル・URLを追加").click()
    page.get_by_label("名前").fill("図書館一覧")
    page.get_by_label("ファイル（CSV。UTF-8 または Shift_JIS）").set_input_files(str(csv_file))
    assert axe_violations(page) == []
    page.get_by_role("button", name="登録して検証する").click()
    page.wait_for_url("**/staff/jobs/**")
    assert "完了" in page.locator("#job-status").inner_text()
    page.goto(live_server.url + reverse("opendata:dataset", args=["libraries"]))
    assert "Shift_JIS" in page.content() and "適合" in page.content()
    page.get_by_role("button", name="公開する").click()
    assert "公開しました" in page.content()
    page.context.clear_cookies()
    page.goto(live_server.url + reverse("opendata:home"))
    page.get_by_label("キーワード").fill("としょかん")
    page.get_by_role("button", name="検索").click()
    page.get_by_role("link", name="図書館一覧").first.click()
    assert axe_violations(page) == []
    page.locator("table").get_by_role("link", name="図書館一覧", exact=True).click()
    assert page.locator("#point-map").is_visible()
    assert "江東図書館" in page.locator("table").inner_text()
    assert page.locator(".leaflet-control-attribution a", has_text="地理院タイル").is_visible()
    assert axe_violations(page) == []
    with page.expect_download() as download:
        page.get_by_role("link", name="UTF-8（BOM付き・Excel用）でダウンロード").click()
    assert download.value.suggested_filename.endswith("_utf8.csv")


def test_catalog_pages_pass_axe(live_server, catalog, page):
    for path in ("/opendata/", "/opendata/?q=保育", "/opendata/?tags=防災", "/opendata/dataset/aed/"):
        page.goto(live_server.url + path)
        assert axe_violations(page) == [], path


@pytest.fixture
def catalog(personas):
    from tests.opendata.conftest import make_dataset

    make_dataset("hoikuen", "保育園一覧", personas.dept_a, tags=["保育"])
    make_dataset(
        "aed",
        "AED設置箇所一覧",
        personas.dept_b,
        tags=["防災"],
        url_resources=[("AED", "https://example.jp/aed.csv", "CSV")],
    )


def test_map_and_ogc_pages_pass_axe(live_server, personas, page):
    from shapely.geometry import Point

    from tests.gis.conftest import make_layer

    make_layer(
        "facilities",
        personas.dept_a,
        "public",
        [
            (Point(139.79 + i * 0.001, 35.65), {"名称": f"施設{i}", "住所": f"江東区東陽{i + 1}-1-1"})
            for i in range(5)
        ],
        "施設",
    )
    for path in (
        "/map/?layer=facilities",
        "/ogc/?f=html",
        "/ogc/collections?f=html",
        "/ogc/collections/facilities/items?f=html",
    ):
        page.goto(live_server.url + path)
        assert axe_violations(page) == [], path
    page.goto(live_server.url + "/map/?layer=facilities")
    page.locator("summary", has_text="施設（5件）").click()  # the table alternative of the map
    assert "施設3" in page.locator("details table").inner_text()


def test_english_catalog_dataset_and_resource_pages_pass_axe(live_server, personas, page):
    """The same catalog under /en/: English pages with the Japanese data marked lang="ja", axe-clean."""
    from tests.opendata.conftest import make_dataset

    make_dataset(
        "aed",
        "AED設置箇所一覧",
        personas.dept_b,
        tags=["防災"],
        url_resources=[("AED", "https://example.jp/aed.csv", "CSV")],
    )
    library = make_dataset(
        "libraries", "図書館一覧", personas.dept_a, tags=["図書館"], notes="区立図書館の一覧"
    )
    resource = services.resource_create(dataset=library, name="図書館一覧", actor=None)
    services.resource_upload(
        resource=resource,
        filename="131083_library.csv",
        data=(KOTO / "koto-library.sjis.csv").read_bytes(),
        actor=None,
        run_now=True,
    )
    for path in (
        "/en/opendata/",
        "/en/opendata/?q=としょかん",
        "/en/opendata/?tags=防災",
        "/en/opendata/dataset/aed/",
        "/en/opendata/dataset/libraries/",
        f"/en/opendata/dataset/libraries/resource/{resource.pk}/",
    ):
        page.goto(live_server.url + path)
        assert page.locator("html").get_attribute("lang") == "en", path
        assert page.locator("main").get_attribute("lang") is None, path
        assert axe_violations(page) == [], path
    assert page.locator("#point-map").is_visible()
    assert page.get_by_role("region", name="Map of the rows with a location (12)").is_visible()
    # The background map's credit, drawn by Leaflet, in the page's language too.
    assert page.locator(".leaflet-control-attribution a", has_text="GSI Tiles").is_visible()
    assert page.get_by_role("columnheader", name="名称", exact=True).get_attribute("lang") == "ja"
    assert "江東図書館" in page.locator("tbody[lang=ja]").inner_text()
    assert page.get_by_role("link", name="Download as UTF-8 (with BOM, for Excel)").is_visible()
    # No script or CSP errors (the background map's tiles cannot load without a network: not counted).
    assert [e for e in page.console_errors if "net::" not in e] == []  # type: ignore[attr-defined]
