"""Number display for the plan pages: 1,234.5 and 98.7%."""

from __future__ import annotations

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def num(value: Decimal | None) -> str:
    if value is None or value == "":
        return "—"
    d = Decimal(value).normalize()
    return f"{d:,f}"


@register.filter
def pct(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return f"{Decimal(value):,.1f}%"
