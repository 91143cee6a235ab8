"""Scoring an engine against the W3C ACT Rules test cases, the way W3C scores implementations.

The folder (like tests/data/act, or a full copy of w3c/wcag-act-rules) is served on loopback so that
/WAI/content-assets/... resolves;
each test case is opened in Chromium and checked; an ACT rule's outcome on a case is "failed" when any
rule of ours or axe's that implements it fails, "cantTell" when one needs review, else passed.

Per ACT rule: *consistent* when every expected failure is reported failed and no passed or inapplicable
case is reported failed; *partial* when no case is falsely failed and some, not all, expected failures
are reported (failed or cantTell); *inconsistent* when a passed/inapplicable case is reported failed or
no expected failure is found; *untested* when the engine has no rule for it."""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from kotodx.a11y import engine as checker

TESTCASES = Path("content-assets") / "wcag-act-rules" / "testcases.json"
PREFIX = "/WAI/content-assets/wcag-act-rules/"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    # As W3C serves them: the test cases are UTF-8 and many say so only in the HTTP header.
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".html": "text/html; charset=utf-8",
        ".xml": "application/xml; charset=utf-8",
        ".svg": "image/svg+xml; charset=utf-8",
        ".css": "text/css; charset=utf-8",
        ".js": "text/javascript; charset=utf-8",
    }

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve folder/content-assets as /WAI/content-assets on a free loopback port."""
    root = Path(tempfile.mkdtemp())
    (root / "WAI").mkdir()
    (root / "WAI" / "content-assets").symlink_to((folder / "content-assets").resolve())
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def load_testcases(folder: Path) -> list[dict[str, Any]]:
    path = folder / TESTCASES
    if not path.exists():
        raise FileNotFoundError(f"{path} がありません（ACT のテストケースのフォルダを指定してください）")
    return list(json.loads(path.read_text(encoding="utf-8"))["testcases"])


def run(
    folder: Path,
    *,
    engine: str = "full",
    progress: Callable[[int, int], None] | None = None,
    rule_filter: set[str] | None = None,
) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    cases = [c for c in load_testcases(folder) if not rule_filter or c["ruleId"] in rule_filter]
    results: list[dict[str, Any]] = []
    with serve(folder) as base, sync_playwright() as pw:
        browser = checker.launch(pw)
        context = browser.new_context(locale="ja-JP")
        page = context.new_page()
        page.goto(base + PREFIX + "testcases.json")
        mapping = checker.axe_act_map(page)
        if engine == "full":
            for act, ours in checker.custom_act_map(page).items():
                mapping.setdefault(act, []).extend(ours)
        for n, case in enumerate(cases, start=1):
            implementing = mapping.get(case["ruleId"], [])
            outcome = "untested"
            error = ""
            if implementing:
                outcome, error = _check_case(
                    context, base + PREFIX + case["relativePath"], engine, implementing
                )
            results.append(
                {
                    "ruleId": case["ruleId"],
                    "testcaseId": case["testcaseId"],
                    "url": case["url"],
                    "expected": case["expected"],
                    "outcome": outcome,
                    "approved": case.get("approved", False),
                    "rules": implementing,
                    **({"error": error} if error else {}),
                }
            )
            if progress:
                progress(n, len(cases))
        browser.close()
    return score(results, cases)


def _check_case(context: Any, url: str, engine: str, implementing: list[str]) -> tuple[str, str]:
    page = context.new_page()
    try:
        response = None
        try:
            response = page.goto(url, wait_until="load", timeout=15000)
        except Exception as exc:  # a media page that never finishes loading: check what is there
            if "Timeout" not in type(exc).__name__:
                return "cantTell", str(exc)[:200]
        content_type = (response.headers.get("content-type", "") if response else "").split(";")[0]
        if engine == "full" and content_type.endswith("/xml"):
            # An XML document is no web page: Chromium shows it in its own (HTML) viewer, which is not
            # what the test case is about. Our checker checks HTML and SVG; the rules do not apply here.
            return "passed", ""
        axe_rules = [r for r in implementing if not r.startswith("kotodx-")]
        result = checker.check_loaded_page(page, engine=engine, axe_rules=axe_rules)
        outcomes = [result.outcomes.get(r, "passed") for r in implementing]
        if "failed" in outcomes:
            return "failed", ""
        if "cantTell" in outcomes:
            return "cantTell", ""
        return "passed", ""
    except Exception as exc:  # a page that crashes the check is recorded, not fatal
        return "cantTell", str(exc)[:200]
    finally:
        page.close()


def score(results: list[dict[str, Any]], cases: list[dict[str, Any]]) -> dict[str, Any]:
    rules: dict[str, dict[str, Any]] = {}
    for case in cases:
        rules.setdefault(
            case["ruleId"],
            {"name": case["ruleName"], "approved": case.get("approved", False), "cases": []},
        )
    for r in results:
        rules[r["ruleId"]]["cases"].append(r)
    for rule in rules.values():
        rule["outcome"] = _consistency(rule["cases"])
    summary: dict[str, Any] = {}
    for scope, chosen in (
        ("approved", [r for r in rules.values() if r["approved"]]),
        ("all", list(rules.values())),
    ):
        counts = {k: 0 for k in ("consistent", "partial", "inconsistent", "untested")}
        for rule in chosen:
            counts[rule["outcome"]] += 1
        summary[scope] = {"rules": len(chosen), **counts}
    return {"rules": rules, "summary": summary}


def _consistency(cases: list[dict[str, Any]]) -> str:
    if not cases or all(c["outcome"] == "untested" for c in cases):
        return "untested"
    false_failures = [c for c in cases if c["expected"] != "failed" and c["outcome"] == "failed"]
    expected_failures = [c for c in cases if c["expected"] == "failed"]
    found = [c for c in expected_failures if c["outcome"] == "failed"]
    noticed = [c for c in expected_failures if c["outcome"] in ("failed", "cantTell")]
    if false_failures:
        return "inconsistent"
    if len(found) == len(expected_failures):
        return "consistent"
    if noticed:
        return "partial"
    return "inconsistent"


def earl(report: dict[str, Any], *, engine: str) -> dict[str, Any]:
    """The results as an EARL JSON-LD report, as W3C's ACT implementation reports are."""
    name = (
        "axe-core 4.14.1"
        if engine == "axe"
        else "Koto DX accessibility checker (axe-core 4.14.1 + kotodx rules)"
    )
    graph = []
    for rule_id, rule in report["rules"].items():
        for case in rule["cases"]:
            if case["outcome"] == "untested":
                continue
            graph.append(
                {
                    "@type": "TestSubject",
                    "source": case["url"],
                    "assertions": [
                        {
                            "@type": "Assertion",
                            "mode": "earl:automatic",
                            "test": {"@type": "TestCase", "title": rule_id},
                            "result": {"@type": "TestResult", "outcome": f"earl:{case['outcome']}"},
                            "assertedBy": {"@type": "Assertor", "name": name},
                        }
                    ],
                }
            )
    return {"@context": "https://act-rules.github.io/earl-context.json", "@graph": graph}
