"""The lifecycle guideline as data and its gates: a system is held at its stage until the gate's review
is passed, only the IT division decides, and a pass needs every item answered and conforming."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kotodx.core import services as core_services
from kotodx.core.models import AuditEntry
from kotodx.governance import services
from kotodx.governance.models import GateReview, Guideline, System
from tests.conftest import client_for
from tests.governance.conftest import answer_all


def _to_design_gate(system, it):  # type: ignore[no-untyped-def]
    """Walk a planning-stage system through the planning, estimate and procurement gates."""
    for _ in range(3):
        review = services.review_start(system=system, actor=it)
        answer_all(review, it)
        services.review_decide(review=review, decision="passed", actor=it)
        system = services.system_advance(system=system, actor=it)
    assert system.stage == "build"
    return system


def test_the_default_guideline_has_the_seven_stages_and_two_security_reviews(inventory):
    g = Guideline.objects.get()
    assert [s["name"] for s in g.stages] == [
        "企画",
        "要件定義・見積",
        "調達",
        "設計・構築",
        "運用",
        "更改",
        "廃止",
    ]
    security = [s["code"] for s in g.stages if (s.get("gate") or {}).get("security_review")]
    assert security == ["requirements", "build"]
    groups = {i["group"] for i in g.stage("requirements")["gate"]["items"]}
    assert groups == {
        "組織体制", "情報資産の分類と管理", "物理的セキュリティ", "人的セキュリティ",
        "技術的セキュリティ", "運用", "業務委託と外部サービス", "評価・見直し",
    }  # fmt: skip


def test_a_system_is_blocked_at_its_design_gate_until_the_review_passes(personas, inventory):
    it, clerk = personas.it_officer, personas.clerk_a
    system = _to_design_gate(inventory.a_web, it)
    with pytest.raises(ValidationError, match="設計・構築段階のセキュリティ審査」を通過していない"):
        services.system_advance(system=system, actor=clerk)
    review = services.review_start(system=system, actor=clerk)
    answer_all(review, clerk, skip={"des-tech-vuln"})
    with pytest.raises(ValidationError, match="未回答"):
        services.review_decide(review=review, decision="passed", actor=it)
    services.review_answer(review=review, answers={"des-tech-vuln": {"answer": "no"}}, actor=clerk)
    with pytest.raises(ValidationError, match="不適合"):
        services.review_decide(review=review, decision="passed", actor=it)
    with pytest.raises(ValidationError):
        services.review_decide(review=review, decision="returned", conditions="", actor=it)
    services.review_decide(
        review=review, decision="returned", conditions="脆弱性診断を実施すること", actor=it
    )
    with pytest.raises(ValidationError, match="通過していない"):
        services.system_advance(system=system, actor=clerk)
    # The department answers again: the review is back before the IT division.
    review = services.review_answer(
        review=review, answers={"des-tech-vuln": {"answer": "yes", "evidence": "診断報告書"}}, actor=clerk
    )
    assert review.status == GateReview.Status.OPEN
    services.review_decide(review=review, decision="passed", actor=it)
    system = services.system_advance(system=system, actor=clerk)
    assert system.stage == "operation"
    # A passed review cannot be edited afterwards.
    with pytest.raises(ValidationError, match="確定"):
        services.review_answer(review=review, answers={"des-tech-vuln": {"answer": "no"}}, actor=clerk)


def test_a_security_review_needs_evidence_for_each_conforming_item(personas, inventory):
    it = personas.it_officer
    review = services.review_start(system=inventory.b_cloud, actor=it)
    answer_all(review, it)
    services.review_answer(
        review=review, answers={"req-tech-log": {"answer": "yes", "evidence": ""}}, actor=it
    )
    with pytest.raises(ValidationError, match="根拠"):
        services.review_decide(review=review, decision="passed", actor=it)


@pytest.mark.parametrize("who", ["clerk_a", "admin", "auditor", "committee"])
def test_only_the_it_division_decides_a_gate(personas, inventory, who):
    review = services.review_start(system=inventory.a_web, actor=personas.clerk_a)
    answer_all(review, personas.clerk_a)
    user = getattr(personas, who)
    with pytest.raises(PermissionDenied):
        services.review_decide(review=review, decision="passed", actor=user)
    response = client_for(user).post(
        f"/staff/governance/reviews/{review.pk}/decision/", {"decision": "passed"}
    )
    assert response.status_code == 403
    review.refresh_from_db()
    assert review.status == GateReview.Status.OPEN


def test_an_it_officer_role_outside_the_it_division_cannot_decide(personas, inventory):
    outsider = core_services.staff_upsert(
        username="t.it-elsewhere",
        display_name="x",
        department=personas.dept_b,
        roles=["it_officer"],
        actor=None,
    )
    review = services.review_start(system=inventory.a_web, actor=personas.clerk_a)
    answer_all(review, personas.clerk_a)
    with pytest.raises(PermissionDenied, match="情報システム課"):
        services.review_decide(review=review, decision="passed", actor=outsider)


def test_the_gate_decision_page_for_the_it_division(personas, inventory):
    review = services.review_start(system=inventory.a_web, actor=personas.clerk_a)
    answer_all(review, personas.clerk_a)
    client = client_for(personas.it_officer)
    page = client.get(f"/staff/governance/systems/{inventory.a_web.pk}/").content.decode()
    assert "情報システム課の審査" in page
    client.post(f"/staff/governance/reviews/{review.pk}/decision/", {"decision": "passed"})
    review.refresh_from_db()
    assert review.status == GateReview.Status.PASSED
    assert (
        AuditEntry.objects.filter(target_type="governance.gatereview", target_id=str(review.pk)).count() >= 3
    )
    response = client_for(personas.clerk_a).post(f"/staff/governance/systems/{inventory.a_web.pk}/advance/")
    assert response.status_code == 302
    inventory.a_web.refresh_from_db()
    assert inventory.a_web.stage == "requirements"


def test_the_checklist_is_answered_on_the_page(personas, inventory):
    client = client_for(personas.clerk_b)
    client.post(f"/staff/governance/systems/{inventory.b_cloud.pk}/review/")
    review = GateReview.objects.get(system=inventory.b_cloud)
    client.post(
        f"/staff/governance/reviews/{review.pk}/answers/",
        {"answer-req-org-owner": "yes", "evidence-req-org-owner": "体制図", "answer-req-physical": "na"},
    )
    review.refresh_from_db()
    assert review.answers["req-org-owner"] == {"answer": "yes", "evidence": "体制図"}
    assert review.answers["req-physical"]["answer"] == "na"
    # Another department's clerk cannot answer it.
    response = client_for(personas.clerk_a).post(
        f"/staff/governance/reviews/{review.pk}/answers/", {"answer-req-org-owner": "no"}
    )
    assert response.status_code == 404
    review.refresh_from_db()
    assert review.answers["req-org-owner"]["answer"] == "yes"


def test_the_stage_changes_only_through_the_gate(personas, inventory):
    with pytest.raises(ValidationError, match="関門"):
        services.system_save(system=inventory.a_web, data={"stage": "operation"}, actor=personas.it_officer)


def test_guideline_versions_and_yaml_errors(personas, inventory):
    it = personas.it_officer
    g1 = Guideline.objects.get()
    source = g1.source.replace("企画の確認", "企画の確認（改）")
    g2 = services.guideline_publish(source=source, note="名称の変更", actor=it)
    assert g2.version == 2
    assert set(System.objects.values_list("guideline__version", flat=True)) == {2}
    for bad, message in [
        ("title: x\nstages: [", "YAMLとして読めません"),
        ("- a\n- b", "最上位"),
        ("title: x\nstages:\n  - {code: a, name: A}\n  - {code: b, name: B}", "関門"),
        (source.replace("code: operation", "code: running"), "operation"),  # in use by a system
        (source.replace("group: 運用,", "group: 運用その他,", 1), "運用その他"),
    ]:
        with pytest.raises(ValidationError, match=message):
            services.guideline_publish(source=bad, actor=it)
    assert Guideline.objects.count() == 2
    with pytest.raises(PermissionDenied):
        services.guideline_publish(source=source, actor=personas.clerk_a)
    response = client_for(personas.clerk_a).post(
        "/staff/governance/guideline/", {"source": source, "note": "x"}
    )
    assert response.status_code == 403
    response = client_for(it).post("/staff/governance/guideline/", {"source": "title: [", "note": "壊す"})
    assert response.status_code == 400
    assert "YAMLとして読めません" in response.content.decode()
