"""Achievement and evaluation (評価 A/B/C/D) as Japanese plan-progress sheets grade them.

Achievement (達成率) of one KPI in one year: actual ÷ target for a KPI to increase, target ÷ actual for a
KPI to decrease (fewer incidents is better). A ≥ 100 %, B ≥ 80 %, C ≥ 50 %, D < 50 %; "−" when it cannot be
measured (no actual, no target, or a zero that makes the ratio meaningless). An entry with several KPIs
takes the mean of their achievements. Roll-ups (measure, guideline, plan) average the grades' scores.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

GRADES = ("A", "B", "C", "D")
NOT_MEASURABLE = "−"
SCORE = {"A": 4, "B": 3, "C": 2, "D": 1}
GRADE_LABELS = {
    "A": "目標達成（100%以上）",
    "B": "概ね達成（80%以上）",
    "C": "一部達成（50%以上）",
    "D": "未達成（50%未満）",
    NOT_MEASURABLE: "測定できない",
}


def achievement(actual: Decimal | None, target: Decimal | None, direction: str) -> Decimal | None:
    """Achievement in percent, or None when it cannot be measured."""
    if actual is None or target is None:
        return None
    if direction == "decrease":
        if actual == 0:
            return Decimal("100.0") if target >= 0 else None  # nothing happened: the aim is met
        if target == 0:
            return Decimal("0.0")
        return (target / actual * 100).quantize(Decimal("0.1"))
    if target == 0:
        return None
    return (actual / target * 100).quantize(Decimal("0.1"))


def grade(percent: Decimal | None) -> str:
    if percent is None:
        return NOT_MEASURABLE
    if percent >= 100:
        return "A"
    if percent >= 80:
        return "B"
    if percent >= 50:
        return "C"
    return "D"


def mean(values: Iterable[Decimal | None]) -> Decimal | None:
    known = [v for v in values if v is not None]
    if not known:
        return None
    return (sum(known, Decimal(0)) / len(known)).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class RollUp:
    """The grades of the individual measures under a measure, a guideline or the whole plan."""

    counts: dict[str, int]
    grade: str

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def roll_up(grades: Iterable[str]) -> RollUp:
    c = Counter(grades)
    counts = {g: c.get(g, 0) for g in (*GRADES, NOT_MEASURABLE)}
    scored = [SCORE[g] for g in c.elements() if g in SCORE]
    if not scored:
        return RollUp(counts, NOT_MEASURABLE)
    avg = sum(scored) / len(scored)
    overall = "A" if avg >= 3.5 else "B" if avg >= 2.5 else "C" if avg >= 1.5 else "D"
    return RollUp(counts, overall)
