"""Japanese search as the catalog's users type it, on the HTML page and in package_search."""

import pytest

from kotodx.opendata import search
from tests.conftest import client_for


def names(**kw):
    return [d.name for d in search.search(**kw).datasets]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("保育", "hoikuen"),
        ("保育園", "hoikuen"),
        ("ほいくえん", "hoikuen"),
        ("ホイクエン", "hoikuen"),
        ("ＡＥＤ", "aed"),
        ("aed", "aed"),
        ("避難場所", "hinanjo"),
        ("無線LAN", "wifi"),
        ("ＬＡＮ", "wifi"),
    ],
)
def test_japanese_queries_find_the_dataset(catalog, q, expected):
    assert expected in names(q=q)


def test_title_matches_rank_first(catalog):
    # 保育 is in the title of hoikuen and only in the description of hinanjo.
    assert names(q="保育")[:2] == ["hoikuen", "hinanjo"]


def test_and_of_words_and_no_false_hits(catalog):
    assert names(q="保育 一覧") == [
        "hoikuen",
        "hinanjo",
    ]  # hinanjo: 保育 in its description, 一覧 in its title
    assert names(q="保育 トイレ") == []
    assert names(q="幼稚園") == []
    assert names(q="、。") == []


def test_drafts_are_not_found_by_the_public(catalog):
    assert "draft-one" not in names(q="保育")
    assert "draft-one" in names(q="保育", include_drafts=True)


def test_facets_count_matches(catalog):
    result = search.search(q="", facet_fields=["organization", "tags", "res_format", "groups", "license_id"])
    assert result.count == 4
    assert result.facets["tags"]["防災"] == 2
    assert result.facets["res_format"] == {"CSV": 3, "JSON": 1, "XLSX": 1}
    assert result.facets["groups"] == {"bosai": 2, "kosodate": 1}
    assert result.facets["license_id"] == {"CC-BY-4.0": 4}


@pytest.mark.parametrize("fq", ['organization:"bosai"', "tags:防災", "groups:bosai", "res_format:XLSX"])
def test_filter_queries(catalog, fq):
    found = set(names(fq=fq))
    assert found and found <= {"aed", "hinanjo"}


def test_html_search_page(catalog):
    body = client_for(None).get("/opendata/", {"q": "ほいくえん"}).content.decode()
    assert "保育園一覧" in body and "AED設置箇所一覧" not in body
    facet = client_for(None).get("/opendata/", {"tags": "防災"}).content.decode()
    assert "AED設置箇所一覧" in facet and "保育園一覧" not in facet
    assert "2件" in facet
