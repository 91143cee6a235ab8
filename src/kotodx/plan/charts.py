"""Small accessible SVG charts drawn on the server (no JavaScript): a KPI across fiscal years and the
spread of A/B/C/D grades. Each chart has a <title> and <desc>; pages show the same data as a table."""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from xml.sax.saxutils import escape

from django.utils.safestring import SafeString, mark_safe

ACTUAL = "#0017c1"  # design tokens: blue-900
TARGET = "#767676"  # solid-gray-536 (3:1 against white for graphics)
GRADE_COLOURS = {"A": "#115a36", "B": "#0017c1", "C": "#8a5300", "D": "#ce0000", "−": "#767676"}


def _nice_step(raw: float) -> float:
    """1, 2, 2.5 or 5 times a power of ten: axis labels people can read."""
    if raw <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * power:
            return m * power
    return 10 * power


def _fmt(v: Decimal | float | None) -> str:
    if v is None:
        return "—"
    d = Decimal(str(v)).normalize()
    return f"{d:,f}" if d == d.to_integral() else f"{d:,}"


def kpi_line_chart(
    *,
    title: str,
    unit: str,
    labels: Sequence[str],
    actual: Sequence[Decimal | None],
    target: Sequence[Decimal | None],
    chart_id: str,
    width: int = 560,
    height: int = 240,
) -> SafeString:
    """Actual (solid line, dots) against target (dashed line) for each fiscal year."""
    values = [float(v) for v in (*actual, *target) if v is not None]
    bottom = min(0.0, *values) if values else 0.0
    step = _nice_step(((max(values) if values else 1.0) - bottom) / 4)
    bottom = math.floor(bottom / step) * step
    top = bottom + step * 4
    while values and top < max(values):
        top += step
    ticks = int(round((top - bottom) / step))
    left, right, upper, lower = 64, 16, 24, 44
    plot_w, plot_h = width - left - right, height - upper - lower
    n = max(len(labels), 1)

    def x(i: int) -> float:
        return left + (plot_w * (i + 0.5) / n)

    def y(v: float) -> float:
        return upper + plot_h * (1 - (v - bottom) / (top - bottom))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" '
        f'role="img" aria-labelledby="{chart_id}-t {chart_id}-d" class="chart">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(_describe(labels, actual, target, unit))}</desc>',
    ]
    for i in range(ticks + 1):  # grid and axis labels
        v = bottom + step * i
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#cccccc"/>'
        )
        parts.append(
            f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end" font-size="11" fill="#333333">'
            f"{escape(_fmt(round(v, 1)))}</text>"
        )
    for i, label in enumerate(labels):
        parts.append(
            f'<text x="{x(i):.1f}" y="{height - lower + 18}" text-anchor="middle" font-size="11" '
            f'fill="#333333">{escape(label)}</text>'
        )
    parts.append(f'<text x="8" y="14" font-size="11" fill="#333333">（{escape(unit)}）</text>')

    def path(series: Sequence[Decimal | None]) -> str:
        segs, pen = [], "M"
        for i, v in enumerate(series):
            if v is None:
                pen = "M"
                continue
            segs.append(f"{pen}{x(i):.1f},{y(float(v)):.1f}")
            pen = "L"
        return " ".join(segs)

    if any(v is not None for v in target):
        parts.append(
            f'<path d="{path(target)}" fill="none" stroke="{TARGET}" stroke-width="2" '
            'stroke-dasharray="6 4"/>'
        )
    if any(v is not None for v in actual):
        parts.append(f'<path d="{path(actual)}" fill="none" stroke="{ACTUAL}" stroke-width="3"/>')
        for i, a in enumerate(actual):
            if a is not None:
                parts.append(f'<circle cx="{x(i):.1f}" cy="{y(float(a)):.1f}" r="4" fill="{ACTUAL}"/>')
    legend_y = height - 8
    parts.append(
        f'<line x1="{left}" x2="{left + 24}" y1="{legend_y - 4}" y2="{legend_y - 4}" stroke="{ACTUAL}" '
        f'stroke-width="3"/><text x="{left + 30}" y="{legend_y}" font-size="11" fill="#1a1a1a">実績</text>'
    )
    if any(v is not None for v in target):
        parts.append(
            f'<line x1="{left + 80}" x2="{left + 104}" y1="{legend_y - 4}" y2="{legend_y - 4}" '
            f'stroke="{TARGET}" stroke-width="2" stroke-dasharray="6 4"/><text x="{left + 110}" '
            f'y="{legend_y}" font-size="11" fill="#1a1a1a">目標</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308  (every text in it is escaped above)


def _describe(
    labels: Sequence[str], actual: Sequence[Decimal | None], target: Sequence[Decimal | None], unit: str
) -> str:
    return "、".join(
        f"{lb}: 実績 {_fmt(a)}{unit if a is not None else ''} / 目標 {_fmt(t)}{unit if t is not None else ''}"
        for lb, a, t in zip(labels, actual, target, strict=True)
    )


def grade_bar_chart(
    *, title: str, counts: dict[str, int], chart_id: str, width: int = 420, height: int = 200
) -> SafeString:
    """Bars of how many individual measures got each grade."""
    grades = [g for g in ("A", "B", "C", "D", "−") if g in counts]
    peak = max([counts[g] for g in grades] + [1])
    left, lower, upper = 40, 32, 16
    bar_w = (width - left - 16) / max(len(grades), 1)
    plot_h = height - lower - upper
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" '
        f'role="img" aria-labelledby="{chart_id}-t {chart_id}-d" class="chart">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape("、".join(f"{g}: {counts[g]}件" for g in grades))}</desc>',
    ]
    for i, g in enumerate(grades):
        h = plot_h * counts[g] / peak
        x0 = left + i * bar_w + bar_w * 0.15
        parts.append(
            f'<rect x="{x0:.1f}" y="{upper + plot_h - h:.1f}" width="{bar_w * 0.7:.1f}" height="{h:.1f}" '
            f'fill="{GRADE_COLOURS[g]}"/>'
        )
        parts.append(
            f'<text x="{x0 + bar_w * 0.35:.1f}" y="{upper + plot_h - h - 4:.1f}" text-anchor="middle" '
            f'font-size="13" fill="#1a1a1a">{counts[g]}</text>'
        )
        parts.append(
            f'<text x="{x0 + bar_w * 0.35:.1f}" y="{height - 10}" text-anchor="middle" font-size="14" '
            f'font-weight="bold" fill="#1a1a1a">{escape(g)}</text>'
        )
    parts.append(
        f'<line x1="{left}" x2="{width - 16}" y1="{upper + plot_h}" y2="{upper + plot_h}" stroke="#333333"/>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308
