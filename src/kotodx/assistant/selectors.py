"""Reads of the assistant: what staff may see, and the year's figures for the plan hub."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from kotodx.assistant.models import Faq, Inquiry, OcrDocument, Question
from kotodx.core.fiscal import FiscalYear
from kotodx.core.models import User
from kotodx.core.portal import Notice
from kotodx.core.selectors import scope_to_department


def _span(fy: FiscalYear) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return dt.datetime.combine(fy.start, dt.time.min, tzinfo=tz), dt.datetime.combine(
        fy.end, dt.time.max, tzinfo=tz
    )


def faqs_editable_by(user: User) -> QuerySet[Faq]:
    return scope_to_department(Faq.objects.select_related("department", "procedure"), user)


def inquiries_visible_to(user: User) -> QuerySet[Inquiry]:
    qs = Inquiry.objects.exclude(source=Inquiry.Source.TRAINING).select_related("department", "predicted")
    return scope_to_department(qs, user)


def ocr_documents_visible_to(user: User) -> QuerySet[OcrDocument]:
    qs = OcrDocument.objects.select_related("procedure", "procedure__department", "uploaded_by", "job")
    return scope_to_department(qs, user, field="procedure__department")


def questions_in(fy: FiscalYear) -> QuerySet[Question]:
    start, end = _span(fy)
    return Question.objects.filter(asked_at__gte=start, asked_at__lte=end)


def answered_share(fy: FiscalYear) -> Decimal | None:
    """Questions the assistant answered without staff, as a percentage of all asked in the year."""
    qs = questions_in(fy)
    total = qs.count()
    if not total:
        return None
    answered = qs.filter(status=Question.Status.ANSWERED).count()
    return (Decimal(100 * answered) / total).quantize(Decimal("0.1"))


def routing_accuracy(fy: FiscalYear) -> Decimal | None:
    """Inquiries of the year whose department the model chose and staff did not change, in percent."""
    start, end = _span(fy)
    qs = Inquiry.objects.exclude(source=Inquiry.Source.TRAINING).filter(
        received_at__gte=start, received_at__lte=end, predicted__isnull=False
    )
    total = qs.count()
    if not total:
        return None
    kept = qs.filter(corrected=False).count()
    return (Decimal(100 * kept) / total).quantize(Decimal("0.1"))


def ocr_forms(fy: FiscalYear) -> int:
    start, end = _span(fy)
    return OcrDocument.objects.filter(
        status=OcrDocument.Status.SUBMITTED, confirmed_at__gte=start, confirmed_at__lte=end
    ).count()


def staff_notices(user: User) -> list[Notice]:
    """Questions residents asked that found no answer; scanned forms waiting for a person to check."""
    out = []
    if user.is_authenticated and user.has_perm("assistant.manage_faq"):
        waiting = Question.objects.filter(status=Question.Status.OPEN).count()
        if waiting:
            out.append(
                Notice(
                    f"AIアシスタントが答えられなかった区民の質問が {waiting} 件あります。FAQで答えられます。",
                    reverse("assistant:staff_home"),
                    level="info",
                )
            )
    if user.is_authenticated and user.has_perm("assistant.digitise_form"):
        checking = ocr_documents_visible_to(user).filter(status=OcrDocument.Status.CHECKING).count()
        if checking:
            out.append(
                Notice(
                    f"職員の確認を待っている紙の申請書（OCR）が {checking} 件あります。",
                    reverse("assistant:staff_ocr_list"),
                )
            )
    return out
