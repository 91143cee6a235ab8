"""Figures the open data catalog gives the plan hub (individual measure 4)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Sum

from kotodx.core.fiscal import FiscalYear
from kotodx.opendata.models import Dataset, DownloadCount
from kotodx.plan.metrics import metric


def _end(fy: FiscalYear) -> dt.datetime:
    from django.utils import timezone

    return timezone.make_aware(dt.datetime.combine(fy.end, dt.time.max))


@metric("opendata.datasets_published", label="公開データセット数", unit="件")
def datasets_published(fy: FiscalYear) -> int:
    return Dataset.objects.filter(state=Dataset.State.ACTIVE, issued__lte=_end(fy)).count()


@metric(
    "opendata.standard_datasets_covered",
    label="公開している自治体標準オープンデータセットの種類",
    unit="種類",
)
def standard_datasets_covered(fy: FiscalYear) -> int:
    return (
        Dataset.objects.filter(state=Dataset.State.ACTIVE, issued__lte=_end(fy))
        .exclude(standard_dataset="")
        .values("standard_dataset")
        .distinct()
        .count()
    )


@metric("opendata.downloads", label="オープンデータのダウンロード数", unit="件")
def downloads(fy: FiscalYear) -> int:
    total = DownloadCount.objects.filter(month__gte=fy.start, month__lte=fy.end).aggregate(n=Sum("count"))[
        "n"
    ]
    return int(total or 0)
