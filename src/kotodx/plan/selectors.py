"""Reads of the plan hub: a plan with its progress, evaluated, in a handful of queries.

``plan_view(plan, internal=False)`` is what the public pages, the annual report, the dashboard and the
API all read: per individual measure and fiscal year the entry that counts (the approved one for the
public; the one being worked on for staff), its KPI figures (typed in, or live from the metrics registry
until the year is approved) and its evaluation, with roll-ups to measure, guideline and plan.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.db.models import Prefetch, QuerySet

from kotodx.core.fiscal import FiscalYear
from kotodx.core.models import User
from kotodx.core.selectors import is_ward_wide
from kotodx.plan import evaluation, metrics
from kotodx.plan.models import IndividualMeasure, Kpi, Plan, ProgressEntry

State = ProgressEntry.State


def plans_list() -> QuerySet[Plan]:
    return Plan.objects.select_related("predecessor").order_by("is_example", "-start_fy")


def plan_for_fiscal_year(fy: int) -> Plan | None:
    """The plan in force in a fiscal year (a real plan before an example one)."""
    return Plan.objects.filter(start_fy__lte=fy, end_fy__gte=fy).order_by("is_example", "-start_fy").first()


@dataclass
class KpiCell:
    kpi: Kpi
    fiscal_year: int
    target: Decimal | None
    actual: Decimal | None
    live: bool = False  # figure read now from the module (not yet frozen by approval)
    connected: bool = True  # False: the KPI names a metric no installed module provides

    @property
    def achievement(self) -> Decimal | None:
        return evaluation.achievement(self.actual, self.target, self.kpi.direction)

    @property
    def grade(self) -> str:
        return evaluation.grade(self.achievement)

    @property
    def fy(self) -> FiscalYear:
        return FiscalYear(self.fiscal_year)


@dataclass
class EntryRow:
    im: IndividualMeasure
    fiscal_year: int
    entry: ProgressEntry | None
    cells: list[KpiCell]

    @property
    def achievement(self) -> Decimal | None:
        return evaluation.mean(c.achievement for c in self.cells)

    @property
    def auto_grade(self) -> str:
        return evaluation.grade(self.achievement)

    @property
    def grade(self) -> str:
        if self.entry is not None and self.entry.evaluation_override:
            return self.entry.evaluation_override
        return (
            self.auto_grade
            if self.entry is not None or any(c.actual is not None for c in self.cells)
            else (evaluation.NOT_MEASURABLE)
        )

    @property
    def overridden(self) -> bool:
        return bool(self.entry and self.entry.evaluation_override)

    @property
    def fy(self) -> FiscalYear:
        return FiscalYear(self.fiscal_year)


@dataclass
class PlanView:
    plan: Plan
    internal: bool
    individual_measures: list[IndividualMeasure]
    rows: dict[tuple[int, int], EntryRow] = field(default_factory=dict)

    @property
    def fiscal_years(self) -> list[int]:
        return list(range(self.plan.start_fy, self.plan.end_fy + 1))

    def row(self, im: IndividualMeasure, fy: int) -> EntryRow:
        return self.rows[(im.pk, fy)]

    def rows_for_year(self, fy: int) -> list[EntryRow]:
        return [self.rows[(im.pk, fy)] for im in self.individual_measures]

    def rows_for_measure(self, im: IndividualMeasure) -> list[EntryRow]:
        return [self.rows[(im.pk, fy)] for fy in self.fiscal_years]

    def roll_up(
        self, fy: int, *, measure_id: int | None = None, guideline_id: int | None = None
    ) -> evaluation.RollUp:
        rows = [r for r in self.rows_for_year(fy) if r.entry is not None]
        if measure_id is not None:
            rows = [r for r in rows if r.im.measure_id == measure_id]
        if guideline_id is not None:
            rows = [r for r in rows if r.im.measure.guideline_id == guideline_id]
        return evaluation.roll_up(r.grade for r in rows)

    def approved_count(self, fy: int) -> int:
        return sum(
            1 for r in self.rows_for_year(fy) if r.entry is not None and r.entry.state == State.APPROVED
        )

    @cached_property
    def latest_year_with_data(self) -> int | None:
        years = [fy for fy in self.fiscal_years if any(r.entry for r in self.rows_for_year(fy))]
        return years[-1] if years else None

    def kpi_series(self, kpi: Kpi) -> list[KpiCell]:
        """This plan's figures of a KPI, preceded by those of the KPIs it continues (earlier plans)."""
        own = [
            c
            for fy in self.fiscal_years
            for c in self.rows[(kpi.individual_measure_id, fy)].cells
            if c.kpi.pk == kpi.pk
        ]
        earlier: list[KpiCell] = []
        previous = kpi.continues
        seen = {kpi.pk}
        while previous is not None and previous.pk not in seen:
            seen.add(previous.pk)
            view = plan_view(previous.plan, internal=False)
            earlier = [
                c
                for fy in view.fiscal_years
                for c in view.rows[(previous.individual_measure_id, fy)].cells
                if c.kpi.pk == previous.pk
            ] + earlier
            previous = previous.continues
        return earlier + own


def plan_view(plan: Plan, *, internal: bool = False) -> PlanView:
    """The whole plan with its progress. ``internal`` shows entries still under review (staff only)."""
    kpis = Kpi.objects.select_related("continues__plan").prefetch_related("targets")
    ims = list(
        IndividualMeasure.objects.filter(plan=plan)
        .select_related("measure__guideline")
        .prefetch_related("departments", Prefetch("kpis", queryset=kpis))
        .order_by("number")
    )
    entries = ProgressEntry.objects.filter(individual_measure__plan=plan).exclude(state=State.SUPERSEDED)
    if not internal:
        entries = entries.filter(state=State.APPROVED)
    chosen: dict[tuple[int, int], ProgressEntry] = {}
    for e in entries.prefetch_related("actuals").order_by("revision"):
        key = (e.individual_measure_id, e.fiscal_year)
        # Staff see the newest revision being worked on; the public the approved one.
        chosen[key] = e
    view = PlanView(plan=plan, internal=internal, individual_measures=ims)
    current_fy = FiscalYear.current().year
    for im in ims:
        for fy in view.fiscal_years:
            entry = chosen.get((im.pk, fy))
            actuals = {a.kpi_id: a for a in entry.actuals.all()} if entry else {}
            cells = []
            for kpi in im.kpis.all():
                target = next((t.value for t in kpi.targets.all() if t.fiscal_year == fy), None)
                a = actuals.get(kpi.pk)
                cell = KpiCell(kpi=kpi, fiscal_year=fy, target=target, actual=a.value if a else None)
                if not kpi.is_manual:
                    cell.connected = metrics.get(kpi.source) is not None
                    frozen = entry is not None and entry.state == State.APPROVED and a is not None
                    if not frozen and cell.connected and fy <= current_fy and (entry is not None or internal):
                        cell.actual = metrics.value(kpi.source, FiscalYear(fy))
                        cell.live = True
                cells.append(cell)
            view.rows[(im.pk, fy)] = EntryRow(im=im, fiscal_year=fy, entry=entry, cells=cells)
    return view


def entry_history(entry: ProgressEntry) -> QuerySet[ProgressEntry]:
    return ProgressEntry.objects.filter(
        individual_measure=entry.individual_measure, fiscal_year=entry.fiscal_year
    ).order_by("revision")


def worklist(user: User) -> dict[str, QuerySet[ProgressEntry]]:
    """Entries waiting for this user's step of the workflow."""
    base = ProgressEntry.objects.select_related("individual_measure__plan").order_by(
        "fiscal_year", "individual_measure__number"
    )
    lists: dict[str, QuerySet[ProgressEntry]] = {}
    if user.has_perm("plan.draft_progress"):
        mine = base.filter(state__in=ProgressEntry.EDITABLE)
        if not is_ward_wide(user):
            mine = mine.filter(individual_measure__departments=user.department_id)
        lists["作成中・差戻し（所管部署）"] = mine
    if user.has_perm("plan.check_progress"):
        lists["情報システム課の確認待ち"] = base.filter(state=State.SUBMITTED)
    if user.has_perm("plan.review_progress"):
        lists["専門部会の審査待ち"] = base.filter(state=State.IT_CHECKED)
    if user.has_perm("plan.approve_progress"):
        lists["推進委員会の承認待ち"] = base.filter(state=State.REVIEWED)
    return lists


def grade_distribution(view: PlanView) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = defaultdict(dict)
    for fy in view.fiscal_years:
        out[fy] = view.roll_up(fy).counts
    return dict(out)
