"""Staff side: department queues (another department's clerk sees nothing), audited reading, status
changes with a correction round trip, exports, the JSON API, the builder, retention."""

import csv
import io
import json
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from kotodx.core import services as core_services
from kotodx.core.models import AuditEntry
from kotodx.eapply import services
from kotodx.eapply.models import FormVersion, Submission
from tests.conftest import check_access, client_for
from tests.eapply.conftest import DEFINITION


@pytest.fixture
def received(procedure, django_capture_on_commit_callbacks):
    submission, _key = services.submission_start(procedure=procedure)
    services.submission_save_page(
        submission=submission,
        page_id="applicant",
        answers={"applicant_name": '=HYPERLINK("x")', "email": "hanako@example.jp", "has_kids": False},
        uploads={},
    )
    services.submission_save_page(submission=submission, page_id="docs", answers={"doc": None}, uploads={})
    with django_capture_on_commit_callbacks(execute=True):
        return services.submission_submit(submission=submission)


def test_queue_and_detail_by_department(personas, received):
    detail = reverse("eapply:staff_submission", args=[received.pk])
    check_access(
        detail,
        {
            "anonymous": 302,
            "clerk_a": 200,
            "it_officer": 200,
            "clerk_b": 404,
            "committee": 403,
            "auditor": 403,
        },
        personas,
    )
    assert (
        received.reference_number
        in client_for(personas.clerk_a).get(reverse("eapply:staff_queue")).content.decode()
    )
    assert (
        received.reference_number
        not in client_for(personas.clerk_b).get(reverse("eapply:staff_queue")).content.decode()
    )


def test_reading_personal_data_is_audited(personas, received):
    client_for(personas.clerk_a).get(reverse("eapply:staff_submission", args=[received.pk]))
    entry = AuditEntry.objects.filter(action="view", target_id=str(received.pk)).get()
    assert entry.actor == personas.clerk_a and received.reference_number in entry.target_repr


def test_correction_round_trip(personas, received, django_capture_on_commit_callbacks):
    client = client_for(personas.clerk_a)
    url = reverse("eapply:staff_action", args=[received.pk])
    client.post(url, {"action": "status", "to_status": "reviewing"})
    no_reason = client.post(url, {"action": "status", "to_status": "correction", "comment": ""}, follow=True)
    assert "理由" in no_reason.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url, {"action": "status", "to_status": "correction", "comment": "氏名を正しく入力してください"}
        )
    received.refresh_from_db()
    assert received.status == "correction"
    letter = mail.outbox[-1]
    assert "補正" in letter.subject and "氏名を正しく入力してください" in letter.body
    link = letter.body.split("http://testserver")[1].split()[0]
    applicant = Client()
    check_url = applicant.get(link)["Location"]
    page = applicant.get(check_url).content.decode()
    assert "補正のお願い" in page and "氏名を正しく入力してください" in page
    applicant.post(
        reverse("eapply:page", args=[received.pk, "applicant"]) + "?return=check",
        {"applicant_name": "江東 花子", "email": "hanako@example.jp", "has_kids": "no"},
    )
    with django_capture_on_commit_callbacks(execute=True):
        applicant.post(check_url)
    received.refresh_from_db()
    assert received.status == "received" and received.answers["applicant_name"] == "江東 花子"
    assert received.events.filter(kind="resubmitted").exists()
    client.post(url, {"action": "status", "to_status": "reviewing"})
    client.post(url, {"action": "status", "to_status": "approved"})
    bad = client.post(url, {"action": "status", "to_status": "received"}, follow=True)
    assert "次の状態を選んでください" in bad.content.decode()
    received.refresh_from_db()
    assert received.status == "approved"


def test_other_department_cannot_act(personas, received):
    response = client_for(personas.clerk_b).post(
        reverse("eapply:staff_action", args=[received.pk]), {"action": "status", "to_status": "approved"}
    )
    assert response.status_code == 404
    received.refresh_from_db()
    assert received.status == "received"


def test_exports_are_excel_ready_and_formula_safe(personas, received):
    client = client_for(personas.clerk_a)
    raw = client.get(reverse("eapply:staff_export", args=["test-proc", "csv"])).content
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:3] == ["受付番号", "状態", "申請日時"] and "氏名" in rows[0]
    assert rows[1][0] == received.reference_number and '\'=HYPERLINK("x")' in rows[1]
    xlsx = client.get(reverse("eapply:staff_export", args=["test-proc", "xlsx"]))
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [c.value for c in sheet[2]]
    assert received.reference_number in values and '\'=HYPERLINK("x")' in values
    assert (
        client_for(personas.clerk_b)
        .get(reverse("eapply:staff_export", args=["test-proc", "csv"]))
        .status_code
        == 403
    )


def test_api_lists_reads_and_moves_submissions(personas, received):
    _token, key = core_services.api_token_create(user=personas.clerk_a, name="robot", actor=personas.clerk_a)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    listed = api.get("/api/eapply/submissions").json()
    assert [s["reference_number"] for s in listed] == [received.reference_number]
    detail = api.get(f"/api/eapply/submissions/{received.pk}").json()
    assert detail["answers"]["email"] == "hanako@example.jp"
    assert AuditEntry.objects.filter(action="view", note="APIによる閲覧").exists()
    moved = api.post(
        f"/api/eapply/submissions/{received.pk}/status",
        data=json.dumps({"status": "reviewing"}),
        content_type="application/json",
    )
    assert moved.json()["status"] == "reviewing"
    refused = api.post(
        f"/api/eapply/submissions/{received.pk}/status",
        data=json.dumps({"status": "received"}),
        content_type="application/json",
    )
    assert refused.status_code == 409
    _t2, other = core_services.api_token_create(user=personas.clerk_b, name="x", actor=personas.clerk_b)
    assert (
        Client(HTTP_AUTHORIZATION=f"Bearer {other}").get(f"/api/eapply/submissions/{received.pk}").status_code
        == 404
    )


def test_builder_adds_a_conditional_question_and_publishes(personas, procedure):
    client = client_for(personas.clerk_a)
    builder = reverse("eapply:staff_builder", args=["test-proc"])
    assert client_for(personas.clerk_b).get(builder).status_code == 403
    client.post(
        builder,
        {
            "action": "add_field",
            "target": "applicant",
            "applicant-type": "text",
            "applicant-label": "お子さんの人数",
        },
    )
    draft = procedure.versions.get(status=FormVersion.Status.DRAFT)
    new_id = draft.definition["pages"][0]["fields"][-1]["id"]
    edit = reverse("eapply:staff_field", args=["test-proc", new_id])
    bad = client.post(
        edit,
        {"label": "お子さんの人数", "show_if_field": "has_kids", "show_if_value": "true", "max_length": "0"},
    )
    assert "入力内容に誤りがあります" in bad.content.decode()
    client.post(
        edit,
        {
            "label": "お子さんの人数",
            "required": "on",
            "max_length": "3",
            "show_if_field": "has_kids",
            "show_if_value": "true",
        },
    )
    draft.refresh_from_db()
    field = draft.definition["pages"][0]["fields"][-1]
    assert field["show_if"] == {"field": "has_kids", "equals": True} and field["required"] is True
    assert "お子さんの人数" in client.get(builder).content.decode()  # in the live preview
    client.post(reverse("eapply:staff_form", args=["test-proc"]), {"action": "publish"})
    assert procedure.published_version.number == 2


def test_definition_import_with_errors_changes_nothing(personas, procedure):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(personas.clerk_a)
    url = reverse("eapply:staff_form", args=["test-proc"])
    broken = json.dumps(
        {
            **DEFINITION,
            "pages": [{"id": "p", "title": "x", "fields": [{"id": "a", "type": "telepathy", "label": "?"}]}],
        }
    )
    response = client.post(url, {"file": SimpleUploadedFile("f.json", broken.encode())})
    assert response.status_code == 400 and "telepathy" in response.content.decode()
    assert not procedure.versions.filter(status=FormVersion.Status.DRAFT).exists()
    exported = client.get(reverse("eapply:staff_form_export", args=["test-proc", 1]))
    assert json.loads(exported.content)["title"] == "テスト申請"


def test_retention_purges_and_logs(personas, received):
    Submission.objects.filter(pk=received.pk).update(purge_after=timezone.localdate() - timedelta(days=1))
    removed = services.purge_expired()
    assert removed == [received.reference_number]
    assert not Submission.objects.filter(pk=received.pk).exists()
    assert AuditEntry.objects.filter(action="delete", note__contains="保存期間").exists()


def test_metrics_count_online_procedures(procedure):
    from kotodx.core.fiscal import FiscalYear
    from kotodx.plan import metrics

    assert metrics.value("eapply.online_procedures", FiscalYear.current()) == 1
    assert metrics.value("eapply.online_share", FiscalYear.current()) == 100


def test_procedure_catalog_csv_with_pittari_status(personas, procedure):
    procedure.pittari = "available"
    procedure.save()
    raw = client_for(personas.clerk_a).get(reverse("eapply:staff_procedures_csv")).content
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][5] == "ぴったりサービス"
    assert [
        "テスト手続",
        "妊娠・出産・子育て",
        "子育て支援課",
        "可",
        "",
        "ぴったりサービスで申請可",
        "",
    ] in rows
