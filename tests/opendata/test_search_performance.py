"""package_search with facets makes a fixed number of queries however many datasets match (no N+1), and
the results it caches never outlive a write of the catalog, whoever makes it: the services, a queryset
update, raw SQL as another process would write, a transaction that is rolled back."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from kotodx.opendata import generation, search, services
from kotodx.opendata.models import Dataset, Group, Tag
from tests.opendata.conftest import make_dataset
from tests.opendata.test_ckan_api import call

FIVE = '["organization","tags","res_format","groups","license_id"]'
# A Japanese word, a filter and all five facets: the catalog page's own kind of request.
FULL = {"q": "一覧", "fq": "res_format:CSV", "facet.field": FIVE, "rows": "100"}


def add_datasets(personas, n, start=0):
    group, _ = Group.objects.get_or_create(name="tokei", title="統計")
    for i in range(start, start + n):
        make_dataset(
            f"extra-{i:03d}",
            f"施設{i}一覧",
            personas.dept_a if i % 2 else personas.dept_b,
            tags=[f"タグ{i % 5}", "施設"],
            groups=[group],
            url_resources=[
                (f"施設{i}", f"https://example.jp/{i}.csv", "CSV"),
                (f"施設{i} (xlsx)", f"https://example.jp/{i}.xlsx", "XLSX"),
                (f"施設{i} (pdf)", f"https://example.jp/{i}.pdf", "PDF"),
            ],
        )


def queries(**params):
    with CaptureQueriesContext(connection) as ctx:
        response = call("package_search", **params)
    assert response.status_code == 200, response.content[:300]
    return len(ctx.captured_queries), response.json()["result"]


def result(**params):
    return call("package_search", **params).json()["result"]


@pytest.mark.parametrize(
    "params",
    [
        FULL,
        {"fq": 'tags:"施設"', "facet.field": FIVE, "rows": "100"},
        {"facet.field": FIVE, "rows": "100"},
        {"q": "施設 一覧", "sort": "name asc", "facet.field": FIVE, "rows": "100"},
    ],
)
def test_package_search_queries_do_not_grow_with_the_datasets(catalog, personas, settings, params):
    settings.OPENDATA_SEARCH_CACHE_SIZE = 0  # every call searched, not answered from the cache
    add_datasets(personas, 3)
    few, small = queries(**params)
    add_datasets(personas, 30, start=3)
    many, large = queries(**params)
    assert large["count"] > small["count"] >= 3
    assert len(large["results"]) == large["count"] > 30
    assert many == few


def test_package_search_with_facets_query_budget(catalog, personas, settings, django_assert_max_num_queries):
    add_datasets(personas, 40)
    settings.OPENDATA_SEARCH_CACHE_SIZE = 0
    # The catalog version, the word's terms, the candidates, the page's datasets with their tags,
    # categories and resources, one GROUP BY per facet, the titles of departments and categories.
    with django_assert_max_num_queries(14):
        response = call("package_search", **FULL)
    body = response.json()["result"]
    assert body["count"] == 43 and len(body["results"]) == 43
    assert body["facets"]["res_format"] == {"CSV": 43, "PDF": 40, "XLSX": 41}
    settings.OPENDATA_SEARCH_CACHE_SIZE = 256
    call("package_search", **FULL)
    with django_assert_max_num_queries(7):  # cached: the version, the page's datasets, the titles
        assert call("package_search", **FULL).json()["result"] == body


def test_both_ways_of_counting_facets_agree(catalog, personas, settings, monkeypatch):
    """Up to FACET_MATERIALIZE matches the queries name their ids; beyond, they take a subquery."""
    settings.OPENDATA_SEARCH_CACHE_SIZE = 0
    add_datasets(personas, 8)
    Dataset.objects.filter(name="extra-003").update(license_id="CC0-1.0")
    cases = [
        {"facet.field": FIVE},
        FULL,
        {"q": "施設", "fq": "-tags:タグ1", "facet.field": FIVE, "sort": "metadata_modified asc"},
        {"fq": "groups:tokei res_format:XLSX", "facet.field": FIVE, "facet.limit": "2"},
        {"q": "保育", "facet.field": FIVE, "start": "1", "rows": "1"},
    ]
    named = [result(**params) for params in cases]
    monkeypatch.setattr(search, "FACET_MATERIALIZE", 1)
    assert [result(**params) for params in cases] == named


def test_cached_results_follow_every_write(catalog, personas):
    params = {"q": "一覧", "facet.field": FIVE}
    first = result(**params)
    assert first["count"] == 4 and result(**params) == first
    aed = Dataset.objects.get(name="aed")

    services.resource_create(
        dataset=aed, name="PDF版", url="https://example.jp/aed.pdf", fmt="PDF", actor=None
    )
    assert result(**params)["facets"]["res_format"]["PDF"] == 1

    Dataset.objects.filter(name="aed").update(license_id="CC0-1.0")  # no save(), no signal
    assert result(**params)["facets"]["license_id"] == {"CC-BY-4.0": 3, "CC0-1.0": 1}

    with connection.cursor() as cursor:  # as another process would write
        cursor.execute("UPDATE opendata_resource SET format = 'GeoJSON' WHERE format = 'JSON'")
    assert "GeoJSON" in result(**params)["facets"]["res_format"]

    aed.tags.add(Tag.objects.create(name="新しいタグ"))
    assert result(**params)["facets"]["tags"]["新しいタグ"] == 1

    personas.dept_b.code = "bosai-ka"
    personas.dept_b.save()
    assert result(**params)["facets"]["organization"]["bosai-ka"] == 2

    Dataset.objects.filter(name="wifi").delete()
    after = result(**params)
    assert after["count"] == 3 and "wifi" not in [d["name"] for d in after["results"]]


def test_search_index_writes_change_the_version(catalog):
    version = generation.current()
    assert version is not None
    search.index_dataset(Dataset.objects.get(name="aed"))
    assert generation.current() != version


def test_a_rolled_back_write_leaves_no_result_behind(catalog):
    def names():
        return {d["name"] for d in result(q="一覧")["results"]}

    before = names()
    assert {"aed", "hinanjo"} <= before
    with pytest.raises(RuntimeError), transaction.atomic():
        Dataset.objects.filter(name="aed").update(state=Dataset.State.DRAFT)
        assert names() == before - {"aed"}  # cached under the version seen inside the transaction
        raise RuntimeError
    # The next write must not find the rolled-back version's result: versions never repeat.
    Dataset.objects.filter(name="hinanjo").update(state=Dataset.State.DRAFT)
    assert names() == before - {"hinanjo"}
