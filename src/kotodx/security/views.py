"""Staff pages of the CSIRT: the dashboard with the plan's KPI as a chart, the incident register, one
incident with its tasks, observables, notifications and timeline, its report and STIX export, exercises,
and sharing (the watch list, received bundles, the TAXII collection)."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_POST

from kotodx.core.fiscal import FiscalYear
from kotodx.core.forms import add_service_errors
from kotodx.core.http import StaffRequest
from kotodx.core.services import audit_record
from kotodx.security import rules, selectors, services, sharing, stix
from kotodx.security.forms import (
    BundleForm,
    ExerciseForm,
    IncidentForm,
    NotificationForm,
    ObservableForm,
    TaskForm,
    TimelineForm,
)
from kotodx.security.models import Category, Exercise, Incident, StixImport, Task, TaxiiCollection, WatchEntry

VIEW = "security.view_incident"


def _incident(request: StaffRequest, number: str) -> Incident:
    incident = Incident.objects.filter(number=number).first()
    if incident is None or not services.can_see(request.user, incident):
        raise Http404("インシデントがないか、見る権限がありません。")
    return incident


def _bar_chart(rows: list[dict]) -> dict:
    """Incidents per FY as bars (drawn in the template as SVG; the table beside it has the numbers)."""
    top = max([r["total"] for r in rows] + [1])
    width, height, left, bottom = 520, 200, 40, 30
    step = (width - left) / max(len(rows), 1)
    bars = []
    for i, r in enumerate(rows):
        h = (height - bottom - 20) * r["total"] / top
        bars.append(
            {
                "x": left + i * step + step * 0.2,
                "y": height - bottom - h,
                "w": step * 0.6,
                "h": h,
                "label": r["fy"].label,
                "total": r["total"],
                "cx": left + i * step + step / 2,
            }
        )
    return {"bars": bars, "width": width, "height": height, "base": height - bottom}


@login_required
@permission_required(VIEW, raise_exception=True)
def dashboard(request: StaffRequest) -> HttpResponse:
    fy = FiscalYear.current()
    rows = selectors.per_fy()
    visible = selectors.incidents_visible_to(request.user)
    status = request.GET.get("status", "open")
    incidents = visible
    if status == "open":
        incidents = incidents.exclude(status__in=list(services.ENDS))
    elif status in Incident.Status.values:
        incidents = incidents.filter(status=status)
    return render(
        request,
        "security/dashboard.html",
        {
            "fy": fy,
            "rows": rows,
            "this_year": rows[-1],
            "severity_choices": Incident.Severity.choices,
            "matrix": [
                {
                    "fy": r["fy"],
                    "total": r["total"],
                    "severities": [r["by_severity"].get(v, 0) for v, _ in Incident.Severity.choices],
                }
                for r in rows
            ],
            "category_rows": [
                {"label": c.label, "counts": [r["by_category"].get(c.value, 0) for r in rows]}
                for c in Category
                if any(r["by_category"].get(c.value) for r in rows)
            ],
            "chart": _bar_chart(rows),
            "mttd": selectors.mttd(fy),
            "mttc": selectors.mttc(fy),
            "mttr": selectors.mttr(fy),
            "exercises": selectors.exercises_in(fy),
            "shared": selectors.indicators_shared(fy),
            "received": selectors.indicators_received(fy),
            "incidents": incidents[:200],
            "status": status,
            "statuses": Incident.Status.choices,
            "can_report": request.user.has_perm("security.report_incident"),
        },
    )


@login_required
@permission_required("security.report_incident", raise_exception=True)
def incident_create(request: StaffRequest) -> HttpResponse:
    csirt = services.is_csirt(request.user)
    form = IncidentForm(request.POST or None, csirt=csirt, initial={"detected_at": timezone.localtime()})
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("systems", "departments")}
        try:
            incident = services.incident_create(
                data=data,
                actor=request.user,
                systems=form.cleaned_data["systems"],
                departments=form.cleaned_data["departments"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{incident.number} を登録しました。")
            return redirect("security:incident", number=incident.number)
    return render(request, "security/incident_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@permission_required("security.handle_incident", raise_exception=True)
def incident_edit(request: StaffRequest, number: str) -> HttpResponse:
    incident = _incident(request, number)
    form = IncidentForm(
        request.POST or None,
        instance=incident,
        csirt=True,
        initial={"systems": incident.systems.all(), "departments": incident.departments.all()},
    )
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("systems", "departments")}
        try:
            services.incident_update(
                incident=Incident.objects.get(pk=incident.pk),
                data=data,
                actor=request.user,
                systems=list(form.cleaned_data["systems"]),
                departments=list(form.cleaned_data["departments"]),
            )
            sharing.withdraw_if_not_shareable(
                incident=Incident.objects.get(pk=incident.pk), actor=request.user
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{incident.number} を更新しました。")
            return redirect("security:incident", number=incident.number)
    return render(
        request,
        "security/incident_form.html",
        {"form": form, "incident": incident},
        status=400 if form.errors else 200,
    )


def _detail_context(request: StaffRequest, incident: Incident) -> dict[str, Any]:
    networks = set(incident.systems.values_list("network", flat=True))
    told = {n.body: n for n in incident.notifications.select_related("notified_by")}
    required = rules.required_bodies(incident, networks)
    required_codes = {b.code for b, _ in required}
    checklist = [{"body": b, "reason": r, "told": told.get(b.code)} for b, r in required]
    checklist += [
        {"body": rules.BODY_BY_CODE[c], "reason": "（任意の報告）", "told": n}
        for c, n in told.items()
        if c not in required_codes
    ]
    return {
        "incident": incident,
        "csirt": services.is_csirt(request.user),
        "checklist": checklist,
        "deadlines": rules.personal_info_deadlines(incident),
        "ppc_told": told.get("ppc"),
        "tasks": incident.tasks.select_related("owner"),
        "observables": incident.observables.all(),
        "timeline": incident.timeline.select_related("actor"),
        "systems": incident.systems.select_related("department"),
        "departments": incident.departments.all(),
        "now": timezone.now(),
    }


@login_required
@permission_required(VIEW, raise_exception=True)
def incident_detail(request: StaffRequest, number: str) -> HttpResponse:
    incident = _incident(request, number)
    ctx = _detail_context(request, incident)
    forms_: dict[str, Any] = {
        "observable": ObservableForm(prefix="obs"),
        "task": TaskForm(prefix="task"),
        "notification": NotificationForm(
            prefix="notice", initial={"notified_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")}
        ),
        "timeline": TimelineForm(prefix="tl"),
    }
    status = 200
    if request.method == "POST":
        if not ctx["csirt"]:
            task = Task.objects.filter(pk=request.POST.get("task") or 0, incident=incident).first()
            if (
                request.POST.get("what") == "task_done"
                and task is not None
                and task.owner_id == request.user.pk
            ):
                services.task_done(task=task, actor=request.user)
                return redirect("security:incident", number=number)
            raise PermissionDenied("インシデントを更新できるのはCSIRTです。")
        what = request.POST.get("what")
        f: Any
        try:
            if what == "observable":
                forms_["observable"] = f = ObservableForm(request.POST, prefix="obs")
                if f.is_valid():
                    d = f.cleaned_data
                    services.observable_add(
                        incident=incident,
                        kind=d["kind"],
                        value=d["value"],
                        is_ioc=d["is_ioc"],
                        note=d["note"],
                        actor=request.user,
                    )  # noqa: E501
                    return redirect(f"{request.path}#observables")
            elif what == "task":
                forms_["task"] = f = TaskForm(request.POST, prefix="task")
                if f.is_valid():
                    services.task_add(incident=incident, actor=request.user, **f.cleaned_data)
                    return redirect(f"{request.path}#tasks")
            elif what == "task_done":
                task = Task.objects.filter(pk=request.POST.get("task") or 0, incident=incident).first()
                if task is None:
                    raise Http404
                services.task_done(task=task, actor=request.user)
                return redirect(f"{request.path}#tasks")
            elif what == "notification":
                forms_["notification"] = f = NotificationForm(request.POST, prefix="notice")
                if f.is_valid():
                    services.notification_record(incident=incident, actor=request.user, **f.cleaned_data)
                    return redirect(f"{request.path}#notifications")
            elif what == "timeline":
                forms_["timeline"] = f = TimelineForm(request.POST, prefix="tl")
                if f.is_valid():
                    services.timeline_add(incident=incident, text=f.cleaned_data["text"], actor=request.user)
                    return redirect(f"{request.path}#timeline")
            elif what == "share":
                n = sharing.publish(incident=incident, actor=request.user)
                messages.success(request, f"共有コレクションに {n} 件の新しいオブジェクトを載せました。")
                return redirect(request.path)
        except stix.ExportRefused as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            target = forms_.get(what or "")
            if target is not None:
                add_service_errors(target, exc)
            else:
                messages.error(request, " ".join(exc.messages))
        status = 400
    return render(request, "security/incident_detail.html", {**ctx, "forms": forms_}, status=status)


@login_required
@permission_required(VIEW, raise_exception=True)
def incident_stix(request: StaffRequest, number: str) -> HttpResponse:
    incident = _incident(request, number)
    if not request.user.has_perm("security.share_stix"):
        raise PermissionDenied("STIXで出力する権限がありません。")
    try:
        doc = stix.bundle([incident])
    except stix.ExportRefused as exc:
        messages.error(request, str(exc))
        return redirect("security:incident", number=number)
    audit_record(actor=request.user, action="export", target=incident, note="STIX 2.1 バンドル")
    response = HttpResponse(
        json.dumps(doc, ensure_ascii=False, indent=2), content_type="application/stix+json;version=2.1"
    )
    response["Content-Disposition"] = f'attachment; filename="{incident.number}.stix.json"'
    return response


@login_required
@permission_required(VIEW, raise_exception=True)
def incident_report(request: StaffRequest, number: str, fmt: str) -> HttpResponse:
    incident = _incident(request, number)
    if fmt not in ("html", "pdf"):
        raise Http404
    ctx = {
        **_detail_context(request, incident),
        "generated_at": timezone.localtime(),
        "for_pdf": fmt == "pdf",
    }
    html = render_to_string("security/incident_report.html", ctx)
    audit_record(actor=request.user, action="export", target=incident, note=f"インシデント報告書（{fmt}）")
    if fmt == "html":
        return HttpResponse(html)
    from django.contrib.staticfiles import finders
    from weasyprint import CSS, HTML

    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf(
        stylesheets=[CSS(filename=finders.find("kotodx/css/report.css"))]
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{incident.number}.pdf"'
    return response


@login_required
@permission_required(VIEW, raise_exception=True)
def exercises(request: StaffRequest) -> HttpResponse:
    csirt = services.is_csirt(request.user)
    form = ExerciseForm(request.POST or None) if csirt else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("訓練を記録できるのはCSIRTです。")
        if form.is_valid():
            try:
                services.exercise_save(data=form.cleaned_data, actor=request.user)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "訓練を記録しました。")
                return redirect("security:exercises")
    per_fy: dict[int, int] = {}
    for e in Exercise.objects.all():
        fy = FiscalYear.of(e.held_on).year
        per_fy[fy] = per_fy.get(fy, 0) + 1
    return render(
        request,
        "security/exercises.html",
        {"exercises": Exercise.objects.all(), "form": form, "per_fy": sorted(per_fy.items(), reverse=True)},
        status=400 if form is not None and form.errors else 200,
    )


@login_required
@permission_required("security.share_stix", raise_exception=True)
def sharing_page(request: StaffRequest) -> HttpResponse:
    form = BundleForm(request.POST or None, request.FILES or None)
    result = None
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            data = stix.read_capped(form.cleaned_data["file"])
            result = stix.import_bundle(data, source=form.cleaned_data["source"], actor=request.user)
        except stix.BundleProblem as exc:
            problems = exc.messages
    collection = sharing.community_collection()
    return render(
        request,
        "security/sharing.html",
        {
            "form": form,
            "result": result,
            "problems": problems,
            "watch": WatchEntry.objects.all()[:300],
            "imports": StixImport.objects.all()[:20],
            "collection": collection,
            "collection_count": sharing.feed_objects(collection).count(),
            "collections": TaxiiCollection.objects.prefetch_related("readers"),
            "taxii_url": request.build_absolute_uri("/taxii2/"),
        },
        status=400 if problems or form.errors else 200,
    )


@login_required
@require_POST
@permission_required("security.share_stix", raise_exception=True)
def export_shareable(request: StaffRequest) -> HttpResponse:
    incidents = [i for i in Incident.objects.all() if i.shareable]
    doc = stix.bundle(incidents)
    audit_record(
        actor=request.user,
        action="export",
        target_type="security.incident",
        note=f"共有可能な {len(incidents)} 件をSTIXで出力",
    )
    response = HttpResponse(
        json.dumps(doc, ensure_ascii=False), content_type="application/stix+json;version=2.1"
    )
    response["Content-Disposition"] = 'attachment; filename="koto-shareable.stix.json"'
    return response
