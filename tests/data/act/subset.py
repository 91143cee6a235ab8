"""Make the W3C ACT Rules subset shipped in this folder from a full copy of the test cases.

    python tests/data/act/subset.py PATH/TO/act tests/data/act

PATH/TO/act holds content-assets/wcag-act-rules/ (testcases.json, testcases/, test-assets/) as in the W3C
repository wcag-act-rules. Kept: every case of the rules our tests score (RULES_IN_FULL), and for every other
rule its first passed, first failed and first inapplicable case whose assets are all there and add less
than 600 kB (rules whose every case needs a video of over 1 MB not yet kept are left out); the asset
files those cases load (found by their paths, followed through HTML, CSS and JS assets), nothing else.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

RULES_IN_FULL = {"d0f69e", "c4a8a4", "80af7b", "ffbc54", "59br37", "aaa1bf", "b5c3f8", "2779a5", "23a2a8"}
ASSET = re.compile(r"test-assets/([^\"'\s)#?]+)")
MAX_OTHER_ASSETS = 600_000


def assets_of(text: str, assets: Path, seen: set[str]) -> set[str]:
    found: set[str] = set()
    for rel in ASSET.findall(text):
        path = assets / rel
        if rel in seen or rel in found or not path.is_file():
            continue
        found.add(rel)
        if path.suffix in (".html", ".css", ".js", ".vtt", ".svg"):
            found |= assets_of(path.read_text(encoding="utf-8", errors="replace"), assets, seen | found)
    return found


def main(src_root: Path, dst_root: Path) -> None:
    src = src_root / "content-assets" / "wcag-act-rules"
    dst = dst_root / "content-assets" / "wcag-act-rules"
    doc = json.loads((src / "testcases.json").read_text(encoding="utf-8"))
    kept, files, taken = [], set(), set()
    cases = sorted(doc["testcases"], key=lambda c: c["ruleId"] not in RULES_IN_FULL)  # stable sort
    for case in cases:
        rule, expected = case["ruleId"], case["expected"]
        html = (src / case["relativePath"]).read_text(encoding="utf-8", errors="replace")
        needs = assets_of(html, src / "test-assets", set())
        lacks = {rel for rel in ASSET.findall(html) if not (src / "test-assets" / rel).is_file()}
        if rule not in RULES_IN_FULL:
            if lacks:  # an asset the copy lacks (two videos over 4 MiB): the case cannot be judged
                continue
            size = sum(
                (src / "test-assets" / rel).stat().st_size
                for rel in needs
                if f"test-assets/{rel}" not in files
            )
            if (rule, expected) in taken or size > MAX_OTHER_ASSETS:
                continue
            taken.add((rule, expected))
        kept.append(case)
        files |= {case["relativePath"]} | {f"test-assets/{rel}" for rel in needs}
    if dst.exists():
        shutil.rmtree(dst)
    for rel in sorted(files):
        (dst / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src / rel, dst / rel)
    doc["testcases"], doc["count"] = kept, len(kept)
    (dst / "testcases.json").write_text(
        json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    if (src / "earl-context.json").exists():
        shutil.copyfile(src / "earl-context.json", dst / "earl-context.json")
    rules = {c["ruleId"] for c in kept}
    print(f"{len(kept)} cases of {len(rules)} rules, {len(files)} files")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
