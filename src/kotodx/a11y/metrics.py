"""Figures the accessibility checker gives the plan hub (individual measure 12): from the latest finished
scan."""

from __future__ import annotations

from decimal import Decimal

from kotodx.a11y.models import Scan
from kotodx.core.fiscal import FiscalYear
from kotodx.plan.metrics import metric


def _latest(fy: FiscalYear) -> Scan | None:
    return (
        Scan.objects.filter(
            status=Scan.Status.DONE, finished_at__date__lte=fy.end, finished_at__date__gte=fy.start
        )
        .order_by("-finished_at")
        .first()
    )


@metric(
    "a11y.pages_with_violations",
    label="アクセシビリティ違反が検出されたページ数（最新の検査）",
    unit="ページ",
    description="年度内の最新の巡回検査で、違反が1件以上あったページの数。",
)
def pages_with_violations(fy: FiscalYear) -> int | None:
    scan = _latest(fy)
    return scan.pages_with_violations if scan else None


@metric("a11y.pages_checked", label="アクセシビリティ検査をしたページ数（最新の検査）", unit="ページ")
def pages_checked(fy: FiscalYear) -> int | None:
    scan = _latest(fy)
    return scan.pages_checked if scan else None


@metric(
    "a11y.violations_per_page",
    label="1ページあたりのアクセシビリティ違反の数（最新の検査）",
    unit="件",
    description="年度内の最新の巡回検査で見つかった違反の数を、検査できたページの数で割った値。",
)
def violations_per_page(fy: FiscalYear) -> Decimal | None:
    scan = _latest(fy)
    if scan is None or not scan.pages_checked:
        return None
    return (Decimal(scan.violations) / scan.pages_checked).quantize(Decimal("0.01"))


@metric(
    "a11y.criteria_failed",
    label="違反のあった達成基準の数（最新の検査）",
    unit="基準",
    description="年度内の最新の巡回検査で、違反が1件以上あった WCAG 達成基準の数（要確認は含めない）。",
)
def criteria_failed(fy: FiscalYear) -> int | None:
    from kotodx.a11y.models import ScanFinding

    scan = _latest(fy)
    if scan is None:
        return None
    failed = ScanFinding.objects.filter(page__scan=scan, review=False).values_list("criteria", flat=True)
    return len({c for criteria in failed for c in criteria})
