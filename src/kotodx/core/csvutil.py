"""CSV that opens safely in Excel: UTF-8 with BOM, and no cell that a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from decimal import Decimal
from typing import IO, Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """Text of one cell; a leading =, +, -, @, tab or CR gets a quote mark so it stays text (OWASP)."""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)  # a negative number is a number, not a formula
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_START):
        return "'" + text
    return text


def write_rows(
    out: IO[str], header: Iterable[str], rows: Iterable[Iterable[Any]], *, bom: bool = True
) -> int:
    if bom:
        out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    n = 0
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
        n += 1
    return n
