"""Template helpers: accessible form widgets and 和暦 / fiscal-year display."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.forms import BoundField
from django.utils import timezone
from django.utils.safestring import SafeString

from kotodx.core.fiscal import FiscalYear, format_wareki

register = template.Library()


@register.simple_tag
def widget(field: BoundField) -> SafeString:
    """The field's input with aria-describedby (hint and error ids) and aria-invalid when wrong."""
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}_hint")
    if field.errors:
        described.append(f"{field.auto_id}_error")
    attrs: dict[str, Any] = {}
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)


@register.filter
def wareki(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return format_wareki(value)


@register.filter
def fiscal_year(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return FiscalYear.of(value).label


@register.filter
def get_item(mapping: dict[Any, Any] | None, key: Any) -> Any:
    """mapping[key] in a template ("" when missing)."""
    return mapping.get(key, "") if mapping else ""


@register.simple_tag
def error_text(field: BoundField, error: str) -> str:
    """An error for the error summary: named by its field unless the message already says which."""
    label = str(field.label)
    return error if label and label in error else f"{label}: {error}"
