"""The CKAN Action API as real clients use it: envelopes, status codes, paging, ckanapi itself."""

import json

import pytest

from tests.conftest import client_for
from tests.opendata.conftest import DATA, make_dataset


def call(action, method="get", **params):
    client = client_for(None)
    if method == "post":
        return client.post(f"/api/action/{action}", data=json.dumps(params), content_type="application/json")
    return client.get(f"/api/3/action/{action}", params)


def test_package_search_envelope_and_defaults(catalog):
    response = call("package_search")
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True and body["help"].endswith("/api/3/action/help_show?name=package_search")
    result = body["result"]
    assert set(result) >= {"count", "results", "facets", "search_facets", "sort"}
    assert result["count"] == 4 and len(result["results"]) == 4
    assert result["sort"] == "score desc, metadata_modified desc"


def test_rows_are_clamped_and_validated(catalog):
    assert call("package_search", rows="5000").status_code == 200
    bad = call("package_search", rows="abc")
    assert bad.status_code == 409
    assert bad.json()["error"] == {"__type": "Validation Error", "rows": ["Invalid integer"]}
    assert call("package_search", rows="-1").status_code == 409


def test_bad_fq_and_sort_are_search_query_errors(catalog):
    for params in (
        {"fq": "organization:"},
        {"fq": "nonsense:x"},
        {"fq": "metadata_modified:[2024 TO"},
        {"sort": "popularity desc"},
        {"fq": "metadata_modified:[yesterday TO *]"},
    ):
        response = call("package_search", **params)
        assert response.status_code == 400, params
        assert response.json()["error"]["__type"] == "Search Query Error"


def test_unknown_action_is_cknas_bare_string(catalog):
    response = call("package_destroy_everything")
    assert response.status_code == 400
    assert response.json() == "Bad request: Action name not known: package_destroy_everything"


def test_facets_over_get_as_json_list(catalog):
    result = call("package_search", **{"facet.field": '["organization","tags"]', "facet.limit": "1"}).json()[
        "result"
    ]
    assert list(result["facets"]) == ["organization", "tags"]
    assert len(result["facets"]["tags"]) == 1
    items = result["search_facets"]["organization"]["items"]
    assert {"name", "display_name", "count"} <= set(items[0])
    assert items[0]["display_name"] in {"子育て支援課", "防災課", "情報システム課"}


def test_metadata_modified_range(catalog):
    assert (
        call("package_search", fq="metadata_modified:[2000-01-01T00:00:00Z TO *]").json()["result"]["count"]
        == 4
    )
    assert (
        call("package_search", fq="metadata_modified:[* TO 2000-01-01T00:00:00Z]").json()["result"]["count"]
        == 0
    )


def test_package_show_has_the_shape_of_the_tokyo_catalog(catalog):
    tokyo = json.loads((DATA / "tokyo-ckan" / "14ce3ea1-ca4a-46d8-9d7d-b9cd98698fa5.json").read_text())[
        "result"
    ]
    ours = call("package_show", id="aed").json()["result"]
    missing = set(tokyo) - set(ours) - {"revision_id"}  # revision_id went away in CKAN 2.9
    assert missing == set()
    assert set(tokyo["resources"][0]) - set(ours["resources"][0]) - {"revision_id"} == set()
    assert set(tokyo["organization"]) - set(ours["organization"]) - {"revision_id"} == set()
    assert ours["num_resources"] == 2 and ours["license_id"] == "CC-BY-4.0" and ours["isopen"] is True
    assert ours["organization"]["title"] == "防災課"
    by_id = call("package_show", id=ours["id"]).json()["result"]
    assert by_id["name"] == "aed"


def test_not_found_and_drafts(catalog):
    for ref in ("nope", "draft-one", "00000000-0000-0000-0000-000000000000"):
        response = call("package_show", id=ref)
        assert response.status_code == 404
        assert response.json()["error"]["__type"] == "Not Found Error"
    missing = call("package_show")
    assert missing.status_code == 409 and missing.json()["error"]["id"] == ["Missing value"]


def test_post_json_without_3(catalog):
    response = call("package_search", method="post", q="ＡＥＤ", rows=1)
    assert response.status_code == 200
    assert response.json()["result"]["results"][0]["name"] == "aed"
    bad = client_for(None).post(
        "/api/action/package_search", data="{not json", content_type="application/json"
    )
    assert bad.status_code == 400 and bad.json()["success"] is False


def test_lists_and_shows(catalog):
    assert call("package_list").json()["result"] == ["aed", "hinanjo", "hoikuen", "wifi"]
    orgs = call("organization_list", all_fields="true").json()["result"]
    assert {o["name"]: o["package_count"] for o in orgs if o["package_count"]} == {
        "bosai": 2,
        "kosodate": 1,
        "joho-system": 1,
    }
    org = call("organization_show", id="bosai", include_datasets="true").json()["result"]
    assert org["title"] == "防災課" and len(org["packages"]) == 2
    assert call("group_list").json()["result"] == ["bosai", "kosodate"]
    assert call("group_show", id="bosai").json()["result"]["package_count"] == 2
    assert "防災" in call("tag_list").json()["result"]
    status = call("status_show").json()["result"]
    assert status["ckan_version"].startswith("2.") and "datastore" in status["extensions"]


def test_resource_show_and_search(catalog):
    pkg = call("package_show", id="aed").json()["result"]
    rid = pkg["resources"][0]["id"]
    assert call("resource_show", id=rid).json()["result"]["name"] == "AED"
    found = call("resource_search", query="format:xlsx").json()["result"]
    assert found["count"] == 1 and found["results"][0]["format"] == "XLSX"
    assert call("resource_search", query="colour:red").status_code == 409
    assert call("resource_show", id="nope").status_code == 404


def test_harvester_paging(personas):
    for i in range(23):
        make_dataset(f"ds-{i:02d}", f"データ{i}", personas.dept_a)
    seen, start = [], 0
    while True:
        page = call("package_search", rows="10", start=str(start), sort="id asc").json()["result"]["results"]
        if not page:
            break
        seen += [p["id"] for p in page]
        start += 10
    assert len(seen) == 23 == len(set(seen)) and seen == sorted(seen)


@pytest.mark.e2e
def test_ckanapi_client_against_a_running_server(live_server, catalog):
    import ckanapi

    with ckanapi.RemoteCKAN(live_server.url, user_agent="kotodx-test") as ckan:
        result = ckan.action.package_search(q="保育", rows=5)
        assert result["results"][0]["name"] == "hoikuen"
        assert ckan.action.package_show(id="aed")["title"] == "AED設置箇所一覧"
        with pytest.raises(ckanapi.NotFound):
            ckan.action.package_show(id="does-not-exist")
        with pytest.raises(ckanapi.ValidationError):
            ckan.action.package_search(rows="many")
    with ckanapi.RemoteCKAN(live_server.url, user_agent="kotodx-test", get_only=True) as ckan:
        assert ckan.action.package_search(fq="tags:防災")["count"] == 2
