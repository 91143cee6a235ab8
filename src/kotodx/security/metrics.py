"""Figures the CSIRT gives the plan hub (individual measure 16)."""

from __future__ import annotations

from decimal import Decimal

from kotodx.core.fiscal import FiscalYear
from kotodx.plan.metrics import metric
from kotodx.security import selectors
from kotodx.security.models import Incident


@metric(
    "security.incidents_per_year",
    label="情報セキュリティインシデントの年間発生件数",
    unit="件",
    description="インシデント登録簿の年度内（検知日）の件数。誤検知・重複・試験は数えない。",
)
def incidents_per_year(fy: FiscalYear) -> int:
    return selectors.counted(selectors.in_fy(Incident.objects.all(), fy)).count()


@metric("security.mttd_hours", label="平均検知時間（発生から検知まで）", unit="時間")
def mttd_hours(fy: FiscalYear) -> Decimal | None:
    return selectors.mttd(fy)


@metric("security.mttc_hours", label="平均封じ込め時間（検知から封じ込めまで）", unit="時間")
def mttc_hours(fy: FiscalYear) -> Decimal | None:
    return selectors.mttc(fy)


@metric("security.mttr_hours", label="平均解決時間（検知から解決まで）", unit="時間")
def mttr_hours(fy: FiscalYear) -> Decimal | None:
    return selectors.mttr(fy)


@metric("security.exercises", label="インシデント対応訓練の実施回数", unit="回")
def exercises(fy: FiscalYear) -> int:
    return selectors.exercises_in(fy)


@metric("security.indicators_shared", label="共有した侵害の痕跡（指標）", unit="件")
def indicators_shared(fy: FiscalYear) -> int:
    return selectors.indicators_shared(fy)


@metric("security.indicators_received", label="連携先から受け取った侵害の痕跡（指標）", unit="件")
def indicators_received(fy: FiscalYear) -> int:
    return selectors.indicators_received(fy)
