"""The accessibility checker against pa11y-ci in one run (`python -m bench.a11y_bench`, in `make bench`).

A local copy of 100 pages — the first 100 HTML test cases of the W3C ACT Rules (the full set when
KOTODX_BENCH_ACT names it, else the subset shipped in tests/data/act; varied real markup, many with known
problems) — served on loopback. The pa11y anchor (the peer rig `pa11y-anchor/run.sh` in
KOTODX_BENCH_PEERS, by default ../shared/bench beside the checkout: pa11y-ci 4, axe runner, WCAG2AA, the
system Chromium) checks them at concurrency 2; then our checker checks the same URLs at concurrency 2,
with all its rules (axe-core, ours, keyboard checks) and with axe-core alone. Reported: pages per minute
(browser start included, as pa11y's) and findings, as ratios against pa11y in the same run."""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
import time
from pathlib import Path

from bench.peers import PEERS, absent

ANCHOR = PEERS / "pa11y-anchor"
ACT = Path(
    os.environ.get("KOTODX_BENCH_ACT") or Path(__file__).resolve().parents[1] / "tests" / "data" / "act"
)
PAGES = int(os.environ.get("KOTODX_BENCH_A11Y_PAGES", "100"))


def main() -> None:
    if not (ANCHOR / "run.sh").is_file():
        absent("accessibility", ANCHOR, "pa11y-ci 4 over a URL list, printing one RESULT line")
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kotodx.settings")
    import django

    django.setup()
    from kotodx.a11y import act, crawler

    cases = sorted(
        (c for c in act.load_testcases(ACT) if c["relativePath"].endswith(".html")),
        key=lambda c: c["testcaseId"],
    )[:PAGES]
    with act.serve(ACT) as base:
        urls = [base + act.PREFIX + c["relativePath"] for c in cases]
        listing = Path(tempfile.mkdtemp()) / "urls.txt"
        listing.write_text("\n".join(urls) + "\n")
        out = subprocess.run(
            ["bash", str(ANCHOR / "run.sh"), str(listing), "2"], capture_output=True, text=True, check=True
        ).stdout
        line = next(x for x in out.splitlines() if x.startswith("RESULT"))
        pa11y = {k: float(v) for k, v in re.findall(r"(\w+)=([\d.]+)", line)}
        ours = {}
        for name, options in (
            ("kotodx (all rules)", crawler.CrawlOptions(engine="full", timeout_ms=15000)),
            ("kotodx (axe-core only)", crawler.CrawlOptions(engine="axe", timeout_ms=15000)),
        ):
            start = time.perf_counter()
            results = crawler.check_urls(urls, options, concurrency=2)
            seconds = time.perf_counter() - start
            ours[name] = {
                "pages": sum(1 for r in results if not r.error),
                "seconds": seconds,
                "pages_per_min": 60 * len(results) / seconds,
                "violations": sum(len(r.violations) for r in results),
                "reviews": sum(len(r.findings) - len(r.violations) for r in results),
                "pages_with_violations": sum(1 for r in results if r.violations),
            }
    print(f"\naccessibility checker, {len(urls)} local pages (W3C ACT test cases), concurrency 2:")
    print(
        f"  pa11y-ci 4 (axe)        {pa11y['pages_per_min']:6.1f} pages/min  {pa11y['seconds']:6.1f} s  "
        f"issues {pa11y['issues']:.0f}"
    )
    for name, r in ours.items():
        print(
            f"  {name:<23} {r['pages_per_min']:6.1f} pages/min  {r['seconds']:6.1f} s  "
            f"violations {r['violations']}  to confirm {r['reviews']}  "
            f"{r['pages_per_min'] / pa11y['pages_per_min']:4.1f}× pa11y's pages per minute"
        )
    print(json.dumps({"pa11y": pa11y, "ours": ours}, ensure_ascii=False))


if __name__ == "__main__":
    main()
