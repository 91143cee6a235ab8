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
