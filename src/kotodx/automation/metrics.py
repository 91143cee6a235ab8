"""Figures automation gives the plan hub (individual measure 2)."""

from __future__ import annotations

from decimal import Decimal

from kotodx.automation import selectors
from kotodx.automation.models import Robot
from kotodx.core.fiscal import FiscalYear
from kotodx.plan.metrics import metric


@metric(
    "automation.hours_saved",
    label="RPAで削減した職員の作業時間",
    unit="時間",
    description="年度内に成功したロボットの実行の処理件数 × 1件あたりの作業時間（試行は含めない）。",
)
def hours_saved(fy: FiscalYear) -> Decimal:
    return selectors.hours_saved(fy)


@metric("automation.robots", label="稼働しているロボット", unit="体")
def robots(fy: FiscalYear) -> int:
    return Robot.objects.filter(enabled=True).count()
