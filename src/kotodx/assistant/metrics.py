"""Figures the AI assistant gives the plan hub (individual measure 3)."""

from __future__ import annotations

from decimal import Decimal

from kotodx.assistant import selectors
from kotodx.core.fiscal import FiscalYear
from kotodx.plan.metrics import metric


@metric(
    "assistant.questions",
    label="AIアシスタントへの質問",
    unit="件",
    description="年度内に区民がAIアシスタントに尋ねた質問の数。",
)
def questions(fy: FiscalYear) -> int:
    return selectors.questions_in(fy).count()


@metric(
    "assistant.answered_share",
    label="AIアシスタントが回答できた問い合わせの割合",
    unit="%",
    description="年度内の質問のうち、回答を提示し職員への転送が不要だったものの割合。",
)
def answered_share(fy: FiscalYear) -> Decimal | None:
    return selectors.answered_share(fy)


@metric(
    "assistant.routing_accuracy",
    label="問い合わせの自動振り分けの正解率",
    unit="%",
    description="年度内に自動で振り分けた問い合わせのうち、職員が振り直さなかったものの割合。",
)
def routing_accuracy(fy: FiscalYear) -> Decimal | None:
    return selectors.routing_accuracy(fy)


@metric(
    "assistant.ocr_forms",
    label="OCRで電子化した紙の申請書",
    unit="件",
    description="年度内にOCRで読み取り、職員が確認して申請として登録した紙の申請書の数。",
)
def ocr_forms(fy: FiscalYear) -> int:
    return selectors.ocr_forms(fy)
