"""Figures e-application gives the plan hub (individual measures 6 and 8)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from kotodx.core.fiscal import FiscalYear
from kotodx.eapply.models import FormVersion, Procedure, Submission
from kotodx.plan.metrics import metric


def _end(fy: FiscalYear) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(fy.end, dt.time.max))


def _online(fy: FiscalYear) -> list[int]:
    return list(
        FormVersion.objects.filter(
            status__in=[FormVersion.Status.PUBLISHED, FormVersion.Status.RETIRED], published_at__lte=_end(fy)
        )
        .values_list("procedure_id", flat=True)
        .distinct()
    )


@metric("eapply.online_procedures", label="オンラインで申請できる手続数", unit="手続")
def online_procedures(fy: FiscalYear) -> int:
    return len(_online(fy))


@metric("eapply.online_submissions", label="電子申請の件数", unit="件")
def online_submissions(fy: FiscalYear) -> int:
    start = timezone.make_aware(dt.datetime.combine(fy.start, dt.time.min))
    return Submission.objects.filter(submitted_at__gte=start, submitted_at__lte=_end(fy)).count()


@metric("eapply.priority_online_share", label="国の重点手続のオンライン化率", unit="%")
def priority_online_share(fy: FiscalYear) -> float | None:
    priority = Procedure.objects.exclude(priority="")
    total = priority.count()
    if not total:
        return None
    online = priority.filter(pk__in=_online(fy)).count()
    return round(online * 100 / total, 1)


@metric("eapply.pittari_procedures", label="ぴったりサービスで申請できる手続数", unit="手続")
def pittari_procedures(fy: FiscalYear) -> int:
    return Procedure.objects.filter(pittari=Procedure.Pittari.AVAILABLE).count()


@metric("eapply.online_share", label="オンラインで申請できる手続の割合", unit="%")
def online_share(fy: FiscalYear) -> float | None:
    total = Procedure.objects.filter(is_public=True).count()
    if not total:
        return None
    return round(len(_online(fy)) * 100 / total, 1)
