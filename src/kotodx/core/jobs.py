"""Background jobs: the registry of job kinds and how the queue consumer runs one.

A module registers a handler with ``@job_handler("app.kind")``; the handler receives the Job, reports
progress with ``services.job_progress`` (which raises JobCancelled when staff press 取消) and returns a
JSON-able result. Staff start jobs with ``services.job_start``; the queue runs them after commit.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from kotodx.core import lease
from kotodx.core.models import Job
from kotodx.core.services import JobCancelled

log = logging.getLogger(__name__)
Handler = Callable[[Job], dict[str, Any] | None]
HANDLERS: dict[str, Handler] = {}


def job_handler(kind: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        HANDLERS[kind] = fn
        return fn

    return register


def enqueue(job_id: uuid.UUID) -> None:
    from kotodx.core.tasks import run_job

    run_job(str(job_id))


def execute(job_id: uuid.UUID | str) -> None:
    """Run one job to its end state. Called by the queue consumer (or inline in immediate mode).

    The consumer holds a lease on the job while it runs (``core.lease``): if the process dies, another
    consumer queues the job again. The end state is written only while this attempt still holds it."""
    me = lease.worker_name()
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status != Job.Status.QUEUED:
            return  # cancelled before it started, or already taken by another consumer
        job.status = Job.Status.RUNNING
        job.started_at = job.heartbeat_at = timezone.now()
        job.attempts += 1
        job.worker = me
        job.save(update_fields=["status", "started_at", "heartbeat_at", "attempts", "worker"])
    mine = Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING, worker=me, attempts=job.attempts)
    try:
        with lease.held(Job, job.pk):
            result = HANDLERS[job.kind](job)
    except JobCancelled:
        mine.update(status=Job.Status.CANCELLED, finished_at=timezone.now(), message="取り消しました。")
    except Exception as exc:
        log.exception("job %s (%s) failed", job.pk, job.kind)
        mine.update(
            status=Job.Status.FAILED,
            finished_at=timezone.now(),
            error=f"{type(exc).__name__}: {exc}"[:2000],
            message="処理中にエラーが発生しました。",
        )
    else:
        job.refresh_from_db()
        mine.update(
            status=Job.Status.SUCCEEDED,
            finished_at=timezone.now(),
            result=result,
            done=job.total if job.total is not None else job.done,
            message="完了しました。",
        )


# Handlers of the core app itself.
from kotodx.core import exports  # noqa: E402,F401
