"""The CKAN and OGC API endpoints fuzzed with their own parameters (rows, start, fq, q, sort, bbox, limit,
offset, crs, bbox-crs, filter, datetime): whatever a client sends, the answer is never a server error and
is JSON that says what was wrong."""

import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.gis.conftest import layers  # noqa: F401  (fixture)
from tests.opendata.conftest import catalog  # noqa: F401  (fixture)

junk = st.one_of(
    st.text(max_size=40),
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(
        ["", " ", "-1", "0", "1e309", "NaN", "null", "[]", "{}", "1,2", "1,2,3,4", "a:b", "'", '"', "\x00"]
    ),
)
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


def _ok(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code < 500, response.content[:300]
    body = response.content.decode("utf-8")
    if response["Content-Type"].startswith("application/") and "json" in response["Content-Type"]:
        json.loads(body)


@pytest.mark.django_db
@FUZZ
@given(
    params=st.dictionaries(
        st.sampled_from(
            ["q", "fq", "rows", "start", "sort", "facet.field", "facet.limit", "include_private"]
        ),
        junk,
        max_size=5,
    )
)
def test_ckan_package_search(catalog, params):  # noqa: F811
    _ok(Client().get("/api/3/action/package_search", params))


@pytest.mark.django_db
@FUZZ
@given(
    action=st.sampled_from(
        [
            "package_show",
            "package_list",
            "resource_show",
            "organization_show",
            "group_list",
            "datastore_search",
            "tag_list",
            "status_show",
            "no_such_action",
        ]
    ),
    params=st.dictionaries(
        st.sampled_from(["id", "resource_id", "limit", "offset", "q", "filters", "fields"]), junk, max_size=4
    ),
)
def test_ckan_actions(catalog, action, params):  # noqa: F811
    _ok(Client().get(f"/api/3/action/{action}", params))


@pytest.mark.django_db
@FUZZ
@given(
    params=st.dictionaries(
        st.sampled_from(
            [
                "bbox",
                "limit",
                "offset",
                "crs",
                "bbox-crs",
                "filter",
                "filter-lang",
                "filter-crs",
                "datetime",
                "f",
                "properties",
                "sortby",
                "名称",
            ]
        ),
        junk,
        max_size=5,
    )
)
def test_ogc_items(layers, params):  # noqa: F811
    _ok(Client().get("/ogc/collections/facilities/items", params))
