"""The annual progress report (the document the ward gives its council) in HTML, PDF, CSV and JSON,
the progress dashboard and the final evaluation of an ended plan — all read from one PlanView."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Max
from django.template.loader import render_to_string
from django.utils import timezone

from kotodx.core.csvutil import safe_cell
from kotodx.core.fiscal import FiscalYear
from kotodx.plan import charts, evaluation
from kotodx.plan.models import Kpi, ProgressEntry
from kotodx.plan.selectors import EntryRow, PlanView


def kpi_chart(view: PlanView, kpi: Kpi) -> dict[str, Any]:
    """A KPI across every year of its plan and of the plans it continues: chart and table rows."""
    series = view.kpi_series(kpi)
    labels = [c.fy.label for c in series]
    return {
        "kpi": kpi,
        "cells": series,
        "svg": charts.kpi_line_chart(
            title=f"{kpi.name}の推移（{kpi.unit}）",
            unit=kpi.unit,
            labels=[
                f"R{c.fy.era.year_of(c.fiscal_year)}" if c.fy.era.name == "令和" else c.fy.label
                for c in series
            ],
            actual=[c.actual for c in series],
            target=[c.target for c in series],
            chart_id=f"kpi-{kpi.pk}",
        ),
        "labels": labels,
        "spans_plans": bool(kpi.continues_id),
    }


def dashboard(view: PlanView, fy: int) -> dict[str, Any]:
    rollup = view.roll_up(fy)
    by_measure = []
    for measure in view.plan.measures.select_related("guideline").order_by("number"):
        rows = [r for r in view.rows_for_year(fy) if r.im.measure_id == measure.pk]
        by_measure.append(
            {"measure": measure, "rows": rows, "rollup": view.roll_up(fy, measure_id=measure.pk)}
        )
    status_counts: dict[str, int] = {label: 0 for _v, label in ProgressEntry.Status.choices}
    for r in view.rows_for_year(fy):
        if r.entry is not None:
            status_counts[r.entry.get_status_display()] += 1
    trend = [{"fy": FiscalYear(y), "counts": view.roll_up(y).counts} for y in view.fiscal_years]
    return {
        "fy": FiscalYear(fy),
        "rollup": rollup,
        "by_measure": by_measure,
        "status_counts": status_counts,
        "trend": trend,
        "approved": view.approved_count(fy),
        "total": len(view.individual_measures),
        "chart": charts.grade_bar_chart(
            title=f"{FiscalYear(fy).label}の評価の分布（個別施策の数）",
            counts=rollup.counts,
            chart_id=f"grades-{fy}",
        ),
    }


def report_context(view: PlanView, fy: int) -> dict[str, Any]:
    plan = view.plan
    sections = []
    for guideline in plan.guidelines.prefetch_related("measures").order_by("number"):
        measures = []
        for measure in guideline.measures.order_by("number"):
            rows = [r for r in view.rows_for_year(fy) if r.im.measure_id == measure.pk]
            measures.append(
                {
                    "measure": measure,
                    "rollup": view.roll_up(fy, measure_id=measure.pk),
                    "rows": [{"row": r, "charts": [kpi_chart(view, c.kpi) for c in r.cells]} for r in rows],
                }
            )
        sections.append(
            {
                "guideline": guideline,
                "measures": measures,
                "rollup": view.roll_up(fy, guideline_id=guideline.pk),
            }
        )
    return {
        "plan": plan,
        "view": view,
        "fy": FiscalYear(fy),
        "sections": sections,
        "dashboard": dashboard(view, fy),
        "generated_at": timezone.localtime(),
        "grade_labels": evaluation.GRADE_LABELS,
        "complete": view.approved_count(fy) == len(view.individual_measures),
        "has_demo": any(r.entry is not None and r.entry.is_demo for r in view.rows_for_year(fy)),
    }


def report_pdf(view: PlanView, fy: int, *, base_url: str) -> bytes:
    """The printable report. Rendering Japanese text takes seconds, so a PDF is kept in the cache until
    anything it shows changes (an entry, a target or the plan itself)."""
    key = f"plan-report-pdf:{view.plan.pk}:{fy}:{_fingerprint(view, fy)}"
    cached = cache.get(key)
    if cached is not None:
        return bytes(cached)
    from weasyprint import HTML  # imported here: loading pango is only needed for a PDF

    html = render_to_string("plan/report_print.html", report_context(view, fy))
    pdf: bytes = HTML(string=html, base_url=base_url).write_pdf()
    cache.set(key, pdf, timeout=7 * 24 * 3600)
    return pdf


def _fingerprint(view: PlanView, fy: int) -> str:
    entries = ProgressEntry.objects.filter(individual_measure__plan=view.plan, fiscal_year=fy).aggregate(
        n=Count("id"), last=Max("updated_at")
    )
    revision = view.plan.revisions.aggregate(last=Max("id"))["last"]
    parts = [
        view.plan.updated_at.isoformat(),
        str(entries["n"]),
        str(entries["last"]),
        str(revision),
        str(view.plan.kpis.aggregate(last=Max("targets__id"))["last"]),
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:24]


def _num(v: Decimal | None) -> str:
    if v is None:
        return ""
    return f"{v.normalize():f}"


CSV_HEADER = [
    "年度",
    "指針",
    "施策番号",
    "施策",
    "個別施策番号",
    "個別施策",
    "取組状況",
    "評価",
    "評価の修正理由",
    "指標",
    "単位",
    "方向",
    "基準値",
    "基準年度",
    "目標値",
    "実績値",
    "達成率(%)",
    "指標の評価",
    "実績",
    "課題",
    "次年度の方向性",
    "承認状況",
]


def _rows(view: PlanView, fy: int) -> list[tuple[EntryRow, Any]]:
    out: list[tuple[EntryRow, Any]] = []
    for r in view.rows_for_year(fy):
        out.extend((r, cell) for cell in r.cells)
        if not r.cells:
            out.append((r, None))
    return out


def report_csv(view: PlanView, fy: int) -> bytes:
    """UTF-8 with BOM so that Excel opens it as Japanese; one line per individual measure and KPI."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for r, cell in _rows(view, fy):
        e = r.entry
        kpi = cell.kpi if cell else None
        writer.writerow(
            [
                safe_cell(v)
                for v in [
                    FiscalYear(fy).label,
                    r.im.measure.guideline.name,
                    r.im.measure.number,
                    r.im.measure.name,
                    r.im.number,
                    r.im.name,
                    e.get_status_display() if e else "未登録",
                    r.grade if e else "",
                    e.override_reason if e else "",
                    kpi.name if kpi else "",
                    kpi.unit if kpi else "",
                    kpi.get_direction_display() if kpi else "",
                    _num(kpi.baseline_value) if kpi else "",
                    FiscalYear(kpi.baseline_fy).label if kpi and kpi.baseline_fy else "",
                    _num(cell.target) if cell else "",
                    _num(cell.actual) if cell else "",
                    _num(cell.achievement) if cell else "",
                    cell.grade if cell else "",
                    e.results if e else "",
                    e.issues if e else "",
                    e.next_direction if e else "",
                    e.get_state_display() if e else "",
                ]
            ]
        )
    return out.getvalue().encode("utf-8")


def report_json(view: PlanView, fy: int) -> str:
    plan = view.plan
    measures: list[dict[str, Any]] = []
    doc: dict[str, Any] = {
        "plan": {
            "code": plan.code,
            "title": plan.title,
            "municipality": plan.municipality,
            "municipality_code": plan.municipality_code,
            "period": [plan.start_fy, plan.end_fy],
            "vision": plan.vision,
            "is_example": plan.is_example,
            "kpis_are_examples": plan.kpis_are_examples,
        },
        "fiscal_year": fy,
        "fiscal_year_label": FiscalYear(fy).label,
        "overall": {"evaluation": view.roll_up(fy).grade, "counts": view.roll_up(fy).counts},
        "individual_measures": measures,
        "license": "CC BY 4.0",
    }
    for r in view.rows_for_year(fy):
        e = r.entry
        measures.append(
            {
                "number": r.im.number,
                "name": r.im.name,
                "measure": {"number": r.im.measure.number, "name": r.im.measure.name},
                "guideline": r.im.measure.guideline.name,
                "status": e.get_status_display() if e else None,
                "evaluation": r.grade if e else None,
                "evaluation_overridden": r.overridden,
                "override_reason": e.override_reason if e and r.overridden else "",
                "results": e.results if e else None,
                "issues": e.issues if e else None,
                "next_direction": e.next_direction if e else None,
                "demo_data": bool(e and e.is_demo),
                "kpis": [
                    {
                        "code": c.kpi.code,
                        "name": c.kpi.name,
                        "unit": c.kpi.unit,
                        "direction": c.kpi.direction,
                        "baseline": _num(c.kpi.baseline_value) or None,
                        "baseline_fy": c.kpi.baseline_fy,
                        "target": _num(c.target) or None,
                        "actual": _num(c.actual) or None,
                        "achievement_percent": _num(c.achievement) or None,
                        "evaluation": c.grade,
                    }
                    for c in r.cells
                ],
            }
        )
    return json.dumps(doc, ensure_ascii=False, indent=2)


def final_evaluation(view: PlanView) -> dict[str, Any]:
    """The five-year picture of each individual measure: its KPIs' trends and a suggested final grade
    (the mean achievement of every KPI-year with figures)."""
    measures: list[dict[str, Any]] = []
    for im in view.individual_measures:
        rows = view.rows_for_measure(im)
        achievements = [c.achievement for r in rows if r.entry is not None for c in r.cells]
        grade = evaluation.grade(evaluation.mean(achievements))
        measures.append(
            {
                "im": im,
                "rows": rows,
                "grade": grade,
                "final": im.final_evaluation or "",
                "charts": [kpi_chart(view, k) for k in im.kpis.all()],
            }
        )
    overall = evaluation.roll_up(m["final"] or m["grade"] for m in measures)
    return {"measures": measures, "overall": overall}
