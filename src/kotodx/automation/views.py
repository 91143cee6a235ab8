"""Staff pages of automation: the robots of one's department with their hours saved, a robot's settings
and step editor, runs with per-step logs, run / dry run / re-run, and YAML export."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from kotodx.automation import engine, selectors, services
from kotodx.automation.actions import ACTIONS
from kotodx.automation.forms import RobotForm, editor_rows, steps_from_post
from kotodx.automation.models import Robot, Run
from kotodx.core.fiscal import FiscalYear
from kotodx.core.forms import add_service_errors
from kotodx.core.http import StaffRequest

VIEW = "automation.view_robot"


def _robot(request: StaffRequest, name: str) -> Robot:
    return get_object_or_404(selectors.robots_visible_to(request.user), name=name)


@login_required
@permission_required(VIEW, raise_exception=True)
def robot_list(request: StaffRequest) -> HttpResponse:
    robots = list(selectors.robots_visible_to(request.user).prefetch_related("runs"))
    fy = FiscalYear.current()
    for r in robots:
        r.last_run = max(r.runs.all(), key=lambda run: run.created_at, default=None)  # type: ignore[attr-defined]
        r.problems = engine.problems(r)  # type: ignore[attr-defined]
    years = [FiscalYear(fy.year - k) for k in range(4, -1, -1)]
    visible = selectors.robots_visible_to(request.user)
    trend = [(y, selectors.hours_saved(y, visible)) for y in years]
    top = max([h for _, h in trend] + [1])
    return render(
        request,
        "automation/robot_list.html",
        {
            "robots": robots,
            "fy": fy,
            "report": selectors.report(fy, visible),
            "trend": [{"fy": y, "hours": h, "pct": int(100 * h / top)} for y, h in trend],
            "can_add": request.user.has_perm("automation.add_robot"),
        },
    )


@login_required
@permission_required(VIEW, raise_exception=True)
def robot_detail(request: StaffRequest, name: str) -> HttpResponse:
    robot = _robot(request, name)
    runs = robot.runs.prefetch_related("steps")[:30]
    return render(
        request,
        "automation/robot_detail.html",
        {
            "robot": robot,
            "steps": editor_rows(robot.steps),
            "runs": runs,
            "problems": engine.problems(robot),
            "can_run": request.user.has_perm("automation.run_robot")
            and services.can_manage(request.user, robot.department_id),
            "can_edit": services.can_manage(request.user, robot.department_id),
        },
    )


def _editor(request: StaffRequest, robot: Robot | None) -> HttpResponse:
    form = RobotForm(request.POST or None, instance=robot, user=request.user)
    steps = steps_from_post(request.POST) if request.method == "POST" else list(robot.steps if robot else [])
    if request.method == "POST" and request.POST.get("add") and request.POST.get("add_step"):
        if request.POST["add_step"] in ACTIONS:
            steps.append({"action": request.POST["add_step"], "params": {}})
        return _render_editor(request, form, robot, steps, validate=False)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items()}
        data["steps"] = steps
        try:
            saved = services.robot_save(data=data, actor=request.user, robot=robot)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"「{saved.title}」を保存しました。")
            return redirect("automation:robot", name=saved.name)
    return _render_editor(request, form, robot, steps)


def _render_editor(
    request: StaffRequest,
    form: RobotForm,
    robot: Robot | None,
    steps: list[dict[str, Any]],
    validate: bool = True,
) -> HttpResponse:
    return render(
        request,
        "automation/robot_form.html",
        {"form": form, "robot": robot, "steps": editor_rows(steps), "actions": ACTIONS.values()},
        status=400 if validate and form.errors else 200,
    )


@login_required
@permission_required("automation.add_robot", raise_exception=True)
def robot_create(request: StaffRequest) -> HttpResponse:
    return _editor(request, None)


@login_required
@permission_required("automation.change_robot", raise_exception=True)
def robot_edit(request: StaffRequest, name: str) -> HttpResponse:
    robot = _robot(request, name)
    if not services.can_manage(request.user, robot.department_id):
        raise PermissionDenied("自部署のロボットだけを変更できます。")
    return _editor(request, robot)


@login_required
@require_POST
def robot_run(request: StaffRequest, name: str) -> HttpResponse:
    robot = _robot(request, name)
    try:
        run = services.run_request(
            robot=robot, actor=request.user, dry_run=request.POST.get("dry_run") == "1"
        )
    except PermissionDenied:
        raise
    run.refresh_from_db()
    label = "試行" if run.dry_run else "実行"
    messages.success(request, f"{label}を受け付けました（状態: {run.get_status_display()}）。")
    return redirect("automation:robot", name=name)


@login_required
@require_POST
def run_again(request: StaffRequest, name: str, run_id: int) -> HttpResponse:
    """Run a robot again with what started an earlier run (the same dropped file, the same event)."""
    robot = _robot(request, name)
    earlier = get_object_or_404(Run, robot=robot, pk=run_id)
    services.run_request(
        robot=robot, actor=request.user, trigger=f"rerun:{earlier.pk}", context=earlier.context
    )
    messages.success(request, "同じ条件でもう一度実行しました。")
    return redirect("automation:robot", name=name)


@login_required
@permission_required(VIEW, raise_exception=True)
def robot_export(request: StaffRequest, name: str) -> HttpResponse:
    robot = _robot(request, name)
    response = HttpResponse(services.robot_yaml(robot), content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{robot.name}.yaml"'
    return response


@login_required
@permission_required(VIEW, raise_exception=True)
def run_output(request: StaffRequest, name: str, run_id: int, index: int) -> FileResponse:
    robot = _robot(request, name)
    run = get_object_or_404(Run, robot=robot, pk=run_id)
    if index >= len(run.outputs):
        raise Http404
    from pathlib import Path

    from django.conf import settings

    path = Path(settings.MEDIA_ROOT) / run.outputs[index]
    if not path.exists():
        raise Http404("ファイルがありません。")
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)
