"""The figures governance gives the plan hub, through the registry only, against a hand-made fixture."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from kotodx.core.fiscal import FiscalYear
from kotodx.governance import services
from kotodx.governance.models import GateReview, School, TrainingCourse
from kotodx.plan import metrics
from tests.governance.conftest import answer_all, system_data


def test_metrics_match_a_hand_counted_fixture(personas, inventory):
    it = personas.it_officer
    fy = FiscalYear.of(timezone.localdate())
    # Reviewed at an estimate/design gate this year: b_cloud (requirements) → 1 system.
    review = services.review_start(system=inventory.b_cloud, actor=it)
    answer_all(review, it)
    services.review_decide(review=review, decision="passed", actor=it)
    # A planning-gate pass is not a security review and does not count.
    review = services.review_start(system=inventory.a_web, actor=it)
    answer_all(review, it)
    services.review_decide(review=review, decision="passed", actor=it)
    assert metrics.value("governance.systems_reviewed_at_design", fy) == 1
    assert metrics.value("governance.systems_reviewed_at_design", fy.previous()) == 0
    # Past the first security gate: a_core (operation, never reviewed: imported) → 0 of 1 reviewed.
    # b_cloud is still at requirements until it advances.
    assert metrics.value("governance.design_review_share", fy) == Decimal("0.00")
    services.system_advance(system=inventory.b_cloud, actor=it)
    assert metrics.value("governance.design_review_share", fy) == Decimal("50.00")
    # Standardised areas migrated: a_core (児童手当, migrated) → 1.
    services.system_save(
        data=system_data(personas.dept_a, name="住記", standard_area="住民基本台帳", migration="migrating"),
        actor=it,
    )
    assert metrics.value("governance.standard_systems_migrated", fy) == 1
    # Staff trained in AI or RPA, cumulative and distinct.
    ai = services.course_save(
        data={"title": "生成AI", "topic": TrainingCourse.Topic.AI, "held_on": fy.start}, actor=it
    )
    rpa = services.course_save(
        data={"title": "RPA", "topic": TrainingCourse.Topic.RPA, "held_on": fy.start}, actor=it
    )
    sec = services.course_save(
        data={"title": "セキュリティ", "topic": TrainingCourse.Topic.SECURITY, "held_on": fy.start}, actor=it
    )
    services.completions_add(
        course=ai, users=[personas.clerk_a, personas.clerk_b], completed_on=fy.start, actor=it
    )
    services.completions_add(course=rpa, users=[personas.clerk_a], completed_on=fy.start, actor=it)
    services.completions_add(course=sec, users=[personas.auditor], completed_on=fy.start, actor=it)
    assert metrics.value("governance.staff_trained_ai_rpa", fy) == 2
    assert metrics.value("governance.staff_trained_ai_rpa", fy.previous()) == 0
    # Devices per pupil: 900 tablets for 1,000 pupils.
    s1 = School.objects.create(name="A小", kind="elementary", pupils=400)
    s2 = School.objects.create(name="B中", kind="junior_high", pupils=600)
    services.school_devices_save(school=s1, pupils=400, counts={"tablet": 400, "e_blackboard": 12}, actor=it)
    services.school_devices_save(school=s2, pupils=600, counts={"tablet": 500}, actor=it)
    assert metrics.value("governance.devices_per_pupil", fy) == Decimal("0.90")


def test_finding_metrics(personas, inventory):
    from kotodx.governance.models import Audit

    it = personas.it_officer
    fy = FiscalYear.of(timezone.localdate())
    audit = services.audit_save(
        data={
            "kind": Audit.Kind.PIA, "title": "PIA", "fiscal_year": fy.year, "auditor": "x",
            "period_start": fy.start, "period_end": fy.start,
        },
        actor=it,
    )  # fmt: skip
    f1 = services.finding_add(
        audit=audit, data={"severity": "high", "criterion": "a", "description": "a"}, actor=it
    )
    f2 = services.finding_add(
        audit=audit, data={"severity": "low", "criterion": "b", "description": "b"}, actor=it
    )
    today = timezone.localdate()
    for f, due in ((f1, today - dt.timedelta(days=1)), (f2, today + dt.timedelta(days=30))):
        services.action_add(
            finding=f, data={"description": "x", "department": personas.dept_a, "due_date": due}, actor=it
        )
    assert metrics.value("governance.open_findings", fy) == 2
    assert metrics.value("governance.overdue_findings", fy) == 1
    assert GateReview.objects.count() == 0
