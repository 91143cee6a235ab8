"""Figures ICT governance gives the plan hub (individual measures 9, 10, 14, 15)."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from kotodx.core.fiscal import FiscalYear
from kotodx.governance import selectors
from kotodx.governance.models import System, TrainingCourse
from kotodx.plan.metrics import metric


@metric(
    "governance.systems_reviewed_at_design",
    label="設計・見積り段階で情報システム課が審査したシステム数",
    unit="システム",
    description="年度内に、要件定義・見積または設計・構築の関門のセキュリティ審査を通過したシステムの数。",
)
def systems_reviewed_at_design(fy: FiscalYear) -> int:
    return selectors.systems_reviewed_in(fy.start, fy.end)


@metric(
    "governance.design_review_share",
    label="設計・見積り段階の審査を受けたシステムの割合（各課調達分を含む）",
    unit="%",
)
def design_review_share(fy: FiscalYear) -> Decimal | None:
    return selectors.design_review_share()


@metric("governance.open_findings", label="未完了の監査指摘事項", unit="件")
def open_findings(fy: FiscalYear) -> int:
    return selectors.open_findings()


@metric("governance.overdue_findings", label="改善措置の期限を過ぎた監査指摘事項", unit="件")
def overdue_findings(fy: FiscalYear) -> int:
    return selectors.overdue_findings(min(fy.end, timezone.localdate()))


@metric(
    "governance.standard_systems_migrated",
    label="標準準拠システムへ移行した基幹業務（20業務中）",
    unit="業務",
)
def standard_systems_migrated(fy: FiscalYear) -> int | None:
    return selectors.standard_areas_migrated() if System.objects.exists() else None


@metric("governance.staff_trained_ai_rpa", label="AI・RPA研修を受講した職員数（累計）", unit="人")
def staff_trained_ai_rpa(fy: FiscalYear) -> int:
    return selectors.staff_trained([TrainingCourse.Topic.AI, TrainingCourse.Topic.RPA], fy.end)


@metric("governance.devices_per_pupil", label="児童・生徒1人あたりの学習用端末数", unit="台")
def devices_per_pupil(fy: FiscalYear) -> Decimal | None:
    return selectors.devices_per_pupil()
