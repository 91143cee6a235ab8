"""PDCA: the owner department drafts → the IT division checks → the expert sub-committee reviews → the
committee approves or returns. Each step only by its role; every transition audited; approved is locked."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from kotodx.core.fiscal import FiscalYear
from kotodx.core.models import AuditEntry
from kotodx.plan import metrics, services
from kotodx.plan.models import KpiActual, ReviewStep
from tests.conftest import check_access, client_for

FY = FiscalYear.current().year


def _fill(entry, user, **overrides):
    kpi_ids = {k.code: k.pk for k in entry.individual_measure.kpis.all()}
    data = services.EntryInput(
        status="in_progress",
        results="オンライン化を進めた。",
        issues="周知が課題。",
        next_direction="対象手続を増やす。",
        actuals={kpi_ids["online"]: Decimal(90), kpi_ids["incidents"]: Decimal(1)},
    )
    for k, v in overrides.items():
        setattr(data, k, v)
    return services.entry_save(entry=entry, data=data, version=entry.version, actor=user)


@pytest.fixture
def draft(personas, im):
    entry = services.entry_create(im=im, fiscal_year=FY, actor=personas.clerk_a)
    return _fill(entry, personas.clerk_a)


def test_whole_workflow_by_the_roles_that_own_each_step(personas, draft):
    p = personas
    e = services.entry_transition(entry=draft, action="submit", actor=p.clerk_a)
    assert e.state == "submitted"
    e = services.entry_transition(entry=e, action="check", actor=p.it_officer)
    assert e.state == "it_checked"
    e = services.entry_transition(entry=e, action="review", actor=p.subcommittee, comment="妥当")
    assert e.state == "reviewed"
    e = services.entry_transition(entry=e, action="approve", actor=p.committee)
    assert e.state == "approved" and e.is_locked and e.approved_at
    assert [s.action for s in e.steps.all()] == ["submit", "check", "review", "approve"]
    audits = AuditEntry.objects.filter(target_type="plan.progressentry", target_id=str(e.pk), action="update")
    assert audits.count() == 5  # one save + four transitions
    assert "推進委員会承認" in audits.latest("id").note


@pytest.mark.parametrize(
    ("state_actions", "action", "wrong"),
    [
        ([], "submit", ["clerk_b", "subcommittee", "committee", "auditor"]),
        (["submit"], "check", ["clerk_a", "clerk_b", "subcommittee", "committee", "auditor"]),
        (["submit", "check"], "review", ["clerk_a", "it_officer", "committee", "auditor"]),
        (["submit", "check", "review"], "approve", ["clerk_a", "it_officer", "subcommittee", "auditor"]),
    ],
)
def test_wrong_role_is_refused_and_state_unchanged(personas, draft, state_actions, action, wrong):
    actors = {"submit": personas.clerk_a, "check": personas.it_officer, "review": personas.subcommittee}
    e = draft
    for a in state_actions:
        e = services.entry_transition(entry=e, action=a, actor=actors[a])
    for name in wrong:
        before = (e.state, e.version)
        with pytest.raises(PermissionDenied):
            services.entry_transition(entry=e, action=action, actor=getattr(personas, name))
        e.refresh_from_db()
        assert (e.state, e.version) == before, name


def test_wrong_role_over_http_is_403_with_a_message(personas, draft):
    url = reverse("plan:entry_transition", args=[draft.pk, "approve"])
    response = client_for(personas.clerk_a).post(url, {"version": draft.version})
    assert response.status_code == 403
    assert "推進委員会" in response.content.decode()
    draft.refresh_from_db()
    assert draft.state == "draft"


def test_return_needs_a_reason_and_the_department_sees_it(personas, draft):
    e = services.entry_transition(entry=draft, action="submit", actor=personas.clerk_a)
    with pytest.raises(ValidationError, match="差し戻す理由"):
        services.entry_transition(entry=e, action="return", actor=personas.it_officer, comment=" ")
    e = services.entry_transition(
        entry=e, action="return", actor=personas.it_officer, comment="実績の数値を確認して"
    )
    assert e.state == "returned" and e.is_editable
    page = client_for(personas.clerk_a).get(reverse("plan:entry_detail", args=[e.pk])).content.decode()
    assert "差し戻されました" in page and "実績の数値を確認して" in page
    e = _fill(e, personas.clerk_a, results="数値を直した。")
    assert services.entry_transition(entry=e, action="submit", actor=personas.clerk_a).state == "submitted"


def test_committee_can_return_too(personas, draft):
    e = draft
    for a, u in (
        ("submit", personas.clerk_a),
        ("check", personas.it_officer),
        ("review", personas.subcommittee),
    ):
        e = services.entry_transition(entry=e, action=a, actor=u)
    e = services.entry_transition(
        entry=e, action="return", actor=personas.committee, comment="課題を具体的に"
    )
    assert e.state == "returned"
    assert ReviewStep.objects.filter(entry=e, action="return", actor_role="推進委員会").exists()


def test_submit_needs_results_and_direction(personas, im):
    entry = services.entry_create(im=im, fiscal_year=FY, actor=personas.clerk_a)
    with pytest.raises(ValidationError, match="実績・次年度の方向性"):
        services.entry_transition(entry=entry, action="submit", actor=personas.clerk_a)


def test_other_departments_clerk_cannot_draft(personas, im):
    with pytest.raises(PermissionDenied):
        services.entry_create(im=im, fiscal_year=FY, actor=personas.clerk_b)
    entry = services.entry_create(im=im, fiscal_year=FY, actor=personas.it_officer)  # IT division may help
    with pytest.raises(PermissionDenied):
        _fill(entry, personas.clerk_b)


def test_entry_outside_the_plan_period_is_refused(personas, im):
    with pytest.raises(ValidationError, match="計画期間"):
        services.entry_create(im=im, fiscal_year=2099, actor=personas.clerk_a)


def test_approved_entry_is_locked_and_corrected_by_a_new_revision(personas, draft):
    e = draft
    for a, u in (
        ("submit", personas.clerk_a),
        ("check", personas.it_officer),
        ("review", personas.subcommittee),
        ("approve", personas.committee),
    ):
        e = services.entry_transition(entry=e, action=a, actor=u)
    with pytest.raises(ValidationError, match="編集できません"):
        _fill(e, personas.clerk_a)
    with pytest.raises(ValidationError, match="訂正の理由"):
        services.entry_correct(entry=e, reason="", actor=personas.clerk_a)
    copy = services.entry_correct(entry=e, reason="実績値の集計誤り", actor=personas.clerk_a)
    assert copy.revision == 2 and copy.state == "draft" and copy.results == e.results
    copy = _fill(copy, personas.clerk_a, results="訂正後の実績。")
    # Until the correction is approved, the public still sees the approved first revision.
    public = client_for(None).get(reverse("plan:measure_detail", args=["test-plan", 1])).content.decode()
    assert "オンライン化を進めた。" in public and "訂正後の実績。" not in public
    for a, u in (
        ("submit", personas.clerk_a),
        ("check", personas.it_officer),
        ("review", personas.subcommittee),
        ("approve", personas.committee),
    ):
        copy = services.entry_transition(entry=copy, action=a, actor=u)
    e.refresh_from_db()
    assert e.state == "superseded"
    public = client_for(None).get(reverse("plan:measure_detail", args=["test-plan", 1])).content.decode()
    assert "訂正後の実績。" in public and "第2版（訂正）" in public


def test_second_save_of_the_same_version_is_a_conflict(personas, im):
    entry = services.entry_create(im=im, fiscal_year=FY, actor=personas.clerk_a)
    url = reverse("plan:entry_detail", args=[entry.pk])
    form = {
        "status": "in_progress",
        "results": "A課長の文",
        "issues": "",
        "next_direction": "",
        "version": entry.version,
    }
    first = client_for(personas.clerk_a).post(url, form)
    assert first.status_code == 302
    second = client_for(personas.it_officer).post(url, {**form, "results": "B係長の文"})
    assert second.status_code == 409
    assert "他の職員が保存しました" in second.content.decode()
    entry.refresh_from_db()
    assert entry.results == "A課長の文"


def test_numbers_typed_the_japanese_way(personas, im):
    entry = services.entry_create(im=im, fiscal_year=FY, actor=personas.clerk_a)
    url = reverse("plan:entry_detail", args=[entry.pk])
    online = im.kpis.get(code="online").pk
    incidents = im.kpis.get(code="incidents").pk
    base = {
        "status": "in_progress",
        "results": "x",
        "issues": "",
        "next_direction": "y",
        "version": entry.version,
    }
    bad = client_for(personas.clerk_a).post(url, {**base, f"kpi_{online}": "abc", f"kpi_{incidents}": "1"})
    body = bad.content.decode()
    assert bad.status_code == 200 and "「abc」は数値ではありません" in body
    assert not KpiActual.objects.filter(entry=entry).exists()  # nothing half-written
    ok = client_for(personas.clerk_a).post(
        url, {**base, f"kpi_{online}": "１,２３４", f"kpi_{incidents}": "１２３"}
    )
    assert ok.status_code == 302
    values = {a.kpi.code: a.value for a in KpiActual.objects.filter(entry=entry)}
    assert values == {"online": Decimal("1234"), "incidents": Decimal("123")}


def test_override_needs_a_reason_and_the_it_role(personas, draft):
    with pytest.raises(PermissionDenied):
        services.entry_override_evaluation(entry=draft, grade="A", reason="x", actor=personas.clerk_a)
    with pytest.raises(ValidationError, match="理由"):
        services.entry_override_evaluation(entry=draft, grade="A", reason="", actor=personas.it_officer)
    e = services.entry_override_evaluation(
        entry=draft, grade="C", reason="数値に表れない遅れ", actor=personas.it_officer
    )
    assert e.evaluation_override == "C"


def test_live_metric_is_frozen_on_approval(personas, small_plan):
    calls = {"n": 7}

    @metrics.metric("tests.live_count", label="テスト", unit="件")
    def _live(fy):
        return calls["n"]

    extra_kpi = small_plan.kpis.get(code="online")
    extra_kpi.source = "tests.live_count"
    extra_kpi.save()
    im = extra_kpi.individual_measure
    entry = services.entry_create(im=im, fiscal_year=FY, actor=personas.clerk_a)
    entry = _fill(entry, personas.clerk_a)
    from kotodx.plan.selectors import plan_view

    cell = next(c for c in plan_view(small_plan, internal=True).row(im, FY).cells if c.kpi.code == "online")
    assert cell.actual == Decimal(7) and cell.live
    for a, u in (
        ("submit", personas.clerk_a),
        ("check", personas.it_officer),
        ("review", personas.subcommittee),
        ("approve", personas.committee),
    ):
        entry = services.entry_transition(entry=entry, action=a, actor=u)
    calls["n"] = 99  # the module's figure moves on; the approved year does not
    cell = next(c for c in plan_view(small_plan).row(im, FY).cells if c.kpi.code == "online")
    assert cell.actual == Decimal(7) and not cell.live
    metrics.REGISTRY.pop("tests.live_count")


def test_staff_pages_by_role(personas, draft):
    url = reverse("plan:entry_detail", args=[draft.pk])
    check_access(
        url,
        {
            "anonymous": 302,
            "clerk_a": 200,
            "clerk_b": 200,
            "it_officer": 200,
            "subcommittee": 200,
            "committee": 200,
            "auditor": 200,
        },
        personas,
    )
    check_access(reverse("plan:staff_home"), {"anonymous": 302, "clerk_a": 200, "committee": 200}, personas)
    kpi = draft.individual_measure.kpis.first()
    check_access(
        reverse("plan:kpi_revise", args=[kpi.pk]),
        {"it_officer": 200, "admin": 200, "clerk_a": 403, "committee": 403, "auditor": 403},
        personas,
    )
    check_access(
        reverse("plan:successor_create", args=["test-plan"]),
        {"it_officer": 200, "clerk_a": 403, "subcommittee": 403},
        personas,
    )


def test_clerk_b_can_read_but_not_edit_another_departments_entry(personas, draft):
    url = reverse("plan:entry_detail", args=[draft.pk])
    page = client_for(personas.clerk_b).get(url).content.decode()
    assert "内容の入力" not in page
    response = client_for(personas.clerk_b).post(
        url, {"status": "done", "results": "乗っ取り", "version": draft.version}
    )
    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.results != "乗っ取り"


def test_worklists_show_what_waits_for_each_role(personas, draft):
    services.entry_transition(entry=draft, action="submit", actor=personas.clerk_a)
    it_page = client_for(personas.it_officer).get(reverse("plan:staff_home")).content.decode()
    assert "情報システム課の確認待ち（1件）" in it_page
    committee_page = client_for(personas.committee).get(reverse("plan:staff_home")).content.decode()
    assert "推進委員会の承認待ち（0件）" in committee_page


def test_evidence_upload_checks_content(personas, draft):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("plan:evidence_upload", args=[draft.pk])
    client = client_for(personas.clerk_a)
    client.post(url, {"file": SimpleUploadedFile("report.pdf", b"MZ\x90\x00 not a pdf \x00\x00")})
    assert not draft.evidence.exists()
    client.post(url, {"file": SimpleUploadedFile("会議資料.pdf", b"%PDF-1.4\n%...\n")})
    ev = draft.evidence.get()
    assert ev.original_name == "会議資料.pdf" and ev.content_type == "application/pdf"
    download = client_for(personas.auditor).get(reverse("plan:evidence_download", args=[ev.pk]))
    assert download.status_code == 200
    assert AuditEntry.objects.filter(action="view", target_type="plan.evidencefile").exists()
