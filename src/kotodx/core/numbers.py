"""Numbers as Japanese offices type them: full-width digits, thousands separators, a minus sign."""

from __future__ import annotations

import unicodedata
from decimal import Decimal, InvalidOperation


class NumberError(ValueError):
    """The text is not a number; the message says so in Japanese."""


def parse_decimal(value: object) -> Decimal:
    """Read "１２３", "1,234", "−5", "12.5" or a number; raise NumberError for anything else."""
    if isinstance(value, bool):
        raise NumberError(f"「{value}」は数値ではありません。")
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(str(value))
    text = unicodedata.normalize("NFKC", str(value)).strip()
    text = text.replace(",", "").replace("\u2212", "-").replace(" ", "")
    if not text:
        raise NumberError("数値が入力されていません。")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise NumberError(f"「{value}」は数値ではありません。半角・全角の数字で入力してください。") from None
    if not number.is_finite():
        raise NumberError(f"「{value}」は数値ではありません。")
    return number


def municipal_check_digit(five: str) -> str:
    """The check digit of a 5-digit 全国地方公共団体コード (JIS X 0402): 13108 → 3, 13104 → 1."""
    total = sum(int(d) * w for d, w in zip(five, (6, 5, 4, 3, 2), strict=True))
    return str((11 - total % 11) % 10)


def municipal_code_valid(code: str) -> bool:
    """A 6-digit 全国地方公共団体コード whose last digit checks (131083 for Koto City)."""
    return len(code) == 6 and code.isascii() and code.isdigit() and municipal_check_digit(code[:5]) == code[5]
