"""Successive plans: create a successor in the UI carrying measures and KPIs over; trends run across both."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from kotodx.plan import demo, services
from kotodx.plan.models import Kpi, Plan, PlanRevision
from kotodx.plan.selectors import plan_view
from tests.conftest import client_for
from tests.plan.conftest import DATA


def test_successor_created_in_the_ui_carries_kpis_over(koto_plan, personas):
    demo.load_progress(koto_plan, DATA / "koto-2020-progress.yaml", actor=None)
    response = client_for(personas.it_officer).post(
        reverse("plan:successor_create", args=["koto-2020"]),
        {
            "code": "koto-2025",
            "title": "第2次江東区情報化推進プラン",
            "start_fy": "令和7年度",
            "end_fy": "2029",
            "vision": "",
            "carry_over": "on",
        },
    )
    assert response.status_code == 302
    plan = Plan.objects.get(code="koto-2025")
    assert (plan.start_fy, plan.end_fy, plan.predecessor) == (2025, 2029, koto_plan)
    assert plan.individual_measures.count() == 16
    kpi = Kpi.objects.get(plan=plan, code="online-procedures")
    old = Kpi.objects.get(plan=koto_plan, code="online-procedures")
    assert kpi.continues == old and kpi.baseline_fy == 2024 and kpi.baseline_value is not None
    series = plan_view(plan).kpi_series(kpi)
    assert [c.fiscal_year for c in series] == list(range(2020, 2030))
    assert series[4].actual is not None  # FY2024 actual from the old plan


def test_successor_form_errors(koto_plan, personas):
    client = client_for(personas.it_officer)
    body = client.post(
        reverse("plan:successor_create", args=["koto-2020"]),
        {"code": "koto-2020", "title": "x", "start_fy": "来年", "end_fy": "2020"},
    ).content.decode()
    assert "入力内容に誤りがあります" in body and "年度として読めません" in body
    with pytest.raises(PermissionDenied):
        services.plan_create_successor(
            predecessor=koto_plan,
            code="x",
            title="x",
            start_fy=2025,
            end_fy=2029,
            vision="",
            carry_over=False,
            actor=personas.clerk_a,
        )
    with pytest.raises(ValidationError):
        services.plan_create_successor(
            predecessor=koto_plan,
            code="koto-2020",
            title="x",
            start_fy=2025,
            end_fy=2029,
            vision="",
            carry_over=False,
            actor=personas.it_officer,
        )


def test_kpi_revision_is_recorded_and_shown_side_by_side(small_plan, personas):
    kpi = small_plan.kpis.get(code="online")
    fy = small_plan.start_fy
    client = client_for(personas.it_officer)
    url = reverse("plan:kpi_revise", args=[kpi.pk])
    bad = client.post(
        url,
        {
            "name": kpi.name,
            "unit": "件",
            "direction": "increase",
            "revised_on": "2026-02-30",
            "reason": "",
            f"target_{fy}": "abc",
        },
    ).content.decode()
    assert "存在しない日付" in bad and "数値ではありません" in bad and "必須" in bad
    assert not PlanRevision.objects.exists()
    ok = client.post(
        url,
        {
            "name": kpi.name,
            "unit": "件",
            "direction": "increase",
            "revised_on": "令和8年11月1日",
            "reason": "国の目標の引き上げ",
            f"target_{fy}": "１５０",
        },
    )
    assert ok.status_code == 302
    revision = PlanRevision.objects.get()
    assert revision.changes[0]["before"] == "100" and revision.changes[0]["after"] == "150"
    page = client_for(None).get(reverse("plan:revision_list", args=[small_plan.code])).content.decode()
    assert "国の目標の引き上げ" in page and 'class="before">100<' in page and 'class="after">150<' in page


def test_final_evaluation_only_after_the_plan_ends(small_plan, personas):
    with pytest.raises(ValidationError, match="計画期間が終わってから"):
        services.plan_final_evaluate(plan=small_plan, summary="x", per_measure={}, actor=personas.it_officer)
