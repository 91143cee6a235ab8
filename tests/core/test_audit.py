"""The audit log: one row per write in the same transaction, a filterable staff page, CSV export."""

import csv
import io

import pytest
from django.conf import settings
from django.db import transaction
from django.urls import reverse

from kotodx.core import services
from kotodx.core.models import AuditEntry, Department, Job
from tests.conftest import client_for


def test_service_write_records_who_what_before_after(personas):
    dept = personas.dept_a
    services.department_upsert(code=dept.code, name="子育て支援課（改）", actor=personas.admin)
    entry = AuditEntry.objects.filter(target_type="core.department", action="update").latest("id")
    assert entry.actor == personas.admin
    assert entry.actor_label == "t.admin"
    assert entry.department == personas.it_dept
    assert entry.before["name"] == "子育て支援課"
    assert entry.after["name"] == "子育て支援課（改）"
    assert entry.target_id == str(dept.pk)


def test_no_change_writes_no_audit_row(personas):
    before = AuditEntry.objects.count()
    services.department_upsert(code="bosai", name="防災課", actor=personas.admin)
    assert AuditEntry.objects.count() == before


def test_audit_row_rolls_back_with_the_write(personas):
    before = AuditEntry.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.department_upsert(code="new-dept", name="新しい課", actor=personas.admin)
        raise RuntimeError("later step failed")
    assert AuditEntry.objects.count() == before
    assert not Department.objects.filter(code="new-dept").exists()


def test_passwords_never_reach_the_audit_log(personas):
    services.staff_upsert(
        username="new.user",
        display_name="新",
        department=personas.dept_a,
        roles=["dept_clerk"],
        password="secret-password-123",
        actor=personas.admin,
    )
    entry = AuditEntry.objects.filter(target_repr="新").latest("id")
    assert "password" not in entry.after
    assert "secret-password-123" not in str(entry.after)


def test_request_id_and_address_are_recorded_for_web_writes(personas):
    client = client_for(personas.clerk_a)
    client.post(reverse("core:token_list"), {"name": "集計用"}, HTTP_X_REQUEST_ID="req-1234567890")
    entry = AuditEntry.objects.filter(target_type="core.apitoken").latest("id")
    assert entry.request_id == "req-1234567890"
    assert entry.ip_address == "127.0.0.1"


def test_login_success_failure_and_logout_are_audited(personas):
    client = client_for(None)
    client.post(reverse("core:login"), {"username": "t.clerk_a", "password": "wrong"})
    failed = AuditEntry.objects.filter(action="login_failed").latest("id")
    assert failed.target_repr == "t.clerk_a"
    assert "wrong" not in str(failed.after) + failed.note
    client.post(reverse("core:login"), {"username": "t.clerk_a", "password": "correct-horse-battery-42"})
    assert AuditEntry.objects.filter(action="login", actor=personas.clerk_a).exists()
    client.post(reverse("core:logout"))
    assert AuditEntry.objects.filter(action="logout", actor=personas.clerk_a).exists()


def test_audit_page_filters(personas):
    services.department_upsert(code="zeimu", name="税務課", actor=personas.admin)
    services.department_upsert(code="seiso", name="清掃リサイクル課", actor=personas.it_officer)
    client = client_for(personas.auditor)
    page = client.get(reverse("core:audit_list"), {"actor": "t.it", "target_type": "core.department"})
    body = page.content.decode()
    assert "清掃リサイクル課" in body and "税務課" not in body
    page = client.get(reverse("core:audit_list"), {"q": "税務"}).content.decode()
    assert "税務課" in page and "清掃リサイクル課" not in page


def test_audit_page_reads_wareki_dates_and_names_bad_ones(personas):
    client = client_for(personas.auditor)
    ok = client.get(reverse("core:audit_list"), {"date_from": "令和元年5月1日"})
    assert ok.status_code == 200 and "入力内容に誤りがあります" not in ok.content.decode()
    bad = client.get(reverse("core:audit_list"), {"date_from": "平成31年5月1日", "date_to": "2024-02-30"})
    body = bad.content.decode()
    assert bad.status_code == 200
    assert "入力内容に誤りがあります" in body
    assert "すでに令和" in body and "存在しない日付" in body
    reversed_range = client.get(
        reverse("core:audit_list"), {"date_from": "2025-01-01", "date_to": "2024-01-01"}
    )
    assert "期間（まで）は期間（から）より後" in reversed_range.content.decode()


def test_csv_export_is_excel_ready_and_formula_safe(personas, django_capture_on_commit_callbacks):
    services.department_upsert(code="evil", name='=HYPERLINK("http://x")', actor=personas.admin)
    services.department_upsert(code="evil2", name="@SUM(A1)", actor=personas.admin)
    client = client_for(personas.it_officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("core:audit_export"), {"target_type": "core.department"})
    job = Job.objects.get(kind="core.audit_export")
    assert response["Location"] == reverse("core:job_detail", args=[job.pk])
    assert job.status == Job.Status.SUCCEEDED
    download = client.get(reverse("core:job_download", args=[job.pk]))
    raw = b"".join(download.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:4] == ["日時", "操作者", "部署", "操作"]
    reprs = [r[6] for r in rows[1:]]
    assert '\'=HYPERLINK("http://x")' in reprs
    assert "'@SUM(A1)" in reprs
    assert all(r[4] == "core.department" for r in rows[1:])
    assert job.result["rows"] == len(rows) - 1
    assert AuditEntry.objects.filter(action="export", target_type="core.auditentry").exists()


def test_safe_cell_keeps_numbers_and_neutralises_formulas():
    from kotodx.core.csvutil import safe_cell

    assert safe_cell(-5) == "-5"
    assert safe_cell("-5") == "'-5"
    assert safe_cell("+81") == "'+81"
    assert safe_cell("\t=1") == "'\t=1"
    assert safe_cell("江東区") == "江東区"
    assert safe_cell(None) == ""


def test_a_large_export_has_every_entry_once_in_order(personas):
    # More than two batches, many written in the same instant: the batches must neither skip nor repeat.
    from kotodx.core import exports

    AuditEntry.objects.bulk_create(
        AuditEntry(action="view", target_type="tests.bulk", target_id=str(n), target_repr=f"行{n}")
        for n in range(exports.BATCH * 2 + 7)
    )
    same = AuditEntry.objects.filter(target_type="tests.bulk").order_by("id").first().at
    AuditEntry.objects.filter(target_type="tests.bulk").update(at=same)
    job = services.job_start(
        kind="core.audit_export", title="出力", params={"target_type": "tests.bulk"}, actor=personas.auditor
    )
    from kotodx.core import jobs

    jobs.execute(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error
    text = (settings.MEDIA_ROOT / job.result_file).read_text(encoding="utf-8-sig")
    ids = [row[5] for row in csv.reader(io.StringIO(text))][1:]
    assert ids == [str(n) for n in range(exports.BATCH * 2 + 7)]
