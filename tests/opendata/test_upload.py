"""Uploading real Koto CSVs: encoding kept and shown, validation as a job, versions, publication rules,
downloads as the original and as UTF-8 with BOM, the DataStore."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kotodx.core.models import Job
from kotodx.opendata import services
from kotodx.opendata.models import Dataset, DownloadCount, Resource, ResourceVersion
from tests.conftest import client_for
from tests.opendata.conftest import KOTO, make_dataset


@pytest.fixture
def library(personas):
    return make_dataset("libraries", "図書館一覧", personas.dept_a, state="draft")


def upload(client, dataset, filename, data, **extra):
    return client.post(
        reverse("opendata:resource_add", args=[dataset.name]),
        {"name": "図書館一覧", "file": SimpleUploadedFile(filename, data), **extra},
    )


def test_shift_jis_upload_is_validated_published_and_downloadable_both_ways(
    personas, library, django_capture_on_commit_callbacks
):
    original = (KOTO / "koto-library.sjis.csv").read_bytes()
    client = client_for(personas.clerk_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, library, "131083_library.csv", original)
    job = Job.objects.get(kind="opendata.validate")
    assert response["Location"] == reverse("core:job_detail", args=[job.pk])
    job.refresh_from_db()
    assert job.status == "succeeded" and job.result["valid"] is True
    resource = library.resources.get()
    assert resource.encoding == "Shift_JIS" and resource.validation_status == "valid"
    assert resource.row_count == 12  # the blank trailing row is not data
    # The dataset is still a draft: the public cannot see it; publishing makes it visible.
    url = reverse("opendata:resource_download", args=[library.name, resource.pk])
    assert client_for(None).get(url).status_code == 404
    client.post(reverse("opendata:dataset_state", args=[library.name, "publish"]))
    raw = client_for(None).get(url)
    assert raw.content == original and "shift_jis" in raw["Content-Type"]
    utf8 = client_for(None).get(url, {"encoding": "utf-8"}).content
    assert utf8.startswith(b"\xef\xbb\xbf")
    assert utf8.decode("utf-8-sig") == original.decode("cp932")
    assert DownloadCount.objects.get(resource=resource).count == 2
    preview = (
        client_for(None).get(reverse("opendata:resource", args=[library.name, resource.pk])).content.decode()
    )
    assert "江東図書館" in preview and 'id="point-data"' in preview


def test_invalid_new_version_leaves_the_published_one(personas, library, django_capture_on_commit_callbacks):
    client = client_for(personas.clerk_a)
    good = (KOTO / "koto-library.csv").read_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, library, "library.csv", good)
    resource = library.resources.get()
    first = resource.current_version
    broken = good.decode("utf-8").replace("35.6", "35.6,7", 1).encode("utf-8")  # a stray comma in 緯度
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("opendata:resource_replace", args=[library.name, resource.pk]),
            {"file": SimpleUploadedFile("library.csv", broken)},
        )
    resource.refresh_from_db()
    second = resource.versions.get(number=2)
    assert second.status == "invalid" and resource.current_version == first
    assert resource.validation_status == "valid"
    page = client.get(reverse("opendata:version", args=[library.name, resource.pk, 2])).content.decode()
    assert "2行目: 列名は39列ですが、この行は40列あります" in page  # the stray comma, by row
    # Publishing the broken version needs a reason; with one it is published and marked.
    refused = client.post(reverse("opendata:version", args=[library.name, resource.pk, 2]), {"reason": ""})
    assert "理由を入力してください" in refused.content.decode()
    client.post(
        reverse("opendata:version", args=[library.name, resource.pk, 2]), {"reason": "区の原本どおり"}
    )
    resource.refresh_from_db()
    assert resource.current_version == second and resource.validation_status == "overridden"
    assert ResourceVersion.objects.get(pk=first.pk).status == "retired"


@pytest.mark.parametrize(
    ("filename", "data", "words"),
    [
        ("empty.csv", b"", "空"),
        ("picture.csv", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "PNG"),
        ("book.csv", b"PK\x03\x04" + b"\x00" * 100, ""),
        ("noise.csv", bytes(range(256)) * 4, ""),
    ],
)
def test_unreadable_files_get_a_message_and_publish_nothing(
    personas, library, filename, data, words, django_capture_on_commit_callbacks
):
    client = client_for(personas.clerk_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, library, filename, data)
    if not data:
        assert "空です" in response.content.decode()
        return
    version = ResourceVersion.objects.get()
    assert version.status == "unreadable"
    message = version.report["problems"][0]["message"]
    assert words in message and message
    resource = version.resource
    assert resource.current_version is None and resource.validation_status == "invalid"
    response = client.post(reverse("opendata:dataset_state", args=[library.name, "publish"]))
    library.refresh_from_db()
    assert library.state == "draft"


def test_other_departments_cannot_edit(personas, library):
    assert (
        client_for(personas.clerk_b).get(reverse("opendata:resource_add", args=[library.name])).status_code
        == 403
    )
    assert client_for(personas.committee).get(reverse("opendata:dataset_create")).status_code == 403
    assert (
        client_for(personas.it_officer).get(reverse("opendata:resource_add", args=[library.name])).status_code
        == 200
    )
    r = client_for(personas.clerk_b).post(reverse("opendata:dataset_state", args=[library.name, "publish"]))
    assert r.status_code == 403
    library.refresh_from_db()
    assert library.state == "draft"


def test_create_dataset_form_names_bad_fields(personas):
    client = client_for(personas.clerk_a)
    body = client.post(
        reverse("opendata:dataset_create"),
        {"title": "", "name": "Bad Name!", "department": personas.dept_b.pk},
    ).content.decode()
    assert "入力内容に誤りがあります" in body and "タイトル" in body and "半角英小文字" in body
    assert not Dataset.objects.exists()
    ok = client.post(
        reverse("opendata:dataset_create"),
        {
            "title": "AED設置箇所一覧",
            "name": "koto-aed",
            "department": personas.dept_a.pk,
            "license_id": "CC-BY-4.0",
            "attribution": "江東区",
            "update_frequency": "随時",
            "tags_text": "防災、AED",
        },
    )
    assert ok.status_code == 302
    ds = Dataset.objects.get(name="koto-aed")
    assert ds.state == "draft" and sorted(t.name for t in ds.tags.all()) == ["AED", "防災"]


def test_datastore_search_over_the_published_rows(personas, library, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        upload(client_for(personas.clerk_a), library, "library.csv", (KOTO / "koto-library.csv").read_bytes())
    services.dataset_publish(dataset=library, actor=personas.clerk_a)
    resource = Resource.objects.get()
    api = client_for(None)
    result = api.get(
        "/api/3/action/datastore_search", {"resource_id": str(resource.pk), "limit": "5"}
    ).json()["result"]
    assert result["total"] == 12 and len(result["records"]) == 5
    assert {"id": "名称", "type": "text"} in result["fields"] and {"id": "緯度", "type": "numeric"} in result[
        "fields"
    ]
    name = result["records"][0]["名称"]
    one = api.get(
        "/api/3/action/datastore_search",
        {"resource_id": str(resource.pk), "filters": f'{{"名称": "{name}"}}'},
    ).json()["result"]
    assert one["total"] == 1 and one["records"][0]["名称"] == name
    sorted_ = api.get(
        "/api/3/action/datastore_search",
        {"resource_id": str(resource.pk), "sort": "緯度 desc", "fields": "名称,緯度"},
    ).json()["result"]
    lats = [r["緯度"] for r in sorted_["records"]]
    assert lats == sorted(lats, reverse=True) and set(sorted_["records"][0]) == {"_id", "名称", "緯度"}
    q = api.get("/api/3/action/datastore_search", {"resource_id": str(resource.pk), "q": "図書館"}).json()[
        "result"
    ]
    assert q["total"] >= 10
    bad = api.get(
        "/api/3/action/datastore_search", {"resource_id": str(resource.pk), "filters": '{"色": "赤"}'}
    )
    assert bad.status_code == 409 and bad.json()["error"]["__type"] == "Validation Error"
    assert (
        api.get("/api/3/action/datastore_search", {"resource_id": str(resource.pk), "limit": "x"}).status_code
        == 409
    )


def test_too_large_upload_is_refused_before_reading(personas, library, monkeypatch):
    from kotodx.opendata import validation

    monkeypatch.setattr(validation, "MAX_BYTES", 1024)
    response = upload(client_for(personas.clerk_a), library, "big.csv", b"a,b\n" + b"1,2\n" * 1000)
    assert "ファイルが大きすぎます" in response.content.decode()
    assert not ResourceVersion.objects.exists() and not Resource.objects.exists()
