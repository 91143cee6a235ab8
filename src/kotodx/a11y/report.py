"""A check's results as a summary table (text), JSON, formula-safe CSV, EARL JSON-LD and a standalone HTML
page; the CLI and (later) the staff pages write the same documents."""

from __future__ import annotations

import html
import io
import json
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from kotodx.a11y import criteria
from kotodx.a11y.engine import PageResult
from kotodx.core import csvutil

ASSERTOR = {"@type": "Assertor", "name": "Koto DX accessibility checker (axe-core 4.14.1 + kotodx rules)"}


def summary_table(results: list[PageResult]) -> str:
    lines = [f"{'URL':<60} {'違反':>4} {'要確認':>6}  状態"]
    for r in results:
        state = r.error or "検査済み"
        lines.append(
            f"{r.url[:60]:<60} {len(r.violations):>4} {len(r.findings) - len(r.violations):>6}  {state}"
        )
    failed = Counter(sc for r in results for f in r.violations for sc in f.criteria)
    checked = [r for r in results if not r.error]
    lines.append("")
    lines.append(
        f"検査したページ {len(checked)} / {len(results)}、"
        f"違反のあるページ {sum(1 for r in checked if r.violations)}、"
        f"違反 {sum(len(r.violations) for r in checked)} 件"
    )
    if failed:
        lines.append(
            "満たしていない達成基準: "
            + "、".join(f"{sc} {criteria.title(sc)}（{n}）" for sc, n in sorted(failed.items()))
        )
    return "\n".join(lines) + "\n"


def as_json(results: list[PageResult]) -> str:
    return json.dumps(
        {
            "checked_at": datetime.now(UTC).isoformat(),
            "pages": [r.as_dict() for r in results],
        },
        ensure_ascii=False,
        indent=2,
    )


def as_csv(results: list[PageResult]) -> str:
    out = io.StringIO()
    rows = []
    for r in results:
        if r.error:
            rows.append([r.url, r.status or "", "", "", "", "", "", "", "", r.error])
        for f in r.findings:
            rows.append(
                [
                    r.url,
                    r.status or "",
                    f.rule,
                    " ".join(f.criteria),
                    " ".join(f.jis),
                    f.impact,
                    "要確認" if f.review else "違反",
                    f.selector,
                    f.html,
                    f.message,
                ]
            )
    csvutil.write_rows(
        out,
        [
            "URL",
            "HTTP",
            "ルール",
            "WCAG達成基準",
            "JIS X 8341-3",
            "影響度",
            "種別",
            "セレクタ",
            "HTML",
            "説明",
        ],
        rows,
    )
    return out.getvalue()


def as_earl(results: list[PageResult]) -> str:
    graph: list[dict[str, Any]] = []
    for r in results:
        assertions = []
        for rule, outcome in sorted(r.outcomes.items()):
            assertions.append(
                {
                    "@type": "Assertion",
                    "mode": "earl:automatic",
                    "assertedBy": ASSERTOR,
                    "test": {"@type": "TestCase", "title": rule},
                    "result": {
                        "@type": "TestResult",
                        "outcome": f"earl:{outcome}",
                        "pointer": [f.selector for f in r.findings if f.rule == rule][:20],
                    },
                }
            )
        graph.append({"@type": "TestSubject", "source": r.url, "assertions": assertions})
    doc = {"@context": "https://act-rules.github.io/earl-context.json", "@graph": graph}
    return json.dumps(doc, ensure_ascii=False, indent=2)


def as_html(results: list[PageResult]) -> str:
    e = html.escape
    parts = [
        "<!DOCTYPE html><html lang='ja'><head><meta charset='utf-8'>"
        "<title>アクセシビリティ検査の結果</title></head>",
        "<body><main><h1>アクセシビリティ検査の結果</h1>",
        f"<pre>{e(summary_table(results))}</pre>",
    ]
    for r in results:
        parts.append(f"<h2>{e(r.title or r.url)}</h2><p><a href='{e(r.url)}'>{e(r.url)}</a></p>")
        if r.error:
            parts.append(f"<p>{e(r.error)}</p>")
            continue
        if not r.findings:
            parts.append("<p>問題は見つかりませんでした。</p>")
            continue
        parts.append(
            "<table><caption>見つかった問題</caption><thead><tr>"
            + "".join(f"<th scope='col'>{h}</th>" for h in ("種別", "達成基準", "影響度", "説明", "場所"))
            + "</tr></thead><tbody>"
        )
        for f in r.findings:
            parts.append(
                f"<tr><td>{'要確認' if f.review else '違反'}</td><td>{e(' '.join(f.criteria))}</td>"
                f"<td>{e(f.impact)}</td><td>{e(f.message)}</td><td><code>{e(f.selector)}</code></td></tr>"
            )
        parts.append("</tbody></table>")
    parts.append("</main></body></html>")
    return "\n".join(parts)


FORMATS = {"json": as_json, "csv": as_csv, "earl": as_earl, "html": as_html}
