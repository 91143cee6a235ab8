"""Fiscal years (年度, April–March) and Japanese era dates (和暦), both ways.

FiscalYear(2024).label == "令和6年度"; FiscalYear(2024).start == date(2024, 4, 1)
format_wareki(date(2019, 5, 1)) == "令和元年5月1日"; format_wareki(date(2019, 4, 30)) == "平成31年4月30日"
parse_date("R6.4.1") == parse_date("２０２４年４月１日") == date(2024, 4, 1)
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Era:
    name: str
    letter: str
    start: date

    def year_of(self, western_year: int) -> int:
        return western_year - self.start.year + 1


# Newest first. Dates are the first day of each era in the Gregorian calendar.
ERAS: tuple[Era, ...] = (
    Era("令和", "R", date(2019, 5, 1)),
    Era("平成", "H", date(1989, 1, 8)),
    Era("昭和", "S", date(1926, 12, 25)),
    Era("大正", "T", date(1912, 7, 30)),
    Era("明治", "M", date(1868, 10, 23)),
)
_ERA_BY_KEY = {e.name: e for e in ERAS} | {e.letter: e for e in ERAS} | {e.name[0]: e for e in ERAS}


class WarekiError(ValueError):
    """A date or fiscal year that cannot be read; the message says why, in Japanese."""


def era_of(d: date) -> Era:
    for era in ERAS:
        if d >= era.start:
            return era
    raise WarekiError(f"{d.isoformat()} は明治より前の日付のため和暦に変換できません。")


def _year_text(n: int) -> str:
    return "元" if n == 1 else str(n)


def format_wareki(d: date) -> str:
    era = era_of(d)
    return f"{era.name}{_year_text(era.year_of(d.year))}年{d.month}月{d.day}日"


def format_both(d: date) -> str:
    """Both calendars, as ward documents show them: 2024年4月1日（令和6年4月1日）."""
    return f"{d.year}年{d.month}月{d.day}日（{format_wareki(d)}）"


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").strip().replace(" ", "")


_WESTERN = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_WAREKI = re.compile(
    r"^(令和|平成|昭和|大正|明治|[RHSTMrhstm])(元|\d{1,2})[年.\-/](\d{1,2})[月.\-/](\d{1,2})日?$"
)


def _era_from_key(key: str) -> Era:
    return _ERA_BY_KEY[key.upper() if len(key) == 1 and key.isascii() else key]


def parse_date(text: str) -> date:
    """Read a date written in western (2024-04-01, 2024/4/1, 2024年4月1日) or 和暦 (令和6年4月1日, R6.4.1)."""
    s = _normalise(text)
    if not s:
        raise WarekiError(_("日付が入力されていません。"))
    m = _WESTERN.match(s)
    if m:
        y, mo, d = (int(g) for g in m.groups())
        return _make_date(y, mo, d, text)
    m = _WAREKI.match(s)
    if not m:
        raise WarekiError(
            _("「%(text)s」は日付として読めません。例: 2024-04-01、令和6年4月1日、R6.4.1") % {"text": text}
        )
    era = _era_from_key(m.group(1))
    n = 1 if m.group(2) == "元" else int(m.group(2))
    if n < 1:
        raise WarekiError(f"「{text}」: {era.name}0年はありません。")
    result = _make_date(era.start.year + n - 1, int(m.group(3)), int(m.group(4)), text)
    if result < era.start:
        raise WarekiError(
            f"「{text}」: {era.name}は{format_western(era.start)}に始まります。それより前の日付です。"
        )
    if era_of(result) is not era:
        raise WarekiError(
            f"「{text}」: その日付はすでに{era_of(result).name}です（{format_wareki(result)}）。"
        )
    return result


def _make_date(y: int, mo: int, d: int, original: str) -> date:
    try:
        return date(y, mo, d)
    except ValueError:
        raise WarekiError(_("「%(text)s」は存在しない日付です。") % {"text": original}) from None


def format_western(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


@dataclass(frozen=True, order=True)
class FiscalYear:
    """A Japanese fiscal year: FiscalYear(2024) runs 2024-04-01 .. 2025-03-31 and is 令和6年度."""

    year: int

    @property
    def start(self) -> date:
        return date(self.year, 4, 1)

    @property
    def end(self) -> date:
        return date(self.year + 1, 3, 31)

    @property
    def era(self) -> Era:
        # A fiscal year takes the era that covers most of it: the one in force on 1 October.
        # So FY2019 is 令和元年度 (as the government named it) and FY1988 is 昭和63年度.
        return era_of(date(self.year, 10, 1))

    @property
    def label(self) -> str:
        return f"{self.era.name}{_year_text(self.era.year_of(self.year))}年度"

    @property
    def label_en(self) -> str:
        return f"FY{self.year}"

    def __str__(self) -> str:
        return self.label

    def __contains__(self, d: object) -> bool:
        return isinstance(d, date) and self.start <= d <= self.end

    def next(self) -> FiscalYear:
        return FiscalYear(self.year + 1)

    def previous(self) -> FiscalYear:
        return FiscalYear(self.year - 1)

    @classmethod
    def of(cls, d: date) -> FiscalYear:
        return cls(d.year if d.month >= 4 else d.year - 1)

    @classmethod
    def current(cls) -> FiscalYear:
        return cls.of(timezone.localdate())

    @classmethod
    def parse(cls, text: str | int) -> FiscalYear:
        """Read 2024, "2024年度", "FY2024", "令和6年度", "R6", "令和元年度" (also "平成31年度" = FY2019)."""
        if isinstance(text, int):
            return cls(text)
        s = _normalise(text).upper().removeprefix("FY")
        s = s.removesuffix("年度").removesuffix("年")
        if re.fullmatch(r"\d{4}", s):
            return cls(int(s))
        m = re.fullmatch(r"(令和|平成|昭和|大正|明治|[RHSTM])(元|\d{1,2})", s)
        if not m:
            raise WarekiError(f"「{text}」は年度として読めません。例: 2024、令和6年度、R6")
        era = _era_from_key(m.group(1))
        n = 1 if m.group(2) == "元" else int(m.group(2))
        if n < 1:
            raise WarekiError(f"「{text}」: {era.name}0年度はありません。")
        return cls(era.start.year + n - 1)
