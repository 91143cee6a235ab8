"""Audits: findings, corrective actions followed up by the owner department until closed, overdue warnings
on the staff home page, and the audit report as HTML and PDF."""

import datetime as dt
import subprocess

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from kotodx.governance import services
from kotodx.governance.models import Audit, CorrectiveAction, Finding
from tests.conftest import check_access, client_for


@pytest.fixture
def audit(personas, inventory):  # type: ignore[no-untyped-def]
    it = personas.it_officer
    audit = services.audit_save(
        data={
            "kind": Audit.Kind.SECURITY,
            "title": "令和8年度 情報セキュリティ内部監査",
            "fiscal_year": 2026,
            "scope": "インターネット接続系",
            "systems": [inventory.a_web],
            "auditor": "監査チーム",
            "period_start": dt.date(2026, 7, 1),
            "period_end": dt.date(2026, 7, 31),
            "status": Audit.Status.REPORTED,
        },
        actor=it,
    )
    finding = services.finding_add(
        audit=audit,
        data={
            "system": inventory.a_web,
            "severity": "high",
            "criterion": "アクセス制御",
            "description": "共用ID",
        },
        actor=it,
    )
    services.action_add(
        finding=finding,
        data={
            "description": "個人別IDにする",
            "department": personas.dept_a,
            "owner": "係長",
            "due_date": timezone.localdate() - dt.timedelta(days=3),
        },
        actor=it,
    )
    return audit


def test_overdue_actions_are_warned_on_the_staff_home_page_of_the_owner(personas, audit):
    home_a = client_for(personas.clerk_a).get("/staff/").content.decode()
    assert "期限を過ぎた監査の改善措置が 1 件あります。" in home_a
    home_it = client_for(personas.it_officer).get("/staff/").content.decode()
    assert "期限を過ぎた監査の改善措置が 1 件あります。" in home_it
    home_b = client_for(personas.clerk_b).get("/staff/").content.decode()
    assert "期限を過ぎた監査の改善措置" not in home_b  # not their department's action
    overdue = client_for(personas.clerk_a).get("/staff/governance/actions/?overdue=1")
    assert "個人別IDにする" in overdue.content.decode()


def test_the_owner_department_follows_up_and_the_auditor_closes(personas, audit):
    finding = audit.findings.get()
    action = finding.actions.get()
    with pytest.raises(ValidationError, match="完了していない"):
        services.finding_close(finding=finding, actor=personas.it_officer)
    with pytest.raises(PermissionDenied):
        services.action_update(action=action, follow_up="x", done_on=None, actor=personas.clerk_b)
    response = client_for(personas.clerk_b).post(
        f"/staff/governance/actions/{action.pk}/", {"follow_up": "x"}
    )
    assert response.status_code == 404
    with pytest.raises(ValidationError, match="未来"):
        services.action_update(
            action=action,
            follow_up="",
            done_on=timezone.localdate() + dt.timedelta(days=1),
            actor=personas.clerk_a,
        )
    client_for(personas.clerk_a).post(
        f"/staff/governance/actions/{action.pk}/",
        {"follow_up": "個人別IDを発行した", "done_on": timezone.localdate().isoformat()},
    )
    action.refresh_from_db()
    assert action.done_on == timezone.localdate() and action.follow_up == "個人別IDを発行した"
    assert "期限を過ぎた監査の改善措置" not in client_for(personas.clerk_a).get("/staff/").content.decode()
    with pytest.raises(PermissionDenied):
        services.finding_close(finding=finding, actor=personas.clerk_a)
    services.finding_close(finding=finding, actor=personas.it_officer)
    finding.refresh_from_db()
    assert finding.status == Finding.Status.CLOSED
    with pytest.raises(ValidationError, match="完了"):
        services.action_update(action=action, follow_up="後から", done_on=None, actor=personas.clerk_a)


def test_a_finding_without_actions_cannot_be_closed(personas, audit):
    f = services.finding_add(
        audit=audit,
        data={"severity": "low", "criterion": "運用", "description": "x"},
        actor=personas.it_officer,
    )
    with pytest.raises(ValidationError, match="改善措置が登録されていません"):
        services.finding_close(finding=f, actor=personas.it_officer)


def test_audit_pages_and_rules(personas, audit):
    url = f"/staff/governance/audits/{audit.pk}/"
    check_access(
        url,
        {
            "clerk_a": 200,
            "clerk_b": 404,
            "it_officer": 200,
            "auditor": 200,
            "committee": 403,
            "anonymous": 302,
        },
        personas,
    )
    check_access(url, {"clerk_a": 403, "auditor": 403}, personas, method="post", data={"what": "close"})
    response = client_for(personas.it_officer).post(
        "/staff/governance/audits/",
        {"kind": "pia", "title": "PIA監査", "fiscal_year": "2026", "auditor": "外部",
         "period_start": "2026-09-30", "period_end": "2026-09-01", "status": "planned"},
    )  # fmt: skip
    assert response.status_code == 400
    assert "監査期間の終了日が開始日より前です。" in response.content.decode()
    response = client_for(personas.it_officer).post(
        url,
        {"what": "action", "action-finding": audit.findings.get().pk, "action-description": "手順書を改訂",
         "action-department": personas.dept_a.pk, "action-due_date": "2027-03-31"},
    )  # fmt: skip
    assert response.status_code == 302
    assert CorrectiveAction.objects.count() == 2


def test_audit_report_html_and_pdf(personas, audit, tmp_path):
    client = client_for(personas.auditor)
    html = client.get(f"/staff/governance/audits/{audit.pk}/report.html").content.decode()
    assert "情報セキュリティ監査 報告書" in html and "期限超過" in html and "個人別IDにする" in html
    assert client.get(f"/staff/governance/audits/{audit.pk}/report.doc").status_code == 404
    response = client.get(f"/staff/governance/audits/{audit.pk}/report.pdf")
    assert response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "audit.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "令和8年度 情報セキュリティ内部監査" in text
    assert "アクセス制御" in text
