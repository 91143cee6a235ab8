"""Template helpers of the public open data pages in English (/en/): names of things the platform
defines, translated, and ``lang="ja"`` on what stays Japanese because it is data (WCAG 3.1.2)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

register = template.Library()

# The standard datasets (自治体標準オープンデータセット) of the shipped schemas, by schema name.
STANDARD_DATASETS = {
    "aed": _("AED設置箇所一覧"),
    "childcare-facilities": _("子育て施設一覧"),
    "evacuation-sites": _("指定緊急避難場所一覧"),
    "public-facilities": _("公共施設一覧"),
    "public-toilets": _("公衆トイレ一覧"),
    "public-wifi": _("公衆無線LANアクセスポイント一覧"),
}

# Encoding labels as validation.decode_csv names them (kept in Resource.encoding).
ENCODINGS = {"UTF-8（BOM付き）": _("UTF-8（BOM付き）")}


@register.simple_tag
def ja() -> SafeString:
    """`` lang="ja"`` on an element whose content is Japanese data, when the page is not in Japanese."""
    return mark_safe(' lang="ja"') if (get_language() or "ja") != "ja" else mark_safe("")


@register.filter
def encoding_name(label: Any) -> str:
    """A detected encoding as people read it ("UTF-8（BOM付き）" → "UTF-8 (with BOM)" in English)."""
    return str(ENCODINGS.get(str(label), label or ""))


@register.filter
def standard_dataset_name(dataset: Any) -> str:
    """The standard dataset a dataset follows, in the page's language where the schema is shipped."""
    return str(STANDARD_DATASETS.get(dataset.standard_dataset, dataset.standard_dataset_title))


@register.filter
def ja_span(value: Any) -> SafeString:
    """Japanese data inside an English sentence: ``<span lang="ja">…</span>``; as it is on Japanese pages."""
    if (get_language() or "ja") == "ja":
        return conditional_escape(value)
    return format_html('<span lang="ja">{}</span>', value)
