"""Running a robot: every step inside one transaction, so a failing step leaves nothing half-done (and
files it wrote are removed); a dry run is rolled back whatever happens. Each step's inputs and outputs
are logged with personal data masked. Runs of one robot never overlap unless the robot allows it; a run
past its time limit is stopped between steps and marked."""

from __future__ import annotations

import re
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from kotodx.automation.actions import ACTIONS, Context, StepFailed, TimeLimit, check_params
from kotodx.automation.models import Robot, Run, StepLog

PERSONAL_KEYS = re.compile(r"氏名|名前|住所|電話|メール|生年月日|mail|name|address|phone|birth", re.I)
PATTERNS = [
    (re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+"), "＊メール＊"),
    (re.compile(r"0\d{1,4}-?\d{1,4}-?\d{3,4}"), "＊電話番号＊"),
    (re.compile(r"(?<!\d)\d{12}(?!\d)"), "＊12桁の番号＊"),
]


class Timeout(Exception):
    pass


def mask(value: Any, key: str = "") -> Any:
    """Personal data out of the logs: values of name/address/phone/mail fields, and anything that looks
    like an e-mail address, a phone number or a My Number-like 12-digit number."""
    if isinstance(value, dict):
        return {k: mask(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(v, key) for v in value[:50]]
    if key and PERSONAL_KEYS.search(key) and value not in (None, ""):
        return "＊＊＊"
    if isinstance(value, str):
        for pattern, repl in PATTERNS:
            value = pattern.sub(repl, value)
        return value[:500]
    return value


def problems(robot: Robot) -> list[str]:
    """Why the robot cannot run as it is (a deleted form or dataset, a step that no longer fits)."""
    from kotodx.eapply.models import Procedure
    from kotodx.opendata.models import Resource

    out = []
    for n, step in enumerate(robot.steps, start=1):
        try:
            p = check_params(step.get("action", ""), step.get("params") or {})
        except Exception as exc:  # noqa: BLE001  (a ValidationError, said in Japanese)
            out.append(f"手順{n}: {' '.join(getattr(exc, 'messages', [str(exc)]))}")
            continue
        if "procedure" in p and not Procedure.objects.filter(slug=p["procedure"]).exists():
            out.append(f"手順{n}: 手続き「{p['procedure']}」がありません。")
        if (
            "dataset" in p
            and not Resource.objects.filter(dataset__name=p["dataset"], name=p["resource"]).exists()
        ):
            out.append(f"手順{n}: データセット「{p['dataset']}」のリソース「{p['resource']}」がありません。")
    if not robot.steps:
        out.append("手順がありません。")
    return out


def execute(run_id: int) -> Run:
    run = Run.objects.select_related("robot__account", "robot__department").get(pk=run_id)
    robot = run.robot
    if run.status != Run.Status.QUEUED:
        return run
    with transaction.atomic():
        Robot.objects.select_for_update().filter(pk=robot.pk).first()  # one starter at a time per robot
        busy = Run.objects.filter(robot=robot, status=Run.Status.RUNNING).exclude(pk=run.pk).exists()
        if busy and not robot.allow_overlap:
            run.status, run.finished_at = Run.Status.SKIPPED, timezone.now()
            run.error = "前の実行がまだ終わっていないため、見送りました。"
            run.save()
            return run
        run.status, run.started_at = Run.Status.RUNNING, timezone.now()
        run.heartbeat_at = run.started_at
        run.save(update_fields=["status", "started_at", "heartbeat_at"])
    broken = problems(robot)
    if broken:
        return _finish(run, Run.Status.FAILED, "ロボットの設定が壊れています: " + " ".join(broken), [], None)
    ctx = Context(robot=robot, run=run, account=robot.account, dry_run=run.dry_run)
    logs: list[StepLog] = []
    deadline = time.monotonic() + robot.timeout_seconds
    ctx.deadline = deadline
    status, error = Run.Status.SUCCEEDED, ""
    try:
        with transaction.atomic():
            for n, step in enumerate(robot.steps):
                if time.monotonic() > deadline:
                    raise Timeout(
                        f"制限時間（{robot.timeout_seconds}秒）を超えたため、手順{n + 1}の前で止めました。"
                    )
                act = ACTIONS[step["action"]]
                params = check_params(step["action"], step.get("params") or {})
                log = StepLog(
                    run=run, index=n + 1, action=act.name, started_at=timezone.now(), inputs=mask(params)
                )
                logs.append(log)
                try:
                    output = act.fn(ctx, params)
                except (StepFailed, TimeLimit) as exc:
                    log.status, log.message, log.finished_at = StepLog.Status.FAILED, str(exc), timezone.now()
                    raise
                log.status, log.finished_at = StepLog.Status.SUCCEEDED, timezone.now()
                log.outputs = mask({**output, "rows": output.get("rows", len(ctx.data))})
                log.message = output.get("would", "") if ctx.dry_run else ""
            if run.dry_run:
                transaction.set_rollback(True)
    except StepFailed as exc:
        status, error = Run.Status.FAILED, str(exc)
    except (Timeout, TimeLimit) as exc:
        status, error = Run.Status.TIMED_OUT, str(exc)
    except Exception as exc:  # noqa: BLE001  (an unexpected error is the run's failure, not a crash)
        status, error = Run.Status.FAILED, f"想定外のエラー: {type(exc).__name__}: {exc}"
        if logs and not logs[-1].finished_at:
            logs[-1].status, logs[-1].message, logs[-1].finished_at = (
                StepLog.Status.FAILED,
                error,
                timezone.now(),
            )
    for n in range(len(logs), len(robot.steps)):
        step = robot.steps[n]
        logs.append(
            StepLog(run=run, index=n + 1, action=step.get("action", ""), status=StepLog.Status.NOT_RUN)
        )
    if status != Run.Status.SUCCEEDED:
        for rel in ctx.outputs:  # the transaction is rolled back: so are the files
            (Path(settings.MEDIA_ROOT) / rel).unlink(missing_ok=True)
        ctx.outputs = []
    return _finish(run, status, error, logs, ctx)


def _finish(run: Run, status: str, error: str, logs: list[StepLog], ctx: Context | None) -> Run:
    with transaction.atomic():
        StepLog.objects.bulk_create(logs)
        run.status, run.error, run.finished_at = status, error, timezone.now()
        if ctx is not None:
            run.items = ctx.items
            run.outputs = ctx.outputs
            if status == Run.Status.SUCCEEDED and not run.dry_run:
                run.minutes_saved = (Decimal(ctx.items) * run.robot.minutes_per_item).quantize(Decimal("0.1"))
        run.save()
    if status in (Run.Status.FAILED, Run.Status.TIMED_OUT) and run.robot.notify_email and not run.dry_run:
        send_mail(
            f"【ロボット】{run.robot.title} が失敗しました",
            f"ロボット「{run.robot.title}」の実行（{timezone.localtime(run.created_at):%Y-%m-%d %H:%M}）が"
            f"「{Run.Status(status).label}」になりました。\n\n{mask(error)}\n",
            None,
            [run.robot.notify_email],
        )
    return run
