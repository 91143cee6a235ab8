"""Staff pages of e-application: the processing queue, a submission (its reading is audited), status
changes with correction requests, exports (CSV with BOM, XLSX), procedures and their forms."""

from __future__ import annotations

import io
import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_POST

from kotodx.core.csvutil import safe_cell, write_rows
from kotodx.core.http import StaffRequest
from kotodx.core.models import Department, User
from kotodx.core.selectors import is_ward_wide
from kotodx.eapply import formdef, selectors, services
from kotodx.eapply.forms import DefinitionImportForm, ProcedureForm, TransitionForm
from kotodx.eapply.models import FormVersion, Procedure, Submission, SubmissionFile


def _submission(request: StaffRequest, submission_id: Any) -> Submission:
    submission = get_object_or_404(
        Submission.objects.select_related("procedure__department", "version", "assigned_to").exclude(
            status=Submission.Status.DRAFT
        ),
        pk=submission_id,
    )
    if not services.can_process(request.user, submission):
        raise Http404  # another department's applications do not exist for this clerk
    return submission


@login_required
@permission_required("eapply.process_submission", raise_exception=True)
def queue(request: StaffRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in Submission.Status.values:
        status = ""
    qs = selectors.submission_queue(
        request.user,
        status=status,
        procedure=request.GET.get("procedure", ""),
        mine=request.GET.get("mine") == "1",
        q=request.GET.get("q", ""),
    )
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    procedures = (
        Procedure.objects.all()
        if is_ward_wide(request.user)
        else Procedure.objects.filter(department_id=request.user.department_id or 0)
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "eapply/staff/queue.html",
        {
            "page": page,
            "status": status,
            "statuses": Submission.Status.choices[1:],
            "procedures": procedures,
            "query": query.urlencode(),
        },
    )


@login_required
@permission_required("eapply.process_submission", raise_exception=True)
def submission_detail(request: StaffRequest, submission_id: Any) -> HttpResponse:
    submission = _submission(request, submission_id)
    services.submission_viewed(submission=submission, actor=request.user)
    definition = submission.version.definition
    staff = User.objects.filter(department_id=submission.procedure.department_id, is_active=True)
    return render(
        request,
        "eapply/staff/submission.html",
        {
            "submission": submission,
            "procedure": submission.procedure,
            "summary": formdef.summary(definition, submission.answers),
            "files": submission.files.all(),
            "events": submission.events.select_related("actor"),
            "form": TransitionForm(allowed=services.allowed_statuses(submission)),
            "allowed": services.allowed_statuses(submission),
            "staff": staff,
            "verified": submission.verified_identity or None,
            "verified_at": parse_datetime(
                str((submission.verified_identity or {}).get("signed_in_at") or "")
            ),
            "prefill_changed": services.prefill_changed(submission) if submission.verified_identity else [],
        },
    )


@login_required
@require_POST
def submission_action(request: StaffRequest, submission_id: Any) -> HttpResponse:
    submission = _submission(request, submission_id)
    action = request.POST.get("action")
    try:
        if action == "status":
            form = TransitionForm(request.POST, allowed=services.allowed_statuses(submission))
            if not form.is_valid():
                raise ValidationError("次の状態を選んでください。")
            services.submission_transition(
                submission=submission,
                to_status=form.cleaned_data["to_status"],
                comment=form.cleaned_data["comment"],
                actor=request.user,
                base_url=request.build_absolute_uri("/"),
            )
            messages.success(
                request, f"「{Submission.Status(form.cleaned_data['to_status']).label}」にしました。"
            )
        elif action == "assign":
            assignee = User.objects.filter(pk=request.POST.get("assignee") or 0).first()
            services.submission_assign(submission=submission, assignee=assignee, actor=request.user)
            messages.success(request, "担当者を変更しました。")
        elif action == "comment":
            services.submission_comment(
                submission=submission, comment=request.POST.get("comment", ""), actor=request.user
            )
            messages.success(request, "メモを追加しました。")
        else:
            raise Http404
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("eapply:staff_submission", submission_id=submission.pk)


@login_required
@permission_required("eapply.process_submission", raise_exception=True)
def submission_file(request: StaffRequest, submission_id: Any, file_id: int) -> FileResponse:
    submission = _submission(request, submission_id)
    stored = get_object_or_404(SubmissionFile, pk=file_id, submission=submission)
    services.submission_viewed(
        submission=submission, actor=request.user, what=f"添付ファイル {stored.original_name}"
    )
    return FileResponse(
        stored.file.open("rb"),
        as_attachment=True,
        filename=stored.original_name,
        content_type=stored.content_type,
    )


@login_required
@permission_required("eapply.process_submission", raise_exception=True)
def export(request: StaffRequest, slug: str, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404
    procedure = get_object_or_404(Procedure, slug=slug)
    try:
        header, rows = services.submissions_export(procedure=procedure, fmt=fmt, actor=request.user)
    except ValidationError:
        raise Http404 from None
    stamp = timezone.localdate().strftime("%Y%m%d")
    if fmt == "csv":
        out = io.StringIO()
        write_rows(out, header, rows)
        response = HttpResponse(out.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{procedure.slug}-{stamp}.csv"'
        return response
    if fmt == "xlsx":
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        assert ws is not None
        ws.title = "申請"
        ws.append(header)
        for r in rows:
            ws.append([safe_cell(v) for v in r])
        buffer = io.BytesIO()
        wb.save(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{procedure.slug}-{stamp}.xlsx"'
        return response
    raise Http404


# --- Procedures and forms --------------------------------------------------------------------------------


def _departments(user: User) -> Any:
    return (
        Department.objects.all()
        if is_ward_wide(user)
        else Department.objects.filter(pk=user.department_id or 0)
    )


@login_required
@permission_required("eapply.build_form", raise_exception=True)
def procedure_list(request: StaffRequest) -> HttpResponse:
    procedures = Procedure.objects.filter(department__in=_departments(request.user)).select_related(
        "department"
    )
    return render(request, "eapply/staff/procedures.html", {"procedures": procedures})


@login_required
@permission_required("eapply.build_form", raise_exception=True)
def procedure_edit(request: StaffRequest, slug: str | None = None) -> HttpResponse:
    procedure = get_object_or_404(Procedure, slug=slug) if slug else None
    if procedure is not None and not services.can_manage(request.user, procedure):
        raise PermissionDenied("この手続きを編集できるのは、担当部署の職員と情報システム課です。")
    form = ProcedureForm(request.POST or None, instance=procedure, departments=_departments(request.user))
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in ProcedureForm.Meta.fields}
        try:
            procedure = services.procedure_save(procedure=procedure, data=data, actor=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "保存しました。")
            return redirect("eapply:staff_form", slug=procedure.slug)
    return render(request, "eapply/staff/procedure_form.html", {"form": form, "procedure": procedure})


@login_required
@permission_required("eapply.build_form", raise_exception=True)
def form_overview(request: StaffRequest, slug: str) -> HttpResponse:
    """A procedure's form: versions, the draft, publish, JSON import/export and the preview."""
    procedure = get_object_or_404(Procedure, slug=slug)
    if not services.can_manage(request.user, procedure):
        raise PermissionDenied("この手続きのフォームを編集できるのは、担当部署の職員と情報システム課です。")
    draft = procedure.versions.filter(status=FormVersion.Status.DRAFT).first()
    import_form = DefinitionImportForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST":
        try:
            if request.POST.get("action") == "publish":
                version = services.form_publish(procedure=procedure, actor=request.user)
                messages.success(request, f"第{version.number}版を公開しました。区民はこの版で申請します。")
                return redirect("eapply:staff_form", slug=slug)
            if import_form.is_valid():
                raw = import_form.cleaned_data["file"].read()
                try:
                    definition = formdef.parse_definition_json(raw.decode("utf-8-sig"))
                except UnicodeDecodeError:
                    raise formdef.DefinitionError(["ファイルは UTF-8 の JSON にしてください。"]) from None
                services.form_save_draft(procedure=procedure, definition=definition, actor=request.user)
                messages.success(
                    request, "定義を読み込みました（作成中の版）。確認してから公開してください。"
                )
                return redirect("eapply:staff_form", slug=slug)
        except formdef.DefinitionError as exc:
            problems = exc.problems
        except ValidationError as exc:
            problems = exc.messages
    current = draft or procedure.published_version
    preview = None
    if current is not None:
        preview = [
            {"page": p, "form": formdef.page_form(current.definition, p["id"], {})}
            for p in current.definition["pages"]
        ]
    return render(
        request,
        "eapply/staff/form_overview.html",
        {
            "procedure": procedure,
            "draft": draft,
            "published": procedure.published_version,
            "versions": procedure.versions.all(),
            "import_form": import_form,
            "problems": problems,
            "preview": preview,
            "current": current,
            "field_types": formdef.FIELD_TYPES,
        },
        status=400 if problems else 200,
    )


@login_required
@permission_required("eapply.build_form", raise_exception=True)
def form_export(request: StaffRequest, slug: str, number: int) -> HttpResponse:
    version = get_object_or_404(FormVersion, procedure__slug=slug, number=number)
    if not services.can_manage(request.user, version.procedure):
        raise PermissionDenied("この手続きのフォームを出力できるのは、担当部署の職員と情報システム課です。")
    body = json.dumps(version.definition, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slug}-v{number}.json"'
    return response


@login_required
@permission_required("eapply.build_form", raise_exception=True)
def procedures_csv(request: StaffRequest) -> HttpResponse:
    """The procedure catalog with its online and ぴったりサービス status (for the national survey and the
    plan's measure 8), UTF-8 with BOM for Excel."""
    out = io.StringIO()
    rows = [
        [
            p.name,
            p.get_category_display(),
            p.department.name,
            "可" if p.is_online else "不可",
            p.get_priority_display() if p.priority else "",
            p.get_pittari_display(),
            p.fee,
        ]
        for p in Procedure.objects.select_related("department").prefetch_related("versions")
    ]
    write_rows(
        out,
        ["手続名", "分類", "担当部署", "オンライン申請", "国の重点手続", "ぴったりサービス", "手数料"],
        rows,
    )
    response = HttpResponse(out.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="procedures.csv"'
    return response
