"""The test report in the form Japanese public bodies publish it (WAIC's 試験結果の表示例 for
JIS X 8341-3:2016): the standard, the target level and the degree of conformance, the scope, the
technologies relied on, how pages were chosen, the pages tested, the period, and the checklist of every
level A and AA success criterion with 適用・結果・注記. A person's judgement wins over the automatic result;
a criterion with automatic violations and no judgement is 不適合; one without either is 未判定 (automatic
checks found nothing, a person has not yet confirmed it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kotodx.a11y import criteria
from kotodx.a11y.models import Judgement, Scan, ScanFinding


@dataclass
class Row:
    number: str
    title: str
    level: str
    applies: bool
    result: str  # 適合 / 不適合 / 適用なし / 未判定
    note: str
    violations: int
    judged: bool


def jis_criteria(target: str = "AA") -> list[tuple[str, str, str]]:
    levels = ("A",) if target == "A" else ("A", "AA")
    return [(n, e[2], e[0]) for n, e in criteria.CRITERIA.items() if e[1] == "2.0" and e[0] in levels]


def rows(scan: Scan) -> list[Row]:
    counts: dict[str, int] = {}
    for f in ScanFinding.objects.filter(page__scan=scan, review=False).only("criteria"):
        for c in f.criteria:
            counts[c] = counts.get(c, 0) + 1
    judged = {j.criterion: j for j in scan.judgements.all()}
    out = []
    for number, title, level in jis_criteria():
        j = judged.get(number)
        v = counts.get(number, 0)
        if j is not None:
            result, note = j.get_result_display(), j.note
        elif v:
            result, note = "不適合", f"自動検査で {v} 件の違反"
        else:
            result, note = "未判定", "自動検査では違反なし（人による確認前）"
        out.append(
            Row(
                number,
                title,
                level,
                not (j and j.result == Judgement.Result.NOT_APPLICABLE),
                result,
                note,
                v,
                j is not None,
            )
        )
    return out


def degree(table: list[Row]) -> str:
    """準拠 when every criterion is judged and none fails; 一部準拠 otherwise (the test was done)."""
    if any(r.result == "不適合" for r in table):
        return "一部準拠"
    if all(r.judged for r in table):
        return "準拠"
    return "一部準拠（試験中）"


def report(scan: Scan) -> dict[str, Any]:
    table = rows(scan)
    pages = list(scan.pages.exclude(error__gt="").order_by("position"))
    return {
        "scan": scan,
        "rows": table,
        "degree": degree(table),
        "standard": "JIS X 8341-3:2016",
        "target": "AA",
        "pages": pages,
        "technologies": "HTML、CSS、JavaScript、WAI-ARIA、SVG",
        "selection": scan.selection,
        "counts": {
            "pass": sum(1 for r in table if r.result == "適合"),
            "fail": sum(1 for r in table if r.result == "不適合"),
            "na": sum(1 for r in table if r.result == "適用なし"),
            "open": sum(1 for r in table if r.result == "未判定"),
        },
    }
