"""Template helpers of the resident e-application pages in English (/en/): labels the platform defines,
translated, and ``lang="ja"`` on what stays Japanese because it is data from a procedure or its form
definition (WCAG 3.1.2). On Japanese pages they add nothing, so those pages are exactly as before."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, gettext_noop

register = template.Library()

# The labels of eapply.models' choices that residents see. The models keep them Japanese (staff pages, the
# API, exports); these marks put them in the catalogue, and ``label_tr`` translates them on /en/ pages.
RESIDENT_LABELS = (
    # Procedure.Category
    gettext_noop("引越し・住まい"),
    gettext_noop("妊娠・出産・子育て"),
    gettext_noop("介護・高齢者"),
    gettext_noop("税金"),
    gettext_noop("証明書・届出"),
    gettext_noop("ごみ・リサイクル"),
    gettext_noop("防災・災害"),
    gettext_noop("健康・医療"),
    gettext_noop("その他"),
    # Submission.Status (a resident never sees 入力中 on the status page, but the done page may)
    gettext_noop("入力中"),
    gettext_noop("受付"),
    gettext_noop("審査中"),
    gettext_noop("補正依頼"),
    gettext_noop("承認"),
    gettext_noop("却下"),
    gettext_noop("完了"),
    # SubmissionEvent.Kind shown to the applicant
    gettext_noop("申請"),
    gettext_noop("状態の変更"),
    gettext_noop("補正後の再申請"),
)


def _japanese_page() -> bool:
    return (get_language() or "ja").split("-")[0] == "ja"


@register.simple_tag
def ja() -> SafeString:
    """`` lang="ja"`` on an element whose content is Japanese data, when the page is not in Japanese."""
    return mark_safe("") if _japanese_page() else mark_safe(' lang="ja"')


@register.filter
def ja_text(value: Any) -> SafeString:
    """Japanese data inside a translated element: ``<span lang="ja">…</span>`` on a page not in Japanese."""
    if _japanese_page():
        return conditional_escape(value)
    return format_html('<span lang="ja">{}</span>', value)


@register.filter
def label_tr(value: Any) -> str:
    """A label the platform defines (category, status, event), in the page's language (eapply.labels)."""
    return gettext(str(value)) if value else ""


@register.filter
def status_label(value: Any) -> str:
    """A submission status value ("received") as its label in the page's language."""
    from kotodx.eapply.models import Submission

    try:
        return gettext(Submission.Status(str(value)).label)
    except ValueError:
        return str(value or "")
