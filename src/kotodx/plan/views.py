"""Pages of the plan hub: public plan pages, dashboard and annual reports; staff progress work."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from kotodx.core.fiscal import FiscalYear
from kotodx.core.http import StaffRequest
from kotodx.core.services import audit_record
from kotodx.plan import forms, reports, selectors, services
from kotodx.plan.evaluation import GRADE_LABELS
from kotodx.plan.loader import PlanFileError, read_plan_text
from kotodx.plan.models import EvidenceFile, IndividualMeasure, Kpi, Plan, ProgressEntry


def _internal(request: HttpRequest) -> bool:
    """Staff who may see entries still under review see them (marked) on every plan page."""
    return request.user.is_authenticated and request.user.has_perm("plan.view_internal_progress")


# --- Public pages ---------------------------------------------------------------------------------


def plan_list(request: HttpRequest) -> HttpResponse:
    plans = list(selectors.plans_list())
    current = FiscalYear.current()
    return render(
        request,
        "plan/plan_list.html",
        {
            "plans": plans,
            "current_fy": current,
            "current_plan": selectors.plan_for_fiscal_year(current.year),
        },
    )


def plan_detail(request: HttpRequest, code: str) -> HttpResponse:
    plan = get_object_or_404(Plan, code=code)
    view = selectors.plan_view(plan, internal=_internal(request))
    fy = _selected_year(request, plan, view)
    return render(
        request,
        "plan/plan_detail.html",
        {
            "plan": plan,
            "view": view,
            "fy": FiscalYear(fy) if fy else None,
            "dashboard": reports.dashboard(view, fy) if fy else None,
            "grade_labels": GRADE_LABELS,
            "guidelines": plan.guidelines.prefetch_related("measures"),
        },
    )


def _selected_year(request: HttpRequest, plan: Plan, view: selectors.PlanView) -> int | None:
    raw = request.GET.get("fy", "")
    if raw:
        try:
            fy = FiscalYear.parse(raw).year
        except ValueError:
            raise Http404 from None
        if not plan.covers(fy):
            raise Http404
        return fy
    return view.latest_year_with_data


def measure_detail(request: HttpRequest, code: str, number: int) -> HttpResponse:
    plan = get_object_or_404(Plan, code=code)
    im = get_object_or_404(
        IndividualMeasure.objects.select_related("measure__guideline", "continues__plan"),
        plan=plan,
        number=number,
    )
    view = selectors.plan_view(plan, internal=_internal(request))
    user = request.user
    can_draft = user.is_authenticated and services.can_draft(user, im)
    return render(
        request,
        "plan/measure_detail.html",
        {
            "plan": plan,
            "im": im,
            "view": view,
            "rows": view.rows_for_measure(im),
            "kpi_charts": [reports.kpi_chart(view, kpi) for kpi in im.kpis.all()],
            "can_draft": can_draft,
            "successors": im.continued_by.select_related("plan"),
        },
    )


def revision_list(request: HttpRequest, code: str) -> HttpResponse:
    plan = get_object_or_404(Plan, code=code)
    return render(request, "plan/revision_list.html", {"plan": plan, "revisions": plan.revisions.all()})


def final_evaluation(request: HttpRequest, code: str) -> HttpResponse:
    plan = get_object_or_404(Plan, code=code)
    view = selectors.plan_view(plan, internal=False)
    return render(
        request,
        "plan/final.html",
        {
            "plan": plan,
            "view": view,
            "final": reports.final_evaluation(view),
            "grade_labels": GRADE_LABELS,
        },
    )


def _report_plan(request: HttpRequest, fy_text: str) -> tuple[Plan, int, selectors.PlanView]:
    try:
        fy = FiscalYear.parse(fy_text).year
    except ValueError:
        raise Http404 from None
    plan = selectors.plan_for_fiscal_year(fy)
    if plan is None:
        raise Http404
    return plan, fy, selectors.plan_view(plan, internal=False)


def report_html(request: HttpRequest, fy: str) -> HttpResponse:
    plan, year, view = _report_plan(request, fy)
    return render(request, "plan/report.html", reports.report_context(view, year))


def report_pdf(request: HttpRequest, fy: str) -> HttpResponse:
    plan, year, view = _report_plan(request, fy)
    pdf = reports.report_pdf(view, year, base_url=request.build_absolute_uri("/"))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="plan-report-{year}.pdf"'
    return response


def report_csv(request: HttpRequest, fy: str) -> HttpResponse:
    plan, year, view = _report_plan(request, fy)
    response = HttpResponse(reports.report_csv(view, year), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="plan-report-{year}.csv"'
    return response


def report_json(request: HttpRequest, fy: str) -> HttpResponse:
    plan, year, view = _report_plan(request, fy)
    response = HttpResponse(reports.report_json(view, year), content_type="application/json; charset=utf-8")
    response["Access-Control-Allow-Origin"] = "*"  # open data
    return response


# --- Staff pages ----------------------------------------------------------------------------------


@login_required
@permission_required("plan.view_internal_progress", raise_exception=True)
def staff_home(request: StaffRequest) -> HttpResponse:
    current = FiscalYear.current()
    plan = selectors.plan_for_fiscal_year(current.year)
    mine: list[Any] = []
    if plan is not None:
        view = selectors.plan_view(plan, internal=True)
        mine = [r for r in view.rows_for_year(current.year) if services.can_draft(request.user, r.im)]
    return render(
        request,
        "plan/staff_home.html",
        {
            "worklist": selectors.worklist(request.user),
            "plan": plan,
            "current_fy": current,
            "mine": mine,
        },
    )


@login_required
@require_POST
def entry_create(request: StaffRequest, code: str, number: int, fy: int) -> HttpResponse:
    im = get_object_or_404(IndividualMeasure, plan__code=code, number=number)
    try:
        entry = services.entry_create(im=im, fiscal_year=fy, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("plan:measure_detail", code=code, number=number)
    return redirect("plan:entry_detail", entry_id=entry.pk)


def _entry(entry_id: int) -> ProgressEntry:
    return get_object_or_404(
        ProgressEntry.objects.select_related("individual_measure__plan", "individual_measure__measure"),
        pk=entry_id,
    )


@login_required
@permission_required("plan.view_internal_progress", raise_exception=True)
def entry_detail(request: StaffRequest, entry_id: int) -> HttpResponse:
    entry = _entry(entry_id)
    im = entry.individual_measure
    user = request.user
    can_edit = entry.is_editable and services.can_draft(user, im)
    form = forms.EntryForm(entry=entry, data=request.POST or None)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("この進捗を編集する権限がないか、編集できない状態です。")
        if form.is_valid():
            try:
                services.entry_save(
                    entry=entry, data=form.entry_input(), version=form.cleaned_data["version"], actor=user
                )
            except services.ConflictError:
                form.add_error(None, services.ConflictError.message)
                response = _render_entry(request, entry, form, can_edit, status=409)
                return response
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, "保存しました。")
                return redirect("plan:entry_detail", entry_id=entry.pk)
    return _render_entry(request, entry, form, can_edit)


def _render_entry(
    request: StaffRequest, entry: ProgressEntry, form: forms.EntryForm, can_edit: bool, status: int = 200
) -> HttpResponse:
    view = selectors.plan_view(entry.individual_measure.plan, internal=True)
    row = view.row(entry.individual_measure, entry.fiscal_year)
    if row.entry is None or row.entry.pk != entry.pk:  # an older revision: evaluate it on its own figures
        row = selectors.EntryRow(
            im=entry.individual_measure,
            fiscal_year=entry.fiscal_year,
            entry=entry,
            cells=row.cells,
        )
    user = request.user
    return render(
        request,
        "plan/entry_detail.html",
        {
            "entry": entry,
            "im": entry.individual_measure,
            "plan": entry.individual_measure.plan,
            "row": row,
            "form": form,
            "can_edit": can_edit,
            "actions": services.allowed_actions(entry, user),
            "transition_form": forms.TransitionForm(initial={"version": entry.version}),
            "override_form": forms.OverrideForm(
                initial={"grade": entry.evaluation_override, "reason": entry.override_reason}
            ),
            "can_override": user.has_perm("plan.check_progress") and not entry.is_locked,
            "can_correct": entry.state == ProgressEntry.State.APPROVED
            and services.can_draft(user, entry.individual_measure),
            "evidence_form": forms.EvidenceForm(),
            "history": selectors.entry_history(entry),
            "steps": entry.steps.select_related("actor"),
            "grade_labels": GRADE_LABELS,
        },
        status=status,
    )


@login_required
@require_POST
def entry_transition(request: StaffRequest, entry_id: int, action: str) -> HttpResponse:
    entry = _entry(entry_id)
    form = forms.TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "送信内容に誤りがあります。")
        return redirect("plan:entry_detail", entry_id=entry.pk)
    try:
        services.entry_transition(
            entry=entry,
            action=action,
            comment=form.cleaned_data["comment"],
            version=form.cleaned_data["version"],
            actor=request.user,
        )
    except services.ConflictError:
        messages.error(request, services.ConflictError.message)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _TRANSITION_DONE.get(action, "操作しました。"))
    return redirect("plan:entry_detail", entry_id=entry.pk)


_TRANSITION_DONE = {
    "submit": "提出しました。情報システム課の確認を待っています。",
    "check": "確認しました。専門部会の審査に進みます。",
    "review": "審査しました。推進委員会の承認に進みます。",
    "approve": "承認しました。この年度の進捗は確定し、公表されます。",
    "return": "差し戻しました。所管部署に理由が表示されます。",
}


@login_required
@require_POST
def entry_override(request: StaffRequest, entry_id: int) -> HttpResponse:
    entry = _entry(entry_id)
    form = forms.OverrideForm(request.POST)
    if form.is_valid():
        try:
            services.entry_override_evaluation(
                entry=entry,
                grade=form.cleaned_data["grade"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
            messages.success(request, "評価を更新しました。")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, "評価の入力に誤りがあります。")
    return redirect("plan:entry_detail", entry_id=entry.pk)


@login_required
@require_POST
def entry_correct(request: StaffRequest, entry_id: int) -> HttpResponse:
    entry = _entry(entry_id)
    try:
        copy = services.entry_correct(entry=entry, reason=request.POST.get("reason", ""), actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("plan:entry_detail", entry_id=entry.pk)
    messages.success(request, "訂正版を作成しました。内容を直して提出してください。")
    return redirect("plan:entry_detail", entry_id=copy.pk)


@login_required
@require_POST
def evidence_upload(request: StaffRequest, entry_id: int) -> HttpResponse:
    entry = _entry(entry_id)
    form = forms.EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "ファイルを選んでください。")
    else:
        try:
            services.evidence_add(entry=entry, upload=form.cleaned_data["file"], actor=request.user)
            messages.success(request, "根拠資料を追加しました。")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    return redirect("plan:entry_detail", entry_id=entry.pk)


@login_required
@permission_required("plan.view_internal_progress", raise_exception=True)
def evidence_download(request: StaffRequest, evidence_id: int) -> FileResponse:
    ev = get_object_or_404(EvidenceFile, pk=evidence_id)
    audit_record(actor=request.user, action="view", target=ev, note="根拠資料のダウンロード")
    return FileResponse(
        ev.file.open("rb"), as_attachment=True, filename=ev.original_name, content_type=ev.content_type
    )


@login_required
@permission_required("plan.manage_plan", raise_exception=True)
def kpi_revise(request: StaffRequest, kpi_id: int) -> HttpResponse:
    kpi = get_object_or_404(Kpi.objects.select_related("plan", "individual_measure"), pk=kpi_id)
    form = forms.KpiReviseForm(kpi=kpi, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            revision = services.kpi_revise(kpi=kpi, actor=request.user, **form.revision_kwargs())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "見直しを記録しました。" if revision else "変更はありませんでした。")
            return redirect("plan:revision_list", code=kpi.plan.code)
    return render(request, "plan/kpi_revise.html", {"kpi": kpi, "form": form, "plan": kpi.plan})


@login_required
@permission_required("plan.manage_plan", raise_exception=True)
def successor_create(request: StaffRequest, code: str) -> HttpResponse:
    predecessor = get_object_or_404(Plan, code=code)
    form = forms.SuccessorForm(predecessor=predecessor, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_create_successor(
                predecessor=predecessor, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"「{plan.title}」を作成しました。")
            return redirect("plan:plan_detail", code=plan.code)
    return render(request, "plan/successor_form.html", {"form": form, "plan": predecessor})


@login_required
@permission_required("plan.manage_plan", raise_exception=True)
def plan_upload(request: StaffRequest) -> HttpResponse:
    """Load a plan file (YAML) from the browser: the same rules as ``kotodx loadplan``."""
    form = forms.PlanFileForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > 2 * 1024 * 1024:
            problems = ["ファイルが大きすぎます（2MBまで）。"]
        else:
            try:
                text = upload.read().decode("utf-8-sig")
                plan = services.plan_load(
                    read_plan_text(text),
                    actor=request.user,
                    label=f"画面から読み込んだ計画ファイル {upload.name}",
                    reason=form.cleaned_data["reason"],
                )
            except UnicodeDecodeError:
                problems = ["ファイルは UTF-8 の文字コードで保存してください。"]
            except PlanFileError as exc:
                problems = exc.problems
            else:
                messages.success(request, f"「{plan.title}」を読み込みました。")
                return redirect("plan:plan_detail", code=plan.code)
    return render(
        request,
        "plan/plan_upload.html",
        {"form": form, "problems": problems},
        status=400 if problems else 200,
    )


@login_required
@permission_required("plan.manage_plan", raise_exception=True)
def final_edit(request: StaffRequest, code: str) -> HttpResponse:
    plan = get_object_or_404(Plan, code=code)
    view = selectors.plan_view(plan, internal=False)
    suggested = reports.final_evaluation(view)
    form = forms.FinalEvaluationForm(plan=plan, suggested=suggested, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_final_evaluate(plan=plan, actor=request.user, **form.evaluation_kwargs())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "最終評価を登録しました。")
            return redirect("plan:final", code=plan.code)
    return render(request, "plan/final_form.html", {"form": form, "plan": plan})


def report_redirect(request: HttpRequest) -> HttpResponse:
    """/plan/reports/ → the latest fiscal year that has an approved report."""
    for plan in selectors.plans_list().filter(is_example=False):
        view = selectors.plan_view(plan)
        if view.latest_year_with_data:
            return redirect(reverse("plan:report", args=[view.latest_year_with_data]))
    raise Http404
