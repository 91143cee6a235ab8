"""The repository is self-contained: the test data it needs ships in tests/data (tests/data/SOURCES.md), and
no test or module reads a folder beside the checkout. CI also runs the whole suite in a fresh clone with
nothing beside it (.ci/run)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from kotodx.a11y import act

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
# A path that climbs out of the checkout (parents[3] of a test file), names the workplace's shared folder, or
# names one machine's absolute path.
OUTSIDE = re.compile(r"parents\[[3-9]\]|\"shared\"\s*/|['\"]/work/|\.\./shared")


def test_no_test_or_module_reads_outside_the_repository():
    offenders = []
    for folder in ("src", "tests"):
        for path in (ROOT / folder).rglob("*.py"):
            if path == Path(__file__).resolve():
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if OUTSIDE.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_the_shipped_data_is_there_with_its_sources():
    sources = (DATA / "SOURCES.md").read_text(encoding="utf-8")
    for folder in ("opendata/koto", "opendata/tokyo-ckan", "gis", "plan", "act"):
        assert any((DATA / folder).iterdir()), folder
        assert folder.split("/")[-1] in sources, folder
    assert "江東区" in sources and "Geolonia" in sources and "国土交通省" in sources and "W3C" in sources


def test_the_act_subset_has_every_case_and_asset_it_lists():
    """Each kept case's page is there, and every test asset a page loads is there (the subset script follows
    them); most rules are represented, each with an expected failure where the full set has one."""
    cases = act.load_testcases(DATA / "act")
    root = DATA / "act" / "content-assets" / "wcag-act-rules"
    missing = []
    for case in cases:
        page = root / case["relativePath"]
        assert page.is_file(), case["relativePath"]
        for rel in re.findall(
            r"test-assets/([^\"'\s)#?]+)", page.read_text(encoding="utf-8", errors="replace")
        ):
            if not (root / "test-assets" / rel).is_file():
                missing.append((case["relativePath"], rel))
    assert missing == []
    rules = {c["ruleId"] for c in cases}
    assert len(rules) >= 80
    doc = json.loads((root / "testcases.json").read_text(encoding="utf-8"))
    assert doc["count"] == len(cases)
    sizes = sum(p.stat().st_size for p in (DATA / "act").rglob("*") if p.is_file())
    assert sizes < 6_000_000
