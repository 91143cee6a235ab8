"""Every write of automation, atomic and audited: robots (each acts as its own staff account with the
rights of a clerk of its department), their YAML form, and requests to run them."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import yaml
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from kotodx.automation import schedule
from kotodx.automation.actions import check_params
from kotodx.automation.models import Robot, Run
from kotodx.core.models import Department, User
from kotodx.core.selectors import is_ward_wide
from kotodx.core.services import audit_record, model_snapshot

FIELDS = [
    "title",
    "description",
    "trigger",
    "cron",
    "skip_holidays",
    "event",
    "event_filter",
    "minutes_per_item",
    "allow_overlap",
    "max_retries",
    "timeout_seconds",
    "notify_email",
    "enabled",
]


def can_manage(user: User, department_id: int | None) -> bool:
    if not user.is_authenticated or not user.has_perm("automation.change_robot"):
        return False
    return is_ward_wide(user) or (department_id is not None and department_id == user.department_id)


def _account(name: str, department: Department) -> User:
    user, _ = User.objects.get_or_create(
        username=f"robot.{name}", defaults={"display_name": f"ロボット {name}", "department": department}
    )
    user.department = department
    user.set_unusable_password()
    user.save()
    user.groups.set(Group.objects.filter(name="dept_clerk"))
    return user


def clean_steps(steps: Any) -> list[dict[str, Any]]:
    if not isinstance(steps, list) or not steps:
        raise ValidationError({"steps": "手順を1つ以上並べてください。"})
    out = []
    for n, step in enumerate(steps, start=1):
        if not isinstance(step, dict) or "action" not in step:
            raise ValidationError({"steps": f"手順{n}に操作（action）がありません。"})
        try:
            params = check_params(step["action"], step.get("params") or {})
        except ValidationError as exc:
            raise ValidationError({"steps": f"手順{n}: {' '.join(exc.messages)}"}) from exc
        out.append({"action": step["action"], "params": params})
    return out


@transaction.atomic
def robot_save(*, data: dict[str, Any], actor: User | None, robot: Robot | None = None) -> Robot:
    dept: Department | None = data.get("department") or (robot.department if robot else None)
    if dept is None:
        raise ValidationError({"department": "所管部署を選んでください。"})
    if actor is not None and (
        not can_manage(actor, dept.pk) or (robot and not can_manage(actor, robot.department_id))
    ):
        raise PermissionDenied("自部署のロボットだけを作成・変更できます。")
    before = model_snapshot(robot, exclude=("updated_at", "next_run_at")) if robot else None
    if robot is None:
        name = str(data.get("name") or "")
        if Robot.objects.filter(name=name).exists():
            raise ValidationError({"name": f"ロボットID「{name}」は使われています。"})
        robot = Robot(name=name, department=dept)
    for f in FIELDS:
        if f in data:
            setattr(robot, f, data[f])
    robot.department = dept
    if "steps" in data:
        robot.steps = clean_steps(data["steps"])
    try:
        robot.minutes_per_item = Decimal(str(robot.minutes_per_item))
    except InvalidOperation:
        raise ValidationError({"minutes_per_item": "作業時間は数で入力してください。"}) from None
    if robot.trigger == Robot.Trigger.SCHEDULE:
        try:
            robot.cron = schedule.check_cron(robot.cron)
        except ValueError as exc:
            raise ValidationError({"cron": str(exc)}) from exc
        robot.next_run_at = schedule.next_run(robot.cron, timezone.now(), skip_holidays=robot.skip_holidays)
    else:
        robot.next_run_at = None
    if robot.trigger == Robot.Trigger.EVENT and not robot.event:
        raise ValidationError({"event": "起動するイベントを選んでください。"})
    robot.account = _account(robot.name, dept) if robot.account_id is None else robot.account
    if robot.account.department_id != dept.pk:
        robot.account = _account(robot.name, dept)
    robot.full_clean()
    robot.save()
    after = model_snapshot(robot, exclude=("updated_at", "next_run_at"))
    if before != after:
        audit_record(
            actor=actor, action="update" if before else "create", target=robot, before=before, after=after
        )
    return robot


def robot_yaml(robot: Robot) -> str:
    doc = {
        "name": robot.name,
        "department": robot.department.code,
        **{f: getattr(robot, f) for f in FIELDS},
        "steps": robot.steps,
    }
    doc["minutes_per_item"] = float(robot.minutes_per_item)
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


def robot_from_yaml(text: str, *, actor: User | None) -> Robot:
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValidationError(f"YAMLとして読めません: {exc}") from exc
    if not isinstance(doc, dict) or "name" not in doc:
        raise ValidationError("ロボットのYAMLには name と steps が必要です。")
    dept = Department.objects.filter(code=doc.get("department", "")).first()
    if dept is None:
        raise ValidationError(f"部署「{doc.get('department')}」は登録されていません。")
    data = {**{f: doc[f] for f in FIELDS if f in doc}, "department": dept, "steps": doc.get("steps")}
    existing = Robot.objects.filter(name=doc["name"]).first()
    return robot_save(data={**data, "name": doc["name"]}, actor=actor, robot=existing)


@transaction.atomic
def run_request(
    *,
    robot: Robot,
    actor: User | None,
    dry_run: bool = False,
    trigger: str = "manual",
    context: dict | None = None,
    attempt: int = 1,
    delay: int = 0,
) -> Run:
    """Queue a run; the queue consumer does it (tasks.execute_run)."""
    if actor is not None and not (
        actor.has_perm("automation.run_robot") and can_manage(actor, robot.department_id)
    ):
        raise PermissionDenied("このロボットを実行する権限がありません。")
    run = Run.objects.create(
        robot=robot,
        dry_run=dry_run,
        trigger=trigger,
        context=context or {},
        attempt=attempt,
        requested_by=actor if actor and actor.is_authenticated else None,
    )
    audit_record(actor=actor, action="create", target=run, after={"dry_run": dry_run, "trigger": trigger})
    from kotodx.automation.tasks import execute_run

    transaction.on_commit(
        lambda: execute_run.schedule((run.pk,), delay=delay) if delay else execute_run(run.pk)
    )
    return run
