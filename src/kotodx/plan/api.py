"""JSON API of the plan hub (public reads): plans, and the progress of a fiscal year."""

from __future__ import annotations

import json
from typing import Any

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from kotodx.plan import reports, selectors
from kotodx.plan.models import Plan

router = Router(tags=["plan"])


class PlanOut(Schema):
    code: str
    title: str
    municipality: str
    start_fy: int
    end_fy: int
    vision: str
    is_example: bool
    kpis_are_examples: bool
    predecessor: str | None


@router.get("/plans", response=list[PlanOut], summary="計画の一覧")
def plan_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            **{f: getattr(p, f) for f in PlanOut.model_fields if f != "predecessor"},
            "predecessor": p.predecessor.code if p.predecessor else None,
        }
        for p in selectors.plans_list()
    ]


@router.get("/plans/{code}/progress/{fy}", summary="年度の進捗（承認済み）", response=dict[str, Any])
def plan_progress(request: HttpRequest, code: str, fy: int) -> dict[str, Any]:
    plan = get_object_or_404(Plan, code=code)
    if not plan.covers(fy):
        raise Http404
    data: dict[str, Any] = json.loads(reports.report_json(selectors.plan_view(plan), fy))
    return data
