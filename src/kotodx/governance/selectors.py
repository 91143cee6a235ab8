"""Reads of ICT governance that several callers share: what a member of staff may see, what is overdue,
and the aggregates behind the plan hub's figures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone

from kotodx.core.models import User
from kotodx.core.portal import Notice
from kotodx.core.selectors import scope_to_department
from kotodx.governance.models import (
    STANDARD_AREAS,
    CorrectiveAction,
    Finding,
    GateReview,
    PersonalInfoFile,
    School,
    SchoolDevice,
    System,
    TrainingCompletion,
    TrainingCourse,
)


def systems_visible_to(user: User) -> QuerySet[System]:
    """Ward-wide roles see the whole inventory; a department clerk their department's systems."""
    return scope_to_department(System.objects.select_related("department", "guideline"), user)


def pia_files_visible_to(user: User) -> QuerySet[PersonalInfoFile]:
    return scope_to_department(PersonalInfoFile.objects.select_related("department", "system"), user)


def actions_visible_to(user: User) -> QuerySet[CorrectiveAction]:
    qs = CorrectiveAction.objects.select_related("finding__audit", "finding__system", "department")
    return scope_to_department(qs, user)


def overdue_actions(user: User, today: dt.date | None = None) -> QuerySet[CorrectiveAction]:
    today = today or timezone.localdate()
    return actions_visible_to(user).filter(done_on__isnull=True, due_date__lt=today).order_by("due_date")


def reviews_waiting(user: User) -> QuerySet[GateReview]:
    """Reviews answered by a department and waiting for the IT division's decision."""
    return (
        GateReview.objects.filter(status=GateReview.Status.OPEN).exclude(answers={}).select_related("system")
    )


def staff_notices(user: User) -> list[Notice]:
    """What the staff home page warns about: overdue corrective actions, PIA re-assessments due,
    gate reviews waiting for the IT division."""
    if not user.is_authenticated or not user.has_perm("governance.view_system"):
        return []
    notices = []
    overdue = overdue_actions(user).count()
    if overdue:
        notices.append(
            Notice(
                f"期限を過ぎた監査の改善措置が {overdue} 件あります。",
                reverse("governance:actions") + "?overdue=1",
            )
        )
    soon = timezone.localdate() + dt.timedelta(days=90)
    due = [f for f in pia_files_visible_to(user) if f.reassess_by <= soon]
    if due:
        notices.append(
            Notice(
                f"90日以内に再評価が必要な特定個人情報ファイルが {len(due)} 件あります。",
                reverse("governance:pia"),
            )
        )
    if user.has_perm("governance.decide_gate"):
        waiting = reviews_waiting(user).count()
        if waiting:
            notices.append(
                Notice(
                    f"情報システム課の審査を待っている関門が {waiting} 件あります。",
                    reverse("governance:systems") + "?waiting=1",
                    "info",
                )
            )
    return notices


# --- Aggregates for metrics and dashboards ---------------------------------------------------------


def systems_reviewed_in(start: dt.date, end: dt.date) -> int:
    """Systems whose security review (design or estimate gate) the IT division passed in the period."""
    return (
        GateReview.objects.filter(
            status=GateReview.Status.PASSED, decided_at__date__gte=start, decided_at__date__lte=end
        )
        .filter(stage__in=_security_stages())
        .values("system")
        .distinct()
        .count()
    )


def _security_stages() -> set[str]:
    from kotodx.governance.models import Guideline

    codes: set[str] = set()
    for g in Guideline.objects.all():
        codes |= {s["code"] for s in g.stages if (s.get("gate") or {}).get("security_review")}
    return codes


def design_review_share() -> Decimal | None:
    """Of the systems past their first security gate, the share (%) with a passed security review —
    department-bought systems included. Systems entered from an old spreadsheet at a later stage count
    as not reviewed until the IT division has reviewed them."""
    security = _security_stages()
    past = []
    for system in System.objects.select_related("guideline"):
        codes = [s["code"] for s in system.guideline.stages]
        first = next((c for c in codes if c in security), None)
        if first is not None and codes.index(system.stage) > codes.index(first):
            past.append(system.pk)
    if not past:
        return None
    reviewed = (
        GateReview.objects.filter(system_id__in=past, status=GateReview.Status.PASSED, stage__in=security)
        .values("system")
        .distinct()
        .count()
    )
    return (Decimal(reviewed) * 100 / len(past)).quantize(Decimal("0.1"))


def open_findings() -> int:
    return Finding.objects.filter(status=Finding.Status.OPEN).count()


def overdue_findings(today: dt.date) -> int:
    return (
        Finding.objects.filter(
            status=Finding.Status.OPEN, actions__done_on__isnull=True, actions__due_date__lt=today
        )
        .distinct()
        .count()
    )


def standard_areas_migrated() -> int:
    return (
        System.objects.filter(standard_area__in=STANDARD_AREAS, migration=System.Migration.MIGRATED)
        .values("standard_area")
        .distinct()
        .count()
    )


def standard_area_status() -> list[dict]:
    """Each of the 20 areas with its systems and the least advanced migration status."""
    order = [c.value for c in System.Migration if c.value]
    rows = []
    by_area: dict[str, list[System]] = {}
    for s in System.objects.exclude(standard_area="").select_related("department"):
        by_area.setdefault(s.standard_area, []).append(s)
    for area in STANDARD_AREAS:
        systems = by_area.get(area, [])
        statuses = [s.migration for s in systems if s.migration]
        least = min(statuses, key=order.index) if statuses else ""
        rows.append(
            {
                "area": area,
                "systems": systems,
                "status": least,
                "label": dict(System.Migration.choices).get(least, "未登録") if systems else "未登録",
            }
        )
    return rows


def staff_trained(topics: Sequence[str], by: dt.date) -> int:
    """Distinct staff who completed a course on one of the topics up to a date (cumulative)."""
    return (
        TrainingCompletion.objects.filter(course__topic__in=topics, completed_on__lte=by)
        .values("user")
        .distinct()
        .count()
    )


def trained_by_department(topics: Sequence[str] | None = None) -> QuerySet:
    qs = TrainingCompletion.objects.all()
    if topics:
        qs = qs.filter(course__topic__in=topics)
    return (
        qs.values("department__name", "department__sort_order")
        .annotate(staff=Count("user", distinct=True), completions=Count("pk"))
        .order_by("department__sort_order")
    )


def courses_with_counts() -> QuerySet[TrainingCourse]:
    return TrainingCourse.objects.annotate(n=Count("completions"))


def devices_per_pupil() -> Decimal | None:
    pupils = School.objects.aggregate(n=Sum("pupils"))["n"] or 0
    if not pupils:
        return None
    tablets = SchoolDevice.objects.filter(kind=SchoolDevice.Kind.TABLET).aggregate(n=Sum("count"))["n"] or 0
    return (Decimal(tablets) / pupils).quantize(Decimal("0.01"))


def schools_with_devices() -> list[dict]:
    rows = []
    for school in School.objects.prefetch_related("devices"):
        counts = {d.kind: d.count for d in school.devices.all()}
        tablets = counts.get(SchoolDevice.Kind.TABLET, 0)
        rows.append(
            {
                "school": school,
                "counts": [counts.get(k, 0) for k in SchoolDevice.Kind.values],
                "per_pupil": (Decimal(tablets) / school.pupils).quantize(Decimal("0.01"))
                if school.pupils
                else None,
            }
        )
    return rows


def inventory_summary(user: User) -> dict:
    qs = systems_visible_to(user)
    return {
        "total": qs.count(),
        "department_bought": qs.filter(department_bought=True).count(),
        "specific_personal_info": qs.filter(specific_personal_info=True).count(),
        "by_network": list(qs.values("network").annotate(n=Count("pk")).order_by("network")),
        "cost": qs.aggregate(n=Sum("annual_cost"))["n"] or 0,
    }
