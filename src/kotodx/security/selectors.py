"""Reads of the CSIRT: what a member of staff may see, the dashboard's aggregates and the metrics."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from kotodx.core.fiscal import FiscalYear
from kotodx.core.models import User
from kotodx.core.portal import Notice
from kotodx.security.models import Exercise, Incident, StixImport, Task, TaxiiObject, Tlp


def incidents_visible_to(user: User) -> QuerySet[Incident]:
    """The rules of services.can_see as one query: the CSIRT sees all; TLP:RED only the CSIRT and the
    handler; auditors all below RED; a department its own incidents and what it reported."""
    qs = Incident.objects.select_related("handler")
    if not user.is_authenticated or not user.has_perm("security.view_incident"):
        return qs.none()
    if user.has_perm("security.handle_incident"):
        return qs
    not_red = ~Q(tlp=Tlp.RED) | Q(handler=user)
    if "auditor" in user.role_codes:
        return qs.filter(not_red)
    mine = (
        Q(created_by=user) | Q(departments=user.department_id or 0) | Q(handler=user) | Q(tasks__owner=user)
    )
    return qs.filter(not_red & mine).distinct()


def in_fy(qs: QuerySet[Incident], fy: FiscalYear) -> QuerySet[Incident]:
    start = dt.datetime.combine(fy.start, dt.time.min, tzinfo=timezone.get_current_timezone())
    end = dt.datetime.combine(fy.end, dt.time.max, tzinfo=timezone.get_current_timezone())
    return qs.filter(detected_at__gte=start, detected_at__lte=end)


def counted(qs: QuerySet[Incident]) -> QuerySet[Incident]:
    """Incidents that count in the KPI: not false positives, duplicates or tests."""
    return qs.exclude(status__in=[Incident.Status.FALSE_POSITIVE, Incident.Status.DUPLICATE]).exclude(
        category="test"
    )


def mean_hours(pairs: list[tuple[dt.datetime | None, dt.datetime | None]]) -> Decimal | None:
    spans = [(b - a).total_seconds() / 3600 for a, b in pairs if a and b]
    if not spans:
        return None
    return (Decimal(sum(spans)) / len(spans)).quantize(Decimal("0.1"))


def mttd(fy: FiscalYear) -> Decimal | None:
    """Mean time to detect: occurred → detected, hours."""
    return mean_hours([(i.occurred_at, i.detected_at) for i in counted(in_fy(Incident.objects.all(), fy))])


def mttc(fy: FiscalYear) -> Decimal | None:
    """Mean time to contain: detected → contained, hours."""
    return mean_hours([(i.detected_at, i.contained_at) for i in counted(in_fy(Incident.objects.all(), fy))])


def mttr(fy: FiscalYear) -> Decimal | None:
    """Mean time to resolve: detected → resolved, hours."""
    return mean_hours([(i.detected_at, i.resolved_at) for i in counted(in_fy(Incident.objects.all(), fy))])


def per_fy(years: int = 5) -> list[dict]:
    """Incidents per fiscal year by category and severity (the plan's KPI must go down)."""
    current = FiscalYear.current()
    rows = []
    for k in range(years - 1, -1, -1):
        fy = FiscalYear(current.year - k)
        qs = counted(in_fy(Incident.objects.all(), fy))
        rows.append(
            {
                "fy": fy,
                "total": qs.count(),
                "by_category": Counter(qs.values_list("category", flat=True)),
                "by_severity": Counter(qs.values_list("severity", flat=True)),
            }
        )
    return rows


def exercises_in(fy: FiscalYear) -> int:
    return Exercise.objects.filter(held_on__gte=fy.start, held_on__lte=fy.end).count()


def indicators_shared(fy: FiscalYear) -> int:
    start = dt.datetime.combine(fy.start, dt.time.min, tzinfo=timezone.get_current_timezone())
    end = dt.datetime.combine(fy.end, dt.time.max, tzinfo=timezone.get_current_timezone())
    return (
        TaxiiObject.objects.filter(stix_type="indicator", date_added__gte=start, date_added__lte=end)
        .values("stix_id")
        .distinct()
        .count()
    )


def indicators_received(fy: FiscalYear) -> int:
    start = dt.datetime.combine(fy.start, dt.time.min, tzinfo=timezone.get_current_timezone())
    end = dt.datetime.combine(fy.end, dt.time.max, tzinfo=timezone.get_current_timezone())
    imports = StixImport.objects.filter(received_at__gte=start, received_at__lte=end)
    return sum(i.indicators_new + i.indicators_merged for i in imports)


def staff_notices(user: User) -> list[Notice]:
    if not user.is_authenticated or not user.has_perm("security.handle_incident"):
        return []
    out = []
    open_high = Incident.objects.filter(severity__lte=2).exclude(
        status__in=[Incident.Status.CLOSED, Incident.Status.FALSE_POSITIVE, Incident.Status.DUPLICATE]
    )
    if open_high.exists():
        out.append(
            Notice(
                f"対応中の重大なインシデントが {open_high.count()} 件あります。",
                reverse("security:incidents"),
            )
        )
    late = Task.objects.filter(done_at__isnull=True, due_at__lt=timezone.now()).count()
    if late:
        out.append(
            Notice(f"期限を過ぎたインシデント対応作業が {late} 件あります。", reverse("security:incidents"))
        )
    return out
