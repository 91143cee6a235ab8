"""Queue tasks of automation: a run on a consumer, the minute tick that starts scheduled robots and looks
into the watched folders, and a retry with back-off after a failure."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from kotodx.automation import engine, schedule
from kotodx.automation.models import Robot, Run
from kotodx.core import lease


@db_task()
def execute_run(run_id: int) -> None:
    with lease.held(Run, run_id):  # a run whose consumer dies is failed and retried (core.lease)
        run = engine.execute(run_id)
    robot = run.robot
    transient = run.error.startswith("想定外のエラー") or "届きませんでした" in run.error
    if run.status == Run.Status.FAILED and transient and run.attempt <= robot.max_retries and not run.dry_run:
        from kotodx.automation.services import run_request

        run_request(
            robot=robot,
            actor=None,
            dry_run=False,
            trigger=f"retry:{run.pk}",
            context=run.context,
            attempt=run.attempt + 1,
            delay=30 * 2 ** (run.attempt - 1),
        )


def inbox(robot: Robot) -> Path:
    path = Path(settings.MEDIA_ROOT) / "robots-inbox" / robot.name
    path.mkdir(parents=True, exist_ok=True)
    return path


def tick(now: dt.datetime | None = None) -> list[Run]:
    """Start the scheduled robots that are due and the file-triggered ones with a new file."""
    from kotodx.automation.services import run_request

    now = now or timezone.now()
    started = []
    for robot in Robot.objects.filter(enabled=True, trigger=Robot.Trigger.SCHEDULE, next_run_at__lte=now):
        started.append(run_request(robot=robot, actor=None, trigger="schedule"))
        robot.next_run_at = schedule.next_run(robot.cron, now, skip_holidays=robot.skip_holidays)
        robot.save(update_fields=["next_run_at"])
    for robot in Robot.objects.filter(
        enabled=True, trigger=Robot.Trigger.EVENT, event=Robot.Event.FILE_DROPPED
    ):
        for path in sorted(inbox(robot).iterdir()):
            if path.is_file() and not path.name.startswith("."):
                taken = path.with_name(f".{timezone.now():%Y%m%d%H%M%S}-{path.name}")
                path.rename(taken)  # claimed: a second consumer will not start it again
                started.append(
                    run_request(robot=robot, actor=None, trigger="file", context={"file": str(taken)})
                )
    return started


@db_periodic_task(crontab(minute="*"))
def robots_tick() -> None:
    tick()
