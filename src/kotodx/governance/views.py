"""Staff pages of ICT governance: the inventory and its spreadsheet, a system's lifecycle and gate
reviews, the guideline, audits with findings and corrective actions, PIA files, skills and school ICT."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from kotodx.core.forms import add_service_errors
from kotodx.core.http import StaffRequest
from kotodx.core.selectors import is_ward_wide
from kotodx.core.services import audit_record
from kotodx.governance import pia, reports, selectors, services, spreadsheet
from kotodx.governance.forms import (
    ActionForm,
    ActionUpdateForm,
    AuditForm,
    CompletionForm,
    CourseForm,
    DecisionForm,
    FindingForm,
    GuidelineForm,
    ImportForm,
    PiaCheckForm,
    PiaForm,
    SchoolDevicesForm,
    SystemForm,
)
from kotodx.governance.models import (
    STANDARD_AREAS,
    Audit,
    CorrectiveAction,
    Finding,
    GateReview,
    SchoolDevice,
    System,
    TrainingCourse,
)
from kotodx.opendata.validation import FileProblem

VIEW = "governance.view_system"


# --- Inventory ------------------------------------------------------------------------------------


@login_required
@permission_required(VIEW, raise_exception=True)
def system_list(request: StaffRequest) -> HttpResponse:
    qs = selectors.systems_visible_to(request.user)
    g = request.GET
    if g.get("q"):
        qs = qs.filter(Q(name__icontains=g["q"]) | Q(vendor__icontains=g["q"]) | Q(purpose__icontains=g["q"]))
    for key in ("network", "hosting", "stage", "standard_area"):
        if g.get(key):
            qs = qs.filter(**{key: g[key]})
    if g.get("department"):
        qs = qs.filter(department__code=g["department"])
    if g.get("waiting"):
        qs = qs.filter(pk__in=selectors.reviews_waiting(request.user).values("system"))
    if g.get("format") in ("csv", "xlsx"):
        return _export(request, qs, g["format"])
    guideline = services.guideline_current()
    systems = list(qs)
    return render(
        request,
        "governance/system_list.html",
        {
            "systems": systems,
            "summary": selectors.inventory_summary(request.user),
            "guideline": guideline,
            "networks": System.Network.choices,
            "areas": selectors.standard_area_status(),
            "migrated": selectors.standard_areas_migrated(),
            "area_total": len(STANDARD_AREAS),
            "share": selectors.design_review_share(),
            "can_add": request.user.has_perm("governance.add_system"),
            "query": g,
            "filtered": any(
                g.get(k)
                for k in ("q", "network", "hosting", "stage", "standard_area", "department", "waiting")
            ),
        },
    )


def _export(request: StaffRequest, qs: Any, fmt: str) -> HttpResponse:
    stamp = timezone.localdate().strftime("%Y%m%d")
    audit_record(
        actor=request.user,
        action="export",
        target_type="governance.system",
        note=f"台帳の出力（{fmt}、{qs.count()}件）",
    )
    if fmt == "csv":
        response = HttpResponse(spreadsheet.export_csv(qs), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            spreadsheet.export_xlsx(qs),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="system-inventory-{stamp}.{fmt}"'
    return response


@login_required
@permission_required("governance.add_system", raise_exception=True)
def system_create(request: StaffRequest) -> HttpResponse:
    return _system_form(request, None)


@login_required
@permission_required("governance.change_system", raise_exception=True)
def system_edit(request: StaffRequest, pk: int) -> HttpResponse:
    system = get_object_or_404(selectors.systems_visible_to(request.user), pk=pk)
    if not services.can_edit_system(request.user, system):
        raise PermissionDenied("このシステムを変更する権限がありません。")
    return _system_form(request, system)


def _system_form(request: StaffRequest, system: System | None) -> HttpResponse:
    form = SystemForm(request.POST or None, instance=system, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in form.Meta.fields}
        try:
            saved = services.system_save(
                system=System.objects.get(pk=system.pk) if system else None, data=data, actor=request.user
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"「{saved.name}」を保存しました。")
            return redirect("governance:system", pk=saved.pk)
    return render(
        request,
        "governance/system_form.html",
        {"form": form, "system": system},
        status=400 if form.errors else 200,
    )


@login_required
@permission_required(VIEW, raise_exception=True)
def system_detail(request: StaffRequest, pk: int) -> HttpResponse:
    system = get_object_or_404(selectors.systems_visible_to(request.user), pk=pk)
    review = services.current_review(system)
    stages = system.guideline.stages
    codes = [s["code"] for s in stages]
    here = codes.index(system.stage) if system.stage in codes else 0
    gate = (system.guideline.stage(system.stage) or {}).get("gate")
    items = []
    if review is not None:
        for item in review.gate.get("items", []):
            a = review.answers.get(item["code"]) or {}
            items.append({**item, "answer": a.get("answer", ""), "evidence": a.get("evidence", "")})
    return render(
        request,
        "governance/system_detail.html",
        {
            "system": system,
            "stages": [
                {"name": s["name"], "state": "done" if i < here else "current" if i == here else ""}
                for i, s in enumerate(stages)
            ],
            "gate": gate,
            "next_stage": system.guideline.next_stage(system.stage),
            "review": review,
            "items": items,
            "answers": GateReview.Answer.choices,
            "problems": services.review_problems(review) if review else [],
            "can_edit": services.can_edit_system(request.user, system),
            "can_decide": services.can_decide_gate(request.user),
            "decision_form": DecisionForm(),
            "history": system.reviews.exclude(pk=review.pk).select_related("decided_by") if review else [],
            "findings": system.findings.select_related("audit"),
            "pia_files": system.pia_files.all(),
            "incidents": _incidents_of(request, system),
        },
    )


def _incidents_of(request: StaffRequest, system: System) -> list[Any]:
    """The system's incidents that this member of staff may see (the CSIRT's own rule), open ones first."""
    from kotodx.security.selectors import incidents_visible_to

    qs = incidents_visible_to(request.user).filter(systems=system).order_by("-detected_at")
    return sorted(qs, key=lambda i: not i.is_open)


@login_required
@require_POST
def system_advance(request: StaffRequest, pk: int) -> HttpResponse:
    system = get_object_or_404(selectors.systems_visible_to(request.user), pk=pk)
    try:
        system = services.system_advance(system=system, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("governance:system", pk=pk)
    messages.success(request, f"「{system.name}」は「{system.stage_name}」の段階に進みました。")
    return redirect("governance:system", pk=pk)


@login_required
@require_POST
def review_start(request: StaffRequest, pk: int) -> HttpResponse:
    system = get_object_or_404(selectors.systems_visible_to(request.user), pk=pk)
    try:
        services.review_start(system=system, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("governance:system", pk=pk)


@login_required
@require_POST
def review_answer(request: StaffRequest, pk: int) -> HttpResponse:
    review = get_object_or_404(GateReview.objects.select_related("system"), pk=pk)
    if not selectors.systems_visible_to(request.user).filter(pk=review.system_id).exists():
        raise Http404
    answers = {}
    for item in review.gate.get("items", []):
        code = item["code"]
        if f"answer-{code}" in request.POST or f"evidence-{code}" in request.POST:
            answers[code] = {
                "answer": request.POST.get(f"answer-{code}", ""),
                "evidence": request.POST.get(f"evidence-{code}", ""),
            }
    try:
        services.review_answer(review=review, answers=answers, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            "回答を保存しました。"
            + ("情報システム課の審査を待っています。" if not services.review_problems(review) else ""),
        )
    return redirect(f"{review_url(review)}#checklist")


def review_url(review: GateReview) -> str:
    from django.urls import reverse

    return reverse("governance:system", kwargs={"pk": review.system_id})


@login_required
@require_POST
def review_decide(request: StaffRequest, pk: int) -> HttpResponse:
    review = get_object_or_404(GateReview.objects.select_related("system"), pk=pk)
    if not services.can_decide_gate(request.user):
        raise PermissionDenied("関門の審査結果を決定できるのは情報システム課の職員です。")
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "審査結果を選んでください。")
        return redirect(review_url(review))
    try:
        services.review_decide(
            review=review,
            decision=form.cleaned_data["decision"],
            conditions=form.cleaned_data["conditions"],
            actor=request.user,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        review.refresh_from_db()
        messages.success(request, f"審査結果を「{review.get_status_display()}」に決定しました。")
    return redirect(review_url(review))


# --- Import -----------------------------------------------------------------------------------------


def _pending_dir() -> Path:
    """Uploaded spreadsheets waiting for the user's choice; those left for a day are removed."""
    path = Path(settings.MEDIA_ROOT) / "governance-imports"
    path.mkdir(parents=True, exist_ok=True)
    stale = time.time() - 24 * 3600
    for old in path.iterdir():
        if old.stat().st_mtime < stale:
            old.unlink(missing_ok=True)
    return path


@login_required
@permission_required("governance.change_system", raise_exception=True)
def system_import(request: StaffRequest) -> HttpResponse:
    """Upload → a row-by-row report; import all when clean, or only the clean rows when the user asks."""
    form = ImportForm(request.POST or None, request.FILES or None)
    plan = None
    token = ""
    file_problem = ""
    if request.method == "POST" and "token" in request.POST:
        token = request.POST["token"]
        try:
            uuid.UUID(token)
            stored = _pending_dir() / f"{token}-{request.user.pk}"
            data = stored.read_bytes()
        except (ValueError, OSError):
            messages.error(request, "取り込むファイルが見つかりません。もう一度アップロードしてください。")
            return redirect("governance:import")
        plan = spreadsheet.plan_import(request.POST.get("filename", ""), data, actor=request.user)
        try:
            n = spreadsheet.apply_import(
                plan, actor=request.user, only_clean=request.POST.get("only_clean") == "1"
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            stored.unlink(missing_ok=True)
            messages.success(request, f"{n} 件のシステムを台帳に取り込みました。")
            return redirect("governance:systems")
    elif request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        try:
            plan = spreadsheet.plan_import(upload.name, data, actor=request.user)
        except FileProblem as exc:
            file_problem = str(exc)
        else:
            token = str(uuid.uuid4())
            (_pending_dir() / f"{token}-{request.user.pk}").write_bytes(data)
            if not plan.problems:
                return render(
                    request,
                    "governance/import.html",
                    {"form": form, "plan": plan, "token": token, "filename": upload.name},
                )
    status = 400 if (file_problem or (plan and plan.problems) or form.errors) else 200
    return render(
        request,
        "governance/import.html",
        {
            "form": form,
            "plan": plan,
            "token": token,
            "file_problem": file_problem,
            "filename": getattr(request.FILES.get("file"), "name", ""),
        },
        status=status,
    )


# --- Guideline ----------------------------------------------------------------------------------------


@login_required
@permission_required(VIEW, raise_exception=True)
def guideline(request: StaffRequest) -> HttpResponse:
    current = services.guideline_current()
    form = None
    if request.user.has_perm("governance.manage_guideline"):
        form = GuidelineForm(request.POST or None, initial={"source": current.source})
        if request.method == "POST" and form.is_valid():
            try:
                g = services.guideline_publish(
                    source=form.cleaned_data["source"], note=form.cleaned_data["note"], actor=request.user
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"ガイドライン第{g.version}版を登録しました。")
                return redirect("governance:guideline")
    elif request.method == "POST":
        raise PermissionDenied("ガイドラインを改定できるのは情報システム課です。")
    from kotodx.governance.models import Guideline

    return render(
        request,
        "governance/guideline.html",
        {"guideline": current, "versions": Guideline.objects.all()[:20], "form": form},
        status=400 if form is not None and form.errors else 200,
    )


# --- Audits -----------------------------------------------------------------------------------------


@login_required
@permission_required(VIEW, raise_exception=True)
def audit_list(request: StaffRequest) -> HttpResponse:
    can_manage = request.user.has_perm("governance.manage_audit")
    form = AuditForm(request.POST or None) if can_manage else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("監査を計画する権限がありません。")
        if form.is_valid():
            try:
                data = dict(form.cleaned_data)
                audit = services.audit_save(data=data, actor=request.user)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"「{audit.title}」を登録しました。")
                return redirect("governance:audit", pk=audit.pk)
    audits = Audit.objects.annotate(
        n_findings=Count("findings", distinct=True),
        n_open=Count("findings", filter=Q(findings__status=Finding.Status.OPEN), distinct=True),
    )
    if not is_ward_wide(request.user):
        audits = audits.filter(
            Q(systems__department=request.user.department_id)
            | Q(findings__actions__department=request.user.department_id)
        ).distinct()
    return render(
        request,
        "governance/audit_list.html",
        {
            "audits": audits,
            "form": form,
            "overdue": selectors.overdue_actions(request.user).count(),
            "pia_files": selectors.pia_files_visible_to(request.user).count(),
        },
        status=400 if form is not None and form.errors else 200,
    )


def _visible_audit(request: StaffRequest, pk: int) -> Audit:
    audit = get_object_or_404(Audit, pk=pk)
    if is_ward_wide(request.user):
        return audit
    mine = (
        audit.systems.filter(department=request.user.department_id).exists()
        or CorrectiveAction.objects.filter(
            finding__audit=audit, department=request.user.department_id
        ).exists()
    )
    if not mine:
        raise Http404
    return audit


@login_required
@permission_required(VIEW, raise_exception=True)
def audit_detail(request: StaffRequest, pk: int) -> HttpResponse:
    audit = _visible_audit(request, pk)
    can_manage = request.user.has_perm("governance.manage_audit")
    finding_form = FindingForm(audit=audit, prefix="finding") if can_manage else None
    action_form = ActionForm(prefix="action", audit=audit) if can_manage else None
    status = 200
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied("監査の記録を変更する権限がありません。")
        what = request.POST.get("what")
        try:
            if what == "finding":
                finding_form = FindingForm(request.POST, audit=audit, prefix="finding")
                if finding_form.is_valid():
                    services.finding_add(audit=audit, data=finding_form.cleaned_data, actor=request.user)
                    messages.success(request, "指摘事項を記録しました。")
                    return redirect("governance:audit", pk=pk)
            elif what == "action":
                action_form = ActionForm(request.POST, prefix="action", audit=audit)
                if action_form.is_valid():
                    data = dict(action_form.cleaned_data)
                    finding = data.pop("finding")
                    services.action_add(finding=finding, data=data, actor=request.user)
                    messages.success(request, "改善措置を登録しました。")
                    return redirect("governance:audit", pk=pk)
            elif what == "close":
                finding = get_object_or_404(Finding, pk=request.POST.get("finding"), audit=audit)
                services.finding_close(finding=finding, actor=request.user)
                messages.success(request, "指摘事項を完了にしました。")
                return redirect("governance:audit", pk=pk)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        status = 400
    return render(
        request,
        "governance/audit_detail.html",
        {
            "audit": audit,
            "findings": audit.findings.select_related("system").prefetch_related("actions__department"),
            "finding_form": finding_form,
            "action_form": action_form,
            "today": timezone.localdate(),
        },
        status=status,
    )


@login_required
@permission_required(VIEW, raise_exception=True)
def audit_report(request: StaffRequest, pk: int, fmt: str) -> HttpResponse:
    audit = _visible_audit(request, pk)
    if fmt not in ("html", "pdf"):
        raise Http404
    if fmt == "pdf":
        response = HttpResponse(
            reports.audit_pdf(audit, base_url=request.build_absolute_uri("/")), content_type="application/pdf"
        )
        response["Content-Disposition"] = f'attachment; filename="audit-{audit.pk}.pdf"'
        return response
    return HttpResponse(reports.audit_html(audit))


@login_required
@permission_required(VIEW, raise_exception=True)
def action_list(request: StaffRequest) -> HttpResponse:
    qs = selectors.actions_visible_to(request.user)
    overdue = request.GET.get("overdue") == "1"
    if overdue:
        qs = selectors.overdue_actions(request.user)
    elif request.GET.get("open") != "0":
        qs = qs.filter(done_on__isnull=True)
    rows = [
        {"action": a, "can_update": services.can_update_action(request.user, a), "overdue": a.is_overdue()}
        for a in qs
    ]
    return render(
        request,
        "governance/action_list.html",
        {"rows": rows, "overdue_only": overdue, "form": ActionUpdateForm()},
    )


@login_required
@require_POST
def action_update(request: StaffRequest, pk: int) -> HttpResponse:
    action = get_object_or_404(selectors.actions_visible_to(request.user), pk=pk)
    form = ActionUpdateForm(request.POST)
    if not form.is_valid():
        messages.error(request, "完了日は 2026-04-01 のような日付で入力してください。")
        return redirect("governance:actions")
    try:
        services.action_update(
            action=action,
            follow_up=form.cleaned_data["follow_up"],
            done_on=form.cleaned_data["done_on"],
            actor=request.user,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "改善措置の進捗を記録しました。")
    return redirect("governance:actions")


# --- PIA ----------------------------------------------------------------------------------------------


@login_required
@permission_required(VIEW, raise_exception=True)
def pia_list(request: StaffRequest) -> HttpResponse:
    can_manage = request.user.has_perm("governance.manage_pia")
    form = PiaForm(request.POST or None, user=request.user, prefix="file") if can_manage else None
    check = PiaCheckForm(request.GET or None)
    result = None
    if check.is_bound and check.is_valid():
        d = check.cleaned_data
        code = pia.level(d["persons"], d["handlers"], d["incident"])
        result = {"code": code, "name": pia.NAMES[code]}
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("特定個人情報ファイルを登録する権限がありません。")
        if form.is_valid():
            try:
                f = services.pia_file_save(data=dict(form.cleaned_data), actor=request.user)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"「{f.name}」を登録しました。評価の種類: {f.get_level_display()}")
                return redirect("governance:pia")
    today = timezone.localdate()
    files = [
        {"file": f, "due_soon": (f.reassess_by - today).days <= 90}
        for f in selectors.pia_files_visible_to(request.user)
    ]
    return render(
        request,
        "governance/pia.html",
        {"files": files, "form": form, "check": check, "result": result},
        status=400 if (form is not None and form.errors) or check.errors else 200,
    )


# --- Skills and school ICT -------------------------------------------------------------------------


@login_required
@permission_required(VIEW, raise_exception=True)
def skills(request: StaffRequest) -> HttpResponse:
    can_manage = request.user.has_perm("governance.manage_training")
    course_form = CourseForm(prefix="course") if can_manage else None
    completion_form = CompletionForm(prefix="done") if can_manage else None
    devices_form = SchoolDevicesForm(prefix="school") if can_manage else None
    status = 200
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied("研修と学校のICT機器を登録する権限がありません。")
        what = request.POST.get("what")
        try:
            if what == "course":
                course_form = CourseForm(request.POST, prefix="course")
                if course_form.is_valid():
                    services.course_save(data=course_form.cleaned_data, actor=request.user)
                    messages.success(request, "研修を登録しました。")
                    return redirect("governance:skills")
            elif what == "completion":
                completion_form = CompletionForm(request.POST, prefix="done")
                if completion_form.is_valid():
                    d = completion_form.cleaned_data
                    n = services.completions_add(
                        course=d["course"],
                        users=d["usernames"],
                        completed_on=d["completed_on"],
                        actor=request.user,
                    )
                    messages.success(request, f"{n} 名の受講実績を登録しました。")
                    return redirect("governance:skills")
            elif what == "devices":
                devices_form = SchoolDevicesForm(request.POST, prefix="school")
                if devices_form.is_valid():
                    d = devices_form.cleaned_data
                    counts = {
                        k: d[f"count_{k}"]
                        for k in SchoolDevice.Kind.values
                        if d.get(f"count_{k}") is not None
                    }
                    services.school_devices_save(
                        school=d["school"], pupils=d["pupils"], counts=counts, actor=request.user
                    )
                    messages.success(request, f"{d['school']}の機器を登録しました。")
                    return redirect("governance:skills")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        status = 400
    ai_rpa = [TrainingCourse.Topic.AI, TrainingCourse.Topic.RPA]
    by_department = list(selectors.trained_by_department(ai_rpa))
    return render(
        request,
        "governance/skills.html",
        {
            "courses": selectors.courses_with_counts(),
            "by_department": by_department,
            "max_staff": max((d["staff"] for d in by_department), default=1),
            "trained": selectors.staff_trained(ai_rpa, timezone.localdate()),
            "schools": selectors.schools_with_devices(),
            "device_kinds": SchoolDevice.Kind.labels,
            "per_pupil": selectors.devices_per_pupil(),
            "course_form": course_form,
            "completion_form": completion_form,
            "devices_form": devices_form,
        },
        status=status,
    )
