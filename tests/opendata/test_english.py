"""The public open data pages in English under /en/: the platform's words translated, the data itself
(titles, descriptions, departments, tags, column names, cells) kept Japanese and marked lang="ja"
(WCAG 3.1.2), the Japanese pages as they were, and the CKAN API and DCAT unchanged."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kotodx.opendata.models import Resource
from tests.conftest import client_for
from tests.opendata.conftest import KOTO, make_dataset


@pytest.fixture
def library(personas, catalog, django_capture_on_commit_callbacks):
    """The ward's library list uploaded in Shift_JIS, validated and published (map and table preview)."""
    dataset = make_dataset(
        "libraries", "図書館一覧", personas.dept_a, tags=["図書館"], notes="区立図書館の一覧", state="draft"
    )
    clerk = client_for(personas.clerk_a)
    with django_capture_on_commit_callbacks(execute=True):
        clerk.post(
            reverse("opendata:resource_add", args=[dataset.name]),
            {
                "name": "図書館一覧",
                "file": SimpleUploadedFile(
                    "131083_library.csv", (KOTO / "koto-library.sjis.csv").read_bytes()
                ),
            },
        )
    clerk.post(reverse("opendata:dataset_state", args=[dataset.name, "publish"]))
    resource = dataset.resources.get()
    assert resource.validation_status == Resource.Validation.VALID
    return resource


def get(path: str, user=None) -> str:
    response = client_for(user).get(path)
    assert response.status_code == 200, path
    return response.content.decode()


def main_tag(body: str) -> str:
    match = re.search(r"<main\b[^>]*>", body)
    assert match
    return match.group(0)


def english_page(body: str) -> None:
    assert '<html lang="en">' in body
    assert 'lang="ja"' not in main_tag(body)


def test_catalog_in_english(catalog):
    body = get("/en/opendata/")
    english_page(body)
    for text in (
        "Search, preview and download the data that Koto City publishes.",
        '<label for="q">Keywords</label>',
        ">Search</button>",
        'aria-label="Filter"',
        ">Publisher</h3>",
        ">Categories</h3>",
        ">Tags</h3>",
        ">Format</h3>",
        ">Licence</h3>",
        "Creative Commons Attribution 4.0 International (CC BY 4.0) (4)",
        "4 datasets",
        "updated ",
        "The data itself (dataset names, descriptions, column names and so on) is in Japanese.",
    ):
        assert text in body, text
    # Data stays Japanese and says so: titles, departments, descriptions, facet values of data.
    assert '<a href="/en/opendata/dataset/hoikuen/" lang="ja">保育園一覧</a>' in body
    assert '<span lang="ja">子育て支援課</span>' in body
    assert '<p lang="ja">区内の認可保育園の一覧です。</p>' in body
    assert '<span lang="ja">防災</span> (2)' in body
    assert "クリエイティブ・コモンズ" not in body and "件" not in body and "更新 " not in body


def test_catalog_search_facets_and_paging_in_english(catalog, monkeypatch):
    body = get("/en/opendata/?q=保育")
    english_page(body)
    assert "Results for “保育”: " in body
    assert "<title>Open data: results for “保育” | " in body
    body = get("/en/opendata/?tags=防災")
    assert '<strong><span lang="ja">防災</span> (2)</strong>' in body
    assert "Clear the filters" in body
    assert "2 datasets" in body
    assert "1 dataset<" in get("/en/opendata/?tags=Wi-Fi")
    body = get("/en/opendata/?q=存在しない言葉")
    assert "No datasets match." in body and "Try other Japanese words" in body
    monkeypatch.setattr("kotodx.opendata.views.PAGE_SIZE", 2)
    body = get("/en/opendata/?page=2")
    assert 'rel="prev"' in body and ">Previous</a>" in body and 'aria-label="Pagination"' in body


def test_dataset_page_in_english(catalog):
    body = get("/en/opendata/dataset/aed/")
    english_page(body)
    for text in (
        'aria-label="You are here"',
        ">Open data</a>",
        "<h2>Data and resources</h2>",
        '<th scope="col">Encoding</th>',
        '<th scope="col">Downloads</th>',
        "Open on the external site",
        "<h2>About this data</h2>",
        "<dt>Publisher</dt>",
        'href="https://creativecommons.org/licenses/by/4.0/deed.en">Creative Commons Attribution 4.0',
        ' (attribution: <span lang="ja">江東区</span>)',
        "<dt>Update frequency</dt><dd>As needed</dd>",
        "(3 of 5)",
        "package_show (JSON)",
    ):
        assert text in body, text
    assert '<h1 lang="ja">AED設置箇所一覧</h1>' in body
    assert '<dd lang="ja">防災課</dd>' in body
    assert 'lang="ja">防災</a>' in body  # tag and category
    assert '<dd lang="ja">東京都江東区</dd>' in body


def test_resource_page_in_english(library):
    dataset = library.dataset
    body = get(f"/en/opendata/dataset/{dataset.name}/resource/{library.pk}/")
    english_page(body)
    for text in (
        "<dt>Encoding</dt><dd>Shift_JIS</dd>",
        "<dt>Validation</dt><dd>Valid",
        "Download (original file, Shift_JIS)",
        "Download as UTF-8 (with BOM, for Excel)",
        "<h2>Map</h2>",
        'aria-label="Map of the rows with a location (',
        "GSI Tiles",
        "<h2>Data preview</h2>",
        '<th scope="col">Row</th>',
    ):
        assert text in body, text
    assert re.search(r"Rows 1–12 of 12", body)
    assert '<h1 lang="ja">図書館一覧</h1>' in body
    assert '<th scope="col" lang="ja">名称</th>' in body  # column names are data
    assert '<tbody lang="ja">' in body and "江東図書館" in body
    dataset_page = get(f"/en/opendata/dataset/{dataset.name}/")
    assert '<span class="badge validation-valid">Valid</span>' in dataset_page
    assert 'UTF-8 version<span class="visually-hidden">: <span lang="ja">図書館一覧</span>' in dataset_page


def test_staff_sees_the_version_history_in_english(personas, library):
    body = get(f"/en/opendata/dataset/libraries/resource/{library.pk}/", personas.clerk_a)
    assert "Version history (staff only)" in body and "Version 1</a>" in body and "Published" in body


def test_japanese_pages_are_unchanged(library):
    catalog_page = get("/opendata/")
    assert '<html lang="ja">' in catalog_page
    for text in ("<h1>オープンデータ</h1>", '<label for="q">キーワード</label>', "件</h2>", "防災課（2）"):
        assert text in catalog_page, text
    dataset_page = get("/opendata/dataset/libraries/")
    for text in (
        "<h2>データとリソース</h2>",
        "<h1>図書館一覧</h1>",
        "（出典: 江東区）",
        "クリエイティブ・コモンズ 表示 4.0 国際（CC BY 4.0）</a>",
        "deed.ja",
        "<dt>更新頻度</dt><dd>随時</dd>",
        '<span class="badge validation-valid">適合</span>',
        "（5段階中3）",
        "年",
    ):
        assert text in dataset_page, text
    resource_page = get(f"/opendata/dataset/libraries/resource/{library.pk}/")
    for text in (
        "ダウンロード（元のファイル・Shift_JIS）",
        "12行のうち 1〜12行目",
        '<th scope="col">行</th>',
    ):
        assert text in resource_page, text
    for body in (catalog_page, dataset_page, resource_page):
        assert (
            "<main " in body and 'lang="ja"' not in body.split("<main ", 1)[1]
        )  # the page itself is Japanese
        assert "<span>" not in body


def test_api_and_dcat_keep_the_japanese_licence_name(library):
    show = (
        client_for(None)
        .get("/api/3/action/package_show", {"id": "libraries"}, HTTP_ACCEPT_LANGUAGE="en")
        .json()
    )
    assert show["result"]["license_title"] == "クリエイティブ・コモンズ 表示 4.0 国際（CC BY 4.0）"
    assert {"key": "更新頻度", "value": "随時"} in show["result"]["extras"]
    ttl = client_for(None).get("/en/opendata/dataset/libraries.ttl").content.decode()
    assert "クリエイティブ・コモンズ" in ttl and "Creative Commons Attribution" not in ttl
