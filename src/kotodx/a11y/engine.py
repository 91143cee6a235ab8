"""The checker engine: a page opened in the system Chromium (Playwright, no browser download), axe-core
(npm, unmodified, Japanese locale, WCAG 2.0/2.1/2.2 A and AA) injected into every frame, then our own
rules (rules/*.js) for what axe misses. Each finding names its rule, WCAG criteria and JIS X 8341-3
numbers, impact, selector, an HTML snippet, a Japanese explanation, and whether a person must confirm it."""

from __future__ import annotations

import contextlib
import json
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings

from kotodx.a11y import criteria

RULES_DIR = Path(__file__).parent / "rules"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


WATCH_MS = 1100  # how long a page with scripts is watched for text that changes by itself
WAIT_JS = """ms => {
  const w = window.__kotodxTextWatch;
  const scripted = document.scripts.length > 0 || !!document.querySelector('[onload]');
  return w && scripted ? Math.max(0, Math.round(ms - (performance.now() - w.started))) : 0;
}"""


@dataclass
class Finding:
    rule: str
    source: str  # "axe" or "kotodx"
    criteria: list[str]
    jis: list[str]
    impact: str
    selector: str
    html: str
    message: str
    help_url: str = ""
    review: bool = False  # a person must confirm it (axe "incomplete", or one of our advisory rules)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class PageResult:
    url: str
    final_url: str = ""
    status: int | None = None
    title: str = ""
    error: str = ""
    findings: list[Finding] = field(default_factory=list)
    outcomes: dict[str, str] = field(default_factory=dict)  # rule → failed/cantTell/passed/inapplicable
    links: list[str] = field(default_factory=list)  # same-site pages it links to (kept to resume a crawl)

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if not f.review]

    def as_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "final_url": self.final_url,
            "status": self.status,
            "title": self.title,
            "error": self.error,
            "violations": len(self.violations),
            "reviews": len(self.findings) - len(self.violations),
            "findings": [f.as_dict() for f in self.findings],
        }


def chromium_path() -> str:
    return str(getattr(settings, "CHROMIUM", "/usr/bin/chromium"))


@cache
def axe_source() -> str:
    path = Path(settings.NODE_MODULES) / "axe-core" / "axe.min.js"
    if not path.exists():
        raise FileNotFoundError(f"axe-core がありません: {path}（make setup で npm から入ります）")
    return path.read_text(encoding="utf-8")


@cache
def axe_locale() -> dict[str, Any]:
    path = Path(settings.NODE_MODULES) / "axe-core" / "locales" / "ja.json"
    return dict(json.loads(path.read_text(encoding="utf-8")))


@cache
def axe_with_locale() -> str:
    """axe-core with its Japanese locale, as one script. Given to a browser context as an init script
    (crawler), it is in every document and frame before the page's own scripts, sent once, not per page;
    the marker says it is ours (a page may have an `axe` of its own)."""
    locale = json.dumps(axe_locale(), ensure_ascii=False)
    return f"{axe_source()}\n;axe.configure({{locale: {locale}}}); window.__kotodxAxe = window.axe;"


AXE_READY = "() => !!window.axe && window.__kotodxAxe === window.axe"


@cache
def rules_source() -> str:
    files = sorted(RULES_DIR.glob("*.js"), key=lambda p: (p.name != "_runtime.js", p.name))
    return "\n".join(p.read_text(encoding="utf-8") for p in files)


def launch(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=chromium_path(), args=BROWSER_ARGS)


def check_loaded_page(
    page: Any,
    *,
    engine: str = "full",
    axe_rules: list[str] | None = None,
    keyboard: bool = True,
    seen: set[str] | None = None,
) -> PageResult:
    """Run axe (and, for engine "full", our rules; with keyboard, the checks that press keys) on the page
    as it is now."""
    result = PageResult(url=page.url, final_url=page.url)
    try:
        result.title = page.title()
    except Exception:  # a page without a document (an image, a PDF viewer)
        result.title = ""
    for frame in page.frames:
        with contextlib.suppress(Exception):  # a frame that went away or refuses scripts: axe says so
            if not frame.evaluate(AXE_READY):
                frame.evaluate(axe_with_locale())
    options: dict[str, Any] = {"resultTypes": ["violations", "incomplete"]}
    if axe_rules is not None:
        options["runOnly"] = {"type": "rule", "values": axe_rules}
    else:
        options["runOnly"] = {"type": "tag", "values": AXE_TAGS}
    raw: dict[str, Any] = {"violations": [], "incomplete": [], "passes": []}
    if engine == "full":
        # our rules first (axe does not see them): text that changes by itself is watched from now on
        page.evaluate(rules_source())
        page.evaluate("() => kotodxWatchText()")
    if axe_rules != []:
        # for engine "full", our corrections to axe's results are made in the page, in the same round trip
        run = (
            "axe.run(document, options).then(kotodxAdjustAxe)"
            if engine == "full"
            else "axe.run(document, options)"
        )
        raw = page.evaluate(f"options => {run}", options)
    elif engine == "full":
        raw = page.evaluate("raw => kotodxAdjustAxe(raw)", raw)
    if engine == "full":
        # a page with scripts is watched for at least WATCH_MS (axe usually takes longer than that)
        wait = page.evaluate(WAIT_JS, WATCH_MS)
        if wait > 0:
            page.wait_for_timeout(wait)
    for kind, outcome in (("violations", "failed"), ("incomplete", "cantTell")):
        for rule in raw[kind]:
            result.outcomes[rule["id"]] = _worse(result.outcomes.get(rule["id"]), outcome)
            sc = criteria.criteria_from_tags(rule["tags"])
            for node in rule["nodes"]:
                result.findings.append(
                    Finding(
                        rule=rule["id"],
                        source="axe",
                        criteria=sc,
                        jis=[j for j in map(criteria.jis_number, sc) if j],
                        impact=node.get("impact") or rule.get("impact") or "",
                        selector=" ".join(str(t) for t in _flatten(node["target"])),
                        html=node["html"][:300],
                        message=_axe_message(rule, node),
                        help_url=rule["helpUrl"],
                        review=outcome == "cantTell",
                    )
                )
    for rule in raw.get("passes", []):
        result.outcomes.setdefault(rule["id"], "passed")
    if engine == "full":
        ours = page.evaluate("() => runKotodxRules()")
        ours += page.evaluate("() => kotodxAutoplay()")
        if keyboard:
            from kotodx.a11y import interaction

            ours += interaction.run(page, seen)
        for rule in ours:
            result.outcomes[rule["id"]] = rule["outcome"]
            if rule["outcome"] not in ("failed", "cantTell"):
                continue
            for node in rule["nodes"]:
                result.findings.append(
                    Finding(
                        rule=rule["id"],
                        source="kotodx",
                        criteria=rule["sc"],
                        jis=[j for j in map(criteria.jis_number, rule["sc"]) if j],
                        impact=rule["impact"],
                        selector=node["selector"],
                        html=node["html"],
                        message=f"{rule['help']} {node['message'] or ''}".strip(),
                        review=rule["review"] or rule["outcome"] == "cantTell",
                    )
                )
    return result


def axe_act_map(page: Any) -> dict[str, list[str]]:
    """ACT rule id → the axe-core rules that implement it (axe's own actIds), read from the loaded axe."""
    page.evaluate(axe_source())
    pairs = page.evaluate("() => axe._audit.rules.map(r => [r.id, r.actIds || []])")
    out: dict[str, list[str]] = {}
    for rule_id, act_ids in pairs:
        for act in act_ids:
            out.setdefault(act, []).append(rule_id)
    return out


def custom_act_map(page: Any) -> dict[str, list[str]]:
    from kotodx.a11y import interaction

    page.evaluate(rules_source())
    pairs = page.evaluate("() => window.__kotodxRules.map(r => [r.id, r.actIds || []])")
    pairs += [[r["id"], r["actIds"]] for r in page.evaluate("() => kotodxAutoplay()")]
    pairs += [[rule_id, act_ids] for rule_id, act_ids in interaction.ACT_IDS.items()]
    out: dict[str, list[str]] = {}
    for rule_id, act_ids in pairs:
        for act in act_ids:
            out.setdefault(act, []).append(rule_id)
    return out


def _worse(a: str | None, b: str) -> str:
    order = ["inapplicable", "passed", "cantTell", "failed"]
    return b if a is None or order.index(b) > order.index(a) else a


def _flatten(target: Any) -> list[Any]:
    if isinstance(target, list):
        return [x for t in target for x in _flatten(t)]
    return [target]


def _axe_message(rule: dict[str, Any], node: dict[str, Any]) -> str:
    summary = node.get("failureSummary") or ""
    return f"{rule['help']}。{summary}".strip() if summary else rule["help"]
