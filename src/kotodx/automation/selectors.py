"""Reads of automation: what a member of staff may see, and the hours saved by robot, department and FY."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from kotodx.automation.models import Robot, Run
from kotodx.core.fiscal import FiscalYear
from kotodx.core.models import User
from kotodx.core.selectors import scope_to_department


def robots_visible_to(user: User) -> QuerySet[Robot]:
    return scope_to_department(Robot.objects.select_related("department"), user)


def runs_in(fy: FiscalYear) -> QuerySet[Run]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(fy.start, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(fy.end, dt.time.max, tzinfo=tz)
    return Run.objects.filter(
        status=Run.Status.SUCCEEDED, dry_run=False, finished_at__gte=start, finished_at__lte=end
    )


def hours_saved(fy: FiscalYear, robots: QuerySet[Robot] | None = None) -> Decimal:
    qs = runs_in(fy)
    if robots is not None:
        qs = qs.filter(robot__in=robots)
    minutes = qs.aggregate(m=Sum("minutes_saved"))["m"] or Decimal(0)
    return (Decimal(minutes) / 60).quantize(Decimal("0.1"))


def report(fy: FiscalYear, robots: QuerySet[Robot]) -> dict:
    """Hours saved per robot and per department in a fiscal year: the plan's KPI for measure 2."""
    qs = runs_in(fy).filter(robot__in=robots)
    per_robot = list(
        qs.values("robot__name", "robot__title", "robot__department__name")
        .annotate(runs=Count("pk"), items=Sum("items"), minutes=Sum("minutes_saved"))
        .order_by("-minutes")
    )
    per_dept: dict[str, Decimal] = {}
    for r in per_robot:
        r["hours"] = (Decimal(r["minutes"] or 0) / 60).quantize(Decimal("0.1"))
        per_dept[r["robot__department__name"]] = (
            per_dept.get(r["robot__department__name"], Decimal(0)) + r["hours"]
        )
    return {
        "per_robot": per_robot,
        "per_department": sorted(per_dept.items(), key=lambda kv: -kv[1]),
        "total": sum((r["hours"] for r in per_robot), Decimal(0)),
    }
