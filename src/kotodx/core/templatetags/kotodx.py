"""Template helpers: accessible form widgets and 和暦 / fiscal-year display."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.forms import BoundField
from django.utils import timezone, translation
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

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
def error_text(field: BoundField, error: str) -> SafeString:
    """An error for the error summary: named by its field unless the message already says which."""
    label = str(field.label)
    return ja_label(error if label and label in error else f"{label}: {error}", label)


@register.filter
def ja_label(text: Any, label: Any) -> SafeString:
    """The text, escaped; on a page not in Japanese, the (Japanese) question label quoted in it is marked
    lang="ja" (WCAG 3.1.2), so that a screen reader reads it in Japanese."""
    escaped = conditional_escape(text)
    label = str(label or "")
    if not label or (translation.get_language() or "ja").startswith("ja"):
        return escaped
    quoted = conditional_escape(label)
    # Safe: the whole text is escaped first; the label is replaced by itself, escaped, in a span.
    return mark_safe(escaped.replace(quoted, f'<span lang="ja">{quoted}</span>'))  # noqa: S308
