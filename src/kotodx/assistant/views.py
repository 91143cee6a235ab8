"""Pages of the assistant: 「AIに質問する」 for residents, and for staff the FAQ and synonym editor, the
questions that found no answer, inquiry routing with the model's accuracy, and OCR of paper forms."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from kotodx.assistant import selectors, services
from kotodx.assistant.api import limited
from kotodx.assistant.forms import (
    AskForm,
    CorrectForm,
    FaqForm,
    InquiryForm,
    OcrUploadForm,
    SynonymForm,
    TrainingImportForm,
)
from kotodx.assistant.models import Faq, Inquiry, OcrDocument, Question, Synonym
from kotodx.core.fiscal import FiscalYear
from kotodx.core.forms import add_service_errors
from kotodx.core.http import StaffRequest
from kotodx.core.models import Department

CONTACT = "江東区役所（代表）03-3647-9111　平日 8時30分〜17時"


def _int(value: str | None) -> int:
    """A posted id as a number; anything else is 0, which matches no row (so 404, never 500)."""
    try:
        return int(value or 0)
    except ValueError:
        return 0


def ask(request: HttpRequest) -> HttpResponse:
    form = AskForm(request.GET or None)
    result = None
    if form.is_bound and limited(request):
        response = render(
            request,
            "assistant/ask.html",
            {"form": AskForm(), "limited": True, "contact": CONTACT},
            status=429,
        )
        response["Retry-After"] = "600"
        return response
    if form.is_bound and form.is_valid():
        try:
            result = services.ask(form.cleaned_data["q"])
        except ValidationError as exc:
            add_service_errors(form, exc)
    return render(request, "assistant/ask.html", {"form": form, "result": result, "contact": CONTACT})


def faq(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(Faq.objects.select_related("department", "procedure"), pk=pk, is_public=True)
    return render(request, "assistant/faq.html", {"faq": entry, "contact": CONTACT})


# --- staff: overview, FAQ, synonyms, questions ------------------------------------------------------------


@login_required
@permission_required("assistant.view_faq", raise_exception=True)
def staff_home(request: StaffRequest) -> HttpResponse:
    fy = FiscalYear.current()
    open_questions = Question.objects.filter(status=Question.Status.OPEN)
    model = services.active_model()
    return render(
        request,
        "assistant/staff_home.html",
        {
            "fy": fy,
            "questions": selectors.questions_in(fy).count(),
            "answered_share": selectors.answered_share(fy),
            "routing_accuracy": selectors.routing_accuracy(fy),
            "ocr_forms": selectors.ocr_forms(fy),
            "model": model,
            "open_questions": open_questions[:50],
            "open_count": open_questions.count(),
            "can_edit": request.user.has_perm("assistant.manage_faq"),
            "faq_count": Faq.objects.count(),
            "synonym_count": Synonym.objects.count(),
        },
    )


@login_required
@permission_required("assistant.view_faq", raise_exception=True)
def faq_list(request: StaffRequest) -> HttpResponse:
    faqs = Faq.objects.select_related("department", "procedure")
    return render(
        request,
        "assistant/faq_list.html",
        {"faqs": faqs, "can_edit": request.user.has_perm("assistant.manage_faq")},
    )


@login_required
@permission_required("assistant.manage_faq", raise_exception=True)
def faq_edit(request: StaffRequest, pk: int | None = None) -> HttpResponse:
    entry = get_object_or_404(selectors.faqs_editable_by(request.user), pk=pk) if pk else None
    question = None
    if entry is None and request.GET.get("question"):
        question = Question.objects.filter(
            pk=_int(request.GET["question"]), status=Question.Status.OPEN
        ).first()
    initial = {"question": question.text[:200], "department": request.user.department_id} if question else {}
    if entry is None and not initial:
        initial = {"department": request.user.department_id}
    form = FaqForm(request.POST or None, instance=entry, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.faq_save(faq=entry, data=form.cleaned_data, actor=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            answered = Question.objects.filter(pk=_int(request.POST.get("from_question"))).first()
            if answered is not None and answered.status == Question.Status.OPEN:
                services.question_close(question=answered, faq=saved, actor=request.user)
            messages.success(request, f"FAQ「{saved.question}」を保存しました。")
            return redirect("assistant:staff_faqs")
    return render(request, "assistant/faq_edit.html", {"form": form, "faq": entry, "from_question": question})


@login_required
@permission_required("assistant.manage_faq", raise_exception=True)
@require_POST
def faq_delete(request: StaffRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(selectors.faqs_editable_by(request.user), pk=pk)
    services.faq_delete(faq=entry, actor=request.user)
    messages.success(request, f"FAQ「{entry.question}」を削除しました。")
    return redirect("assistant:staff_faqs")


@login_required
@permission_required("assistant.view_faq", raise_exception=True)
def synonyms(request: StaffRequest) -> HttpResponse:
    can_edit = request.user.has_perm("assistant.manage_faq")
    form = SynonymForm(request.POST or None)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if "delete" in request.POST:
            synonym = get_object_or_404(Synonym, pk=_int(request.POST["delete"]))
            services.synonym_delete(synonym=synonym, actor=request.user)
            messages.success(request, f"「{synonym.term}」を削除しました。")
            return redirect("assistant:staff_synonyms")
        if form.is_valid():
            # The same wording again replaces its words (the page says so).
            existing = Synonym.objects.filter(term=form.cleaned_data["term"].strip()).first()
            try:
                saved = services.synonym_save(synonym=existing, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"「{saved.term}」→「{saved.expansions}」を保存しました。")
                return redirect("assistant:staff_synonyms")
    return render(
        request,
        "assistant/synonyms.html",
        {"form": form, "synonyms": Synonym.objects.all(), "can_edit": can_edit},
    )


@login_required
@permission_required("assistant.manage_faq", raise_exception=True)
@require_POST
def question_dismiss(request: StaffRequest, pk: int) -> HttpResponse:
    question = get_object_or_404(Question, pk=pk, status=Question.Status.OPEN)
    services.question_close(question=question, faq=None, actor=request.user)
    messages.success(request, "「対応不要」にしました。")
    return redirect("assistant:staff_home")


# --- staff: inquiry routing ------------------------------------------------------------------------------


@login_required
@permission_required("assistant.view_inquiry", raise_exception=True)
def inquiries(request: StaffRequest) -> HttpResponse:
    can_route = request.user.has_perm("assistant.route_inquiry")
    form = InquiryForm(request.POST or None)
    if request.method == "POST":
        if not can_route:
            raise PermissionDenied
        if form.is_valid():
            try:
                inquiry = services.inquiry_receive(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    f"「{inquiry.department}」に振り分けました（確からしさ {inquiry.confidence:.0%}）。",
                )
                return redirect("assistant:staff_inquiry", inquiry.pk)
    model = services.active_model()
    return render(
        request,
        "assistant/inquiries.html",
        {
            "form": form,
            "can_route": can_route,
            "can_train": request.user.has_perm("assistant.add_routingmodel"),
            "inquiries": selectors.inquiries_visible_to(request.user)[:100],
            "model": model,
            "matrix": _matrix(model) if model else None,
            "training": Inquiry.objects.filter(department__isnull=False).count(),
            "import_form": TrainingImportForm(),
        },
    )


def _matrix(model: Any) -> dict[str, Any]:
    names = dict(Department.objects.filter(code__in=model.labels).values_list("code", "name"))
    rows = []
    for i, (code, counts) in enumerate(zip(model.labels, model.confusion, strict=True)):
        total = sum(counts) or 1
        rows.append(
            {
                "name": names.get(code, code),
                "cells": [
                    {"n": n, "pct": round(100 * n / total), "diag": i == j} for j, n in enumerate(counts)
                ],
                "recall": round(100 * counts[i] / total),
                "n": sum(counts),
            }
        )
    return {"columns": [names.get(c, c) for c in model.labels], "rows": rows}


@login_required
@permission_required("assistant.view_inquiry", raise_exception=True)
def inquiry_detail(request: StaffRequest, pk: int) -> HttpResponse:
    inquiry = get_object_or_404(selectors.inquiries_visible_to(request.user), pk=pk)
    form = CorrectForm(request.POST or None, initial={"department": inquiry.department_id})
    if request.method == "POST":
        if not request.user.has_perm("assistant.route_inquiry"):
            raise PermissionDenied
        if form.is_valid():
            services.inquiry_correct(
                inquiry=inquiry, department=form.cleaned_data["department"], actor=request.user
            )
            messages.success(
                request, f"「{form.cleaned_data['department']}」に振り直しました。次の学習に使います。"
            )
            return redirect("assistant:staff_inquiries")
    services.inquiry_viewed(inquiry=inquiry, actor=request.user)
    return render(
        request,
        "assistant/inquiry_detail.html",
        {
            "inquiry": inquiry,
            "form": form,
            "top3": [{**t, "pct": round(100 * t["p"])} for t in inquiry.top3],
            "can_route": request.user.has_perm("assistant.route_inquiry"),
        },
    )


@login_required
@permission_required("assistant.add_routingmodel", raise_exception=True)
@require_POST
def retrain(request: StaffRequest) -> HttpResponse:
    job = services.retrain_start(actor=request.user)
    messages.success(request, "学習を始めました。終わると新しいモデルで振り分けます。")
    return redirect("core:job_detail", job.pk)


@login_required
@permission_required("assistant.add_routingmodel", raise_exception=True)
@require_POST
def training_import(request: StaffRequest) -> HttpResponse:
    form = TrainingImportForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > 5_000_000:
                raise ValidationError({"file": "CSVは5MBまでにしてください。"})
            n = services.training_import(data=upload.read(), actor=request.user)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, f"学習用の例を{n}件追加しました。「学習し直す」で反映します。")
    else:
        messages.error(request, "CSVファイルを選んでください。")
    return redirect("assistant:staff_inquiries")


# --- staff: OCR of paper forms ---------------------------------------------------------------------------


@login_required
@permission_required("assistant.view_ocrdocument", raise_exception=True)
def ocr_list(request: StaffRequest) -> HttpResponse:
    can_upload = request.user.has_perm("assistant.digitise_form")
    form = OcrUploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST":
        if not can_upload:
            raise PermissionDenied
        if form.is_valid():
            try:
                doc = services.ocr_upload(
                    procedure=form.cleaned_data["procedure"],
                    upload=form.cleaned_data["file"],
                    actor=request.user,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                return redirect("assistant:staff_ocr", doc.pk)
    documents = selectors.ocr_documents_visible_to(request.user)
    return render(
        request,
        "assistant/ocr_list.html",
        {
            "form": form,
            "can_upload": can_upload,
            "documents": documents[:100],
            "counts": dict(documents.values_list("status").annotate(n=Count("pk"))),
        },
    )


@login_required
@permission_required("assistant.view_ocrdocument", raise_exception=True)
def ocr_detail(request: StaffRequest, pk: int) -> HttpResponse:
    doc = get_object_or_404(selectors.ocr_documents_visible_to(request.user), pk=pk)
    error = ""
    readings = doc.readings
    if request.method == "POST":
        if not request.user.has_perm("assistant.digitise_form"):
            raise PermissionDenied
        if "discard" in request.POST:
            services.ocr_discard(doc=doc, actor=request.user)
            messages.success(request, "破棄しました（スキャンしたファイルも削除しました）。")
            return redirect("assistant:staff_ocr_list")
        values = {r["field_id"]: request.POST.get(f"value-{r['field_id']}", "").strip() for r in readings}
        confirmed = {r["field_id"] for r in readings if request.POST.get(f"ok-{r['field_id']}")}
        try:
            doc = services.ocr_confirm(doc=doc, values=values, confirmed=confirmed, actor=request.user)
        except ValidationError as exc:
            error = " ".join(exc.messages)
            readings = [
                {**r, "value": values.get(r["field_id"]), "confirmed": r["field_id"] in confirmed}
                for r in readings
            ]
        else:
            reference = doc.submission.reference_number if doc.submission else ""
            messages.success(request, f"申請として登録しました（受付番号 {reference}）。")
            return redirect("assistant:staff_ocr", doc.pk)
    services.ocr_viewed(doc=doc, actor=request.user)
    return render(
        request,
        "assistant/ocr_detail.html",
        {
            "doc": doc,
            "readings": readings,
            "error": error,
            "can_edit": request.user.has_perm("assistant.digitise_form")
            and doc.status == OcrDocument.Status.CHECKING,
            "is_image": doc.content_type in ("image/png", "image/jpeg"),
        },
    )


@login_required
@permission_required("assistant.view_ocrdocument", raise_exception=True)
def ocr_file(request: StaffRequest, pk: int) -> FileResponse:
    doc = get_object_or_404(selectors.ocr_documents_visible_to(request.user), pk=pk)
    if not doc.file:
        raise PermissionDenied("ファイルは破棄されています。")
    services.ocr_viewed(doc=doc, actor=request.user)
    response = FileResponse(doc.file.open("rb"), content_type=doc.content_type)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    return response
