"""The incident register: reporting by a department, the CSIRT's phases with an automatic timeline,
observables checked by kind, the notification checklist, the personal-information report duty, who
sees what (TLP:RED only the CSIRT and the handler), pages, the report, and the plan's figures."""

import datetime as dt
import subprocess
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from kotodx.core.fiscal import FiscalYear
from kotodx.governance import services as gov
from kotodx.governance.models import System
from kotodx.plan import metrics
from kotodx.security import rules, selectors, services
from kotodx.security.models import Incident, TimelineEntry
from tests.conftest import check_access, client_for


def _new(actor, **kw):  # type: ignore[no-untyped-def]
    data = {
        "title": kw.pop("title", "不審な通信"),
        "category": kw.pop("category", "malicious-code"),
        "severity": kw.pop("severity", 3),
        "tlp": kw.pop("tlp", "amber"),
        "detected_at": kw.pop("detected_at", timezone.now() - dt.timedelta(hours=1)),
        **kw,
    }
    return services.incident_create(data=data, actor=actor)


def test_a_department_reports_and_the_csirt_takes_it_through_the_phases(personas):
    clerk, it = personas.clerk_a, personas.it_officer
    incident = _new(clerk, status="closed")  # a reporter cannot open at a later phase
    assert incident.status == "new" and incident.number.startswith(f"INC-{FiscalYear.current().year}-")
    assert list(incident.departments.all()) == [personas.dept_a]
    with pytest.raises(PermissionDenied):
        services.incident_update(incident=incident, data={"status": "triage"}, actor=clerk)
    incident = services.incident_update(incident=incident, data={"status": "triage", "severity": 2}, actor=it)
    incident = services.incident_update(incident=incident, data={"status": "eradication"}, actor=it)
    assert incident.contained_at is not None  # moving past containment records when it was contained
    with pytest.raises(ValidationError, match="戻せません"):
        services.incident_update(incident=incident, data={"status": "triage"}, actor=it)
    incident = services.incident_update(incident=incident, data={"status": "closed"}, actor=it)
    assert incident.resolved_at is not None
    texts = list(incident.timeline.values_list("text", flat=True))
    assert texts[0].startswith("インシデントを登録しました")
    assert any("状態: 初動・トリアージ → 根絶" in t for t in texts)
    assert any("深刻度: 3 中 → 2 重大" in t for t in texts)
    assert all(e.kind == TimelineEntry.Kind.AUTO for e in incident.timeline.all())
    # Re-opening a closed incident goes back to triage.
    incident = services.incident_update(incident=incident, data={"status": "triage"}, actor=it)
    assert incident.resolved_at is None


def test_times_must_be_in_order(personas):
    now = timezone.now()
    with pytest.raises(ValidationError, match="検知日時が発生日時より前"):
        _new(
            personas.it_officer,
            occurred_at=now - dt.timedelta(hours=1),
            detected_at=now - dt.timedelta(hours=2),
        )
    with pytest.raises(ValidationError, match="未来"):
        _new(personas.it_officer, detected_at=now + dt.timedelta(days=1))
    assert not Incident.objects.exists()


@pytest.mark.parametrize(
    ("kind", "value", "stored"),
    [
        ("ipv4", " 192.0.2.10 ", "192.0.2.10"),
        ("ipv6", "2001:DB8::1", "2001:db8::1"),
        ("domain", "Evil.Example.", "evil.example"),
        ("domain", "江東.example", "xn--7rvq3i.example"),
        ("url", "https://bad.example/a?b=c", "https://bad.example/a?b=c"),
        ("sha256", "A" * 64, "a" * 64),
        ("md5", "0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef"),
        ("email", "Phish@Bad.Example", "phish@bad.example"),
    ],
)
def test_observables_are_normalised(personas, kind, value, stored):
    incident = _new(personas.it_officer)
    obs = services.observable_add(
        incident=incident, kind=kind, value=value, is_ioc=True, actor=personas.it_officer
    )
    assert obs.value == stored


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("ipv4", "999.1.1.1", "IPv4アドレスではありません"),
        ("ipv4", "2001:db8::1", "IPv4アドレスではありません"),
        ("domain", "-bad-.example", "ドメイン名ではありません"),
        ("domain", "localhost", "ドメイン名ではありません"),
        ("url", "javascript:alert(1)", "URLではありません"),
        ("sha256", "abc", "SHA256のハッシュ値ではありません"),
        ("md5", "z" * 32, "MD5のハッシュ値ではありません"),
        ("email", "not-an-address", "メールアドレスではありません"),
        ("ipv4", "   ", "値が空です"),
    ],
)
def test_bad_observables_get_a_clear_message(personas, kind, value, message):
    incident = _new(personas.it_officer)
    with pytest.raises(ValidationError, match=message):
        services.observable_add(
            incident=incident, kind=kind, value=value, is_ioc=True, actor=personas.it_officer
        )
    response = client_for(personas.it_officer).post(
        f"/staff/security/incidents/{incident.number}/",
        {"what": "observable", "obs-kind": kind, "obs-value": value, "obs-is_ioc": "on"},
    )
    assert response.status_code == 400
    assert (message if value.strip() else "必須") in response.content.decode()
    assert not incident.observables.exists()


def _bodies(incident, networks=frozenset()):  # type: ignore[no-untyped-def]
    return {b.code for b, _ in rules.required_bodies(incident, set(networks))}


@pytest.mark.parametrize(
    ("category", "severity", "pi", "networks", "expected"),
    [
        ("test", 1, True, {"lgwan"}, set()),
        ("abusive-content", 4, False, set(), set()),
        ("abusive-content", 3, False, set(), {"tokyo"}),
        ("malicious-code", 1, False, set(), {"soumu", "police", "nisc", "tokyo", "ipa", "jpcert"}),
        ("malicious-code", 3, False, {"lgwan"}, {"tokyo", "jlis", "ipa", "jpcert"}),
        ("information-content-security", 3, True, set(), {"soumu", "tokyo", "ppc"}),
        ("intrusions", 2, False, {"mynumber"}, {"soumu", "police", "tokyo", "jlis", "jpcert"}),
        ("vulnerable", 4, False, set(), {"ipa"}),
    ],
)
def test_notification_checklist(personas, category, severity, pi, networks, expected):
    incident = Incident(category=category, severity=severity, personal_info=pi, status="new")
    assert _bodies(incident, networks) == expected


def test_personal_information_deadlines(personas):
    detected = timezone.now() - dt.timedelta(days=1)
    leak = _new(
        personas.it_officer, category="information-content-security", personal_info=True, detected_at=detected
    )
    d = rules.personal_info_deadlines(leak)
    assert [x.due - detected for x in d] == [dt.timedelta(days=5), dt.timedelta(days=60)]  # unlawful purpose
    lost = _new(personas.it_officer, category="other", specific_personal_info=True, detected_at=detected)
    assert lost.personal_info  # 特定個人情報 is personal information
    assert [x.due - detected for x in rules.personal_info_deadlines(lost)] == [
        dt.timedelta(days=5),
        dt.timedelta(days=30),
    ]
    page = client_for(personas.it_officer).get(f"/staff/security/incidents/{lost.number}/").content.decode()
    assert "マイナンバー法 第29条の4" in page and "確報（30日以内）" in page


def test_who_sees_what(personas):
    it, clerk_a, clerk_b = personas.it_officer, personas.clerk_a, personas.clerk_b
    reported = _new(clerk_a, title="A課の報告")
    red = _new(it, title="関係者限り", tlp="red")
    red.departments.set([personas.dept_a])
    b_only = _new(it, title="B課の事案")
    b_only.departments.set([personas.dept_b])
    names = lambda u: set(selectors.incidents_visible_to(u).values_list("title", flat=True))  # noqa: E731
    assert names(it) == {"A課の報告", "関係者限り", "B課の事案"}
    assert names(clerk_a) == {"A課の報告"}  # RED is not shown to the department
    assert names(clerk_b) == {"B課の事案"}
    assert names(personas.auditor) == {"A課の報告", "B課の事案"}
    assert names(personas.committee) == set()
    for incident in (reported, red, b_only):
        for user in (it, clerk_a, clerk_b, personas.auditor, personas.committee):
            assert services.can_see(user, incident) == (incident.title in names(user)), (user, incident.title)
    check_access(
        f"/staff/security/incidents/{red.number}/",
        {"it_officer": 200, "clerk_a": 404, "auditor": 404, "committee": 403, "anonymous": 302},
        personas,
    )
    check_access(f"/staff/security/incidents/{reported.number}/", {"clerk_a": 200, "clerk_b": 404}, personas)
    check_access(
        f"/staff/security/incidents/{reported.number}/edit/", {"clerk_a": 403, "it_officer": 200}, personas
    )
    # The handler of a RED incident sees it even outside the CSIRT.
    red.handler = clerk_b
    red.save()
    assert services.can_see(clerk_b, red)


def test_pages_tasks_notifications_and_timeline_by_the_csirt(personas):
    it = personas.it_officer
    system = gov.system_save(
        data={
            "name": "LGWANの業務端末",
            "department": personas.dept_a,
            "hosting": "on_premises",
            "network": "lgwan",
        },
        actor=it,
    )
    incident = _new(it, severity=2, personal_info=True)
    incident.systems.set([system])
    client = client_for(it)
    url = f"/staff/security/incidents/{incident.number}/"
    page = client.get(url).content.decode()
    for body in ("総務省", "J-LIS", "個人情報保護委員会"):
        assert body in page
    when = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    assert (
        client.post(
            url, {"what": "notification", "notice-body": "jlis", "notice-notified_at": when}
        ).status_code
        == 302
    )
    assert (
        client.post(
            url, {"what": "task", "task-title": "端末の隔離", "task-owner": personas.clerk_a.pk}
        ).status_code
        == 302
    )
    assert client.post(url, {"what": "timeline", "tl-text": "ベンダーに連絡した"}).status_code == 302
    task = incident.tasks.get()
    # The task's owner (not in the CSIRT) may mark it done; another clerk may not.
    assert client_for(personas.clerk_b).post(url, {"what": "task_done", "task": task.pk}).status_code == 404
    client_for(personas.clerk_a).post(url, {"what": "task_done", "task": task.pk})
    task.refresh_from_db()
    assert task.done_at is not None
    texts = " ".join(incident.timeline.values_list("text", flat=True))
    assert "地方公共団体情報システム機構（J-LIS）に報告しました" in texts
    assert "ベンダーに連絡した" in texts and "対応作業が完了しました: 端末の隔離" in texts
    future = (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url, {"what": "notification", "notice-body": "ppc", "notice-notified_at": future})
    assert response.status_code == 400 and "未来" in response.content.decode()


def test_report_html_and_pdf(personas, tmp_path):
    incident = _new(personas.it_officer, title="報告書の試験", personal_info=True)
    client = client_for(personas.it_officer)
    html = client.get(f"/staff/security/incidents/{incident.number}/report.html").content.decode()
    assert "情報セキュリティインシデント報告書" in html and "報告書の試験" in html
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(client.get(f"/staff/security/incidents/{incident.number}/report.pdf").content)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert incident.number in text and "個人情報保護委員会" in text


def test_incidents_per_year_and_mean_times_match_a_hand_computed_fixture(personas):
    it = personas.it_officer
    fy = FiscalYear.current()
    base = timezone.make_aware(dt.datetime.combine(fy.start, dt.time(9, 0))) + dt.timedelta(days=1)
    # occurred → detected: 2 h and 4 h; detected → contained: 6 h and 10 h.
    a = _new(it, occurred_at=base, detected_at=base + dt.timedelta(hours=2))
    b = _new(it, occurred_at=base, detected_at=base + dt.timedelta(hours=4))
    # detected → resolved: 24 h and 48 h.
    services.incident_update(
        incident=a,
        data={"contained_at": base + dt.timedelta(hours=8), "resolved_at": base + dt.timedelta(hours=26)},
        actor=it,
    )
    services.incident_update(
        incident=b,
        data={"contained_at": base + dt.timedelta(hours=14), "resolved_at": base + dt.timedelta(hours=52)},
        actor=it,
    )
    fp = _new(it, detected_at=base)
    services.incident_update(incident=fp, data={"status": "false_positive"}, actor=it)
    _new(it, category="test", detected_at=base)
    _new(it, detected_at=base - dt.timedelta(days=200))  # the fiscal year before
    assert metrics.value("security.incidents_per_year", fy) == 2
    assert metrics.value("security.mttd_hours", fy) == Decimal("3.00")
    assert metrics.value("security.mttc_hours", fy) == Decimal("8.00")
    assert metrics.value("security.mttr_hours", fy) == Decimal("36.00")
    assert metrics.value("security.incidents_per_year", fy.previous()) == 1
    assert System.objects.count() == 0


def test_the_inventory_shows_a_systems_incidents_as_each_may_see_them(personas):
    it = personas.it_officer
    system = gov.system_save(
        data={
            "name": "子育てポータル",
            "department": personas.dept_a,
            "hosting": "public_cloud",
            "network": "internet",
        },
        actor=it,
    )
    seen = _new(it, title="ポータルの改ざん", tlp="amber")
    hidden = _new(it, title="ポータルへの標的型攻撃", tlp="red")
    for incident in (seen, hidden):
        incident.systems.set([system])
        incident.departments.set([personas.dept_a])
    for user, expected in (
        (it, {"ポータルの改ざん", "ポータルへの標的型攻撃"}),
        (personas.clerk_a, {"ポータルの改ざん"}),
    ):
        page = client_for(user).get(f"/staff/governance/systems/{system.pk}/").content.decode()
        assert {t for t in ("ポータルの改ざん", "ポータルへの標的型攻撃") if t in page} == expected, user


def test_export_a_selection_of_incidents(personas, tmp_path):
    import json

    from django.core.management import call_command

    it = personas.it_officer
    one, two = _new(it, title="一", tlp="green"), _new(it, title="二", tlp="clear")
    out = tmp_path / "b.json"
    call_command(
        "security", "export-stix", "--incident", one.number, "--incident", two.number, "-o", str(out)
    )
    names = {o.get("name", "") for o in json.loads(out.read_text())["objects"] if o["type"] == "incident"}
    assert names == {f"{one.number} 一", f"{two.number} 二"}
    with pytest.raises(Exception, match="INC-1999-0001"):
        call_command("security", "export-stix", "--incident", "INC-1999-0001")
