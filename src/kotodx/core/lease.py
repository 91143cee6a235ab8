"""Leases on running work, so that nothing stays 実行中 after its queue consumer died.

A consumer that starts a job (or a robot's run) holds a lease on the row: a heartbeat thread of that
process writes ``heartbeat_at`` every ``LEASE / 4`` seconds while the work runs. When the process is
killed (``kill -9``, a lost machine) the heartbeats stop. ``reclaim`` — run by every consumer each
minute and when it starts — finds rows whose heartbeat is older than the lease: a job is queued again
(it starts from the beginning; every job handler can run again) up to ``MAX_ATTEMPTS`` times and then
marked 失敗 with the reason; a robot's run, whose steps run in one transaction that died with the process,
is marked 失敗 and retried by the robot's own retry rule. A job still 待機中 whose queue message was
lost with its consumer (taken off the queue, never started) is put on the queue again once the queue is
empty; starting a job twice is harmless because only one consumer can move it out of 待機中.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import socket
import threading
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3


def lease_seconds() -> int:
    return int(getattr(settings, "KOTODX_JOB_LEASE_SECONDS", 60))


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


# --- heartbeats of this process ----------------------------------------------------------------------

_held: dict[Any, set[Any]] = {}  # model class -> primary keys held by this process
_lock = threading.Lock()
_wake = threading.Event()
_thread: threading.Thread | None = None


def beat() -> None:
    """Write the heartbeat of every row this process holds (also called by the heartbeat thread)."""
    with _lock:
        held = {model: set(pks) for model, pks in _held.items() if pks}
    now = timezone.now()
    for model, pks in held.items():
        model.objects.filter(pk__in=pks).update(heartbeat_at=now)


def _heartbeats() -> None:
    while True:
        _wake.wait(max(1.0, lease_seconds() / 4))
        _wake.clear()
        try:
            beat()
        except Exception:  # e.g. a terminated connection: the next beat opens a new one
            log.warning("heartbeat failed", exc_info=True)
        finally:  # one short connection per beat: none is left open between beats
            with contextlib.suppress(Exception):
                connection.close()


@contextlib.contextmanager
def held(model: Any, pk: Any) -> Iterator[None]:
    """Keep the row's heartbeat fresh while the block runs in this process."""
    global _thread
    with _lock:
        _held.setdefault(model, set()).add(pk)
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_heartbeats, name="kotodx-lease", daemon=True)
            _thread.start()
    try:
        yield
    finally:
        with _lock:
            _held.get(model, set()).discard(pk)


# --- reclaiming what dead processes held --------------------------------------------------------------


def _dead_here(workers: set[str]) -> set[str]:
    """The workers among these that ran on this machine in a process that no longer exists."""
    host = socket.gethostname()
    dead = set()
    for name in workers:
        where, _, pid = name.rpartition(":")
        if where != host or not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            dead.add(name)
        except PermissionError:  # alive, someone else's
            pass
    return dead


def _stale(now: dt.datetime, dead: set[str] | None = None) -> Q:
    """Rows whose holder stopped beating for a lease, or whose process on this machine is gone."""
    limit = now - dt.timedelta(seconds=lease_seconds())
    q = Q(heartbeat_at__lt=limit) | Q(heartbeat_at__isnull=True, started_at__lt=limit)
    return q | Q(worker__in=dead) if dead else q


def reclaim(now: dt.datetime | None = None) -> dict[str, int]:
    """Requeue or fail the jobs and runs whose consumer stopped beating; requeue lost queue messages."""
    from kotodx.core import jobs
    from kotodx.core.models import Job

    now = now or timezone.now()
    counts = {"requeued": 0, "failed": 0, "resent": 0, "runs_failed": 0}
    requeue = []
    running = Job.objects.filter(status=Job.Status.RUNNING)
    dead = _dead_here(set(running.values_list("worker", flat=True)))
    for pk in running.filter(_stale(now, dead)).values_list("pk", flat=True):
        with transaction.atomic():
            job = Job.objects.select_for_update().filter(pk=pk, status=Job.Status.RUNNING).first()
            if job is None or not Job.objects.filter(_stale(now, dead), pk=pk).exists():
                continue  # finished, or its consumer beat in the meantime
            who = job.worker or "不明"
            if job.attempts >= MAX_ATTEMPTS:
                job.status, job.finished_at = Job.Status.FAILED, now
                job.message = "処理していたプロセスが停止しました。"
                job.error = (
                    f"処理していたプロセス（{who}）が {job.attempts} 回とも応答しなくなったため、"
                    "打ち切りました。"
                )
                counts["failed"] += 1
            else:
                job.status, job.started_at, job.heartbeat_at = Job.Status.QUEUED, None, None
                job.enqueued_at = now
                job.message = (
                    f"処理していたプロセス（{who}）が応答しなくなったため、最初からやり直します"
                    f"（{job.attempts + 1}回目）。"
                )
                requeue.append(job.pk)
                counts["requeued"] += 1
            job.save()
            log.warning("job %s (%s) held by %s: %s", job.pk, job.kind, who, job.message)
    if _queue_is_empty():
        lost = Job.objects.filter(
            status=Job.Status.QUEUED, enqueued_at__lt=now - dt.timedelta(seconds=lease_seconds())
        ).values_list("pk", flat=True)
        for pk in lost:
            Job.objects.filter(pk=pk).update(enqueued_at=now)
            requeue.append(pk)
            counts["resent"] += 1
    for pk in requeue:
        jobs.enqueue(pk)
    counts["runs_failed"] = _reclaim_runs(now)
    return counts


def _queue_is_empty() -> bool:
    from huey.contrib.djhuey import HUEY

    try:
        return HUEY.pending_count() == 0
    except Exception:  # the queue cannot be read now: resend nothing, try again next minute
        return False


def _reclaim_runs(now: dt.datetime) -> int:
    from kotodx.automation.models import Run
    from kotodx.automation.services import run_request

    failed = 0
    for pk in Run.objects.filter(_stale(now), status=Run.Status.RUNNING).values_list("pk", flat=True):
        with transaction.atomic():
            run = (
                Run.objects.select_for_update()
                .select_related("robot")
                .filter(_stale(now), pk=pk, status=Run.Status.RUNNING)
                .first()
            )
            if run is None:
                continue
            run.status, run.finished_at = Run.Status.FAILED, now
            run.error = (
                "想定外のエラー: 実行していたプロセスが応答しなくなりました。"
                "手順は一つのトランザクションで動くため、何も変わっていません。"
            )
            run.save(update_fields=["status", "finished_at", "error"])
            failed += 1
            robot = run.robot
            if run.attempt <= robot.max_retries and not run.dry_run:
                run_request(
                    robot=robot,
                    actor=None,
                    dry_run=False,
                    trigger=f"retry:{run.pk}",
                    context=run.context,
                    attempt=run.attempt + 1,
                )
    return failed
