"""The evaluation set: questions with a part of the right answer's title; recall@1, recall@5 and MRR.

A file is UTF-8 CSV with the header ``question,expected``; ``expected`` holds one or more parts of the
right answer's title separated by ``|``. An answer is right when its title contains one of them (after
NFKC). The figures last recorded for the shipped set are in data/eval-baseline.json; the test suite
fails when a change makes any of them fall.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kotodx.assistant import search

EVAL_SET = Path(__file__).parent / "data" / "eval.csv"
BASELINE = Path(__file__).parent / "data" / "eval-baseline.json"
DEPTH = 10


@dataclass
class Miss:
    question: str
    expected: str
    got: list[str]
    rank: int | None


def read(data: bytes | str) -> list[tuple[str, list[str]]]:
    if isinstance(data, bytes):
        data = data.decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(data))
    if reader.fieldnames is None or not {"question", "expected"} <= set(reader.fieldnames):
        raise ValueError("CSVの1行目は question,expected にしてください。")
    rows = []
    for row in reader:
        question = (row.get("question") or "").strip()
        expected = [e.strip() for e in (row.get("expected") or "").split("|") if e.strip()]
        if question and expected:
            rows.append((question, expected))
    return rows


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def evaluate(rows: list[tuple[str, list[str]]], index: search.Index | None = None) -> dict[str, Any]:
    index = index or search.index()
    hits1 = hits5 = 0
    reciprocal = 0.0
    misses: list[Miss] = []
    for question, expected in rows:
        answers = index.search(question, limit=DEPTH).answers
        wanted = [_norm(e) for e in expected]
        rank = next(
            (i for i, a in enumerate(answers, start=1) if any(w in _norm(a.title) for w in wanted)), None
        )
        if rank == 1:
            hits1 += 1
        if rank is not None and rank <= 5:
            hits5 += 1
        if rank is not None:
            reciprocal += 1 / rank
        if rank != 1:
            misses.append(Miss(question, "|".join(expected), [a.title for a in answers[:3]], rank))
    n = len(rows) or 1
    return {
        "n": len(rows),
        "recall@1": round(hits1 / n, 4),
        "recall@5": round(hits5 / n, 4),
        "mrr": round(reciprocal / n, 4),
        "misses": misses,
    }


def baseline() -> dict[str, float]:
    if not BASELINE.exists():
        return {}
    figures: dict[str, float] = json.loads(BASELINE.read_text(encoding="utf-8"))
    return figures


def record(figures: dict[str, Any]) -> None:
    keep = {k: figures[k] for k in ("n", "recall@1", "recall@5", "mrr")}
    BASELINE.write_text(json.dumps(keep, indent=2) + "\n", encoding="utf-8")
