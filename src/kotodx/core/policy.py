"""The web accessibility policy page: its default text, and Markdown rendered safely (raw HTML is shown as
text, javascript: links are dropped — markdown-it-py's CommonMark with ``html`` off)."""

from __future__ import annotations

from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

DEFAULT_JA = """江東区は、年齢や障害の有無にかかわらず、誰もがこのサイトで提供する情報やサービスを\
利用できるよう、ウェブアクセシビリティの確保と向上に取り組みます（江東区情報化推進プラン 個別施策12）。

## 対象範囲

このプラットフォームが提供するすべてのページ（区民向けページと職員向けページ）。

## 目標とする適合レベル

JIS X 8341-3:2016 の適合レベル AA に準拠することを目標とします。

## 確認の方法

ページを変更するたびに、自動試験（axe-core による WCAG 2.1 A/AA の検査）とキーボード操作の試験を\
実施しています。試験結果はウェブアクセシビリティ検査機能で公開します。

## お問い合わせ

利用しにくいページがありましたら、江東区 情報システム課までお知らせください。
"""

DEFAULT_EN = """Koto City is working to make this website accessible, so that everyone, whatever their age \
or disability, can use the information and services it provides (Koto City Informatization Promotion Plan, \
measure 12).

## Scope

All pages on this platform (pages for residents and pages for staff).

## Target conformance level

We aim to meet conformance level AA of JIS X 8341-3:2016.

## How we test

Every time a page changes, we run automated tests (WCAG 2.1 A/AA checks with axe-core) and keyboard tests. \
We publish the results through the web accessibility testing feature.

## Contact us

If you find a page hard to use, please tell the Koto City IT Division.
"""

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def render(text: str) -> SafeString:
    """Markdown to HTML; the input cannot inject markup (raw HTML is escaped)."""
    return mark_safe(_md.render(text))  # noqa: S308  (markdown-it escapes everything with html off)
