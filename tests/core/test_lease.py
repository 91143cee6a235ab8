"""Leases on running work (core.lease): what a dead consumer held is queued again, retried a bounded
number of times, or failed with the reason; a live consumer's work is left alone."""

from __future__ import annotations

import datetime as dt
import socket
import subprocess

from django.utils import timezone

from kotodx.automation.models import Robot, Run
from kotodx.core import jobs, lease, services
from kotodx.core.models import Job

calls: list[str] = []


@jobs.job_handler("tests.lease_count")
def _count(job):  # type: ignore[no-untyped-def]
    calls.append(str(job.pk))
    return {"attempt": job.attempts}


@jobs.job_handler("tests.lease_taken_meanwhile")
def _taken_meanwhile(job):  # type: ignore[no-untyped-def]
    # While this consumer was stalled, another one reclaimed the job and queued it again.
    Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED, worker="", started_at=None)
    return {"late": True}


def _running(personas, *, worker: str, heartbeat_ago: float, attempts: int = 1) -> Job:  # type: ignore[no-untyped-def]
    now = timezone.now()
    return Job.objects.create(
        kind="tests.lease_count",
        title="貸出",
        status=Job.Status.RUNNING,
        started_at=now - dt.timedelta(seconds=heartbeat_ago + 5),
        heartbeat_at=now - dt.timedelta(seconds=heartbeat_ago),
        attempts=attempts,
        worker=worker,
        created_by=personas.clerk_a,
    )


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])  # noqa: S607
    proc.wait()
    return proc.pid


def test_a_job_whose_consumer_stopped_beating_runs_again(personas, settings):
    settings.KOTODX_JOB_LEASE_SECONDS = 60
    calls.clear()
    job = _running(personas, worker="other-host:4242", heartbeat_ago=61)
    counts = lease.reclaim()
    assert counts["requeued"] == 1
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED  # queued again and run (inline in the tests)
    assert job.attempts == 2 and job.result == {"attempt": 2}
    assert calls == [str(job.pk)]
    assert job.worker == lease.worker_name()


def test_a_live_consumer_keeps_its_job(personas, settings):
    settings.KOTODX_JOB_LEASE_SECONDS = 60
    calls.clear()
    job = _running(personas, worker="other-host:4242", heartbeat_ago=59)
    assert lease.reclaim()["requeued"] == 0
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING and job.attempts == 1 and calls == []


def test_a_dead_process_on_this_machine_is_known_at_once(personas, settings):
    settings.KOTODX_JOB_LEASE_SECONDS = 600
    calls.clear()
    dead = _running(personas, worker=f"{socket.gethostname()}:{_dead_pid()}", heartbeat_ago=1)
    alive = _running(personas, worker=lease.worker_name(), heartbeat_ago=1)
    assert lease.reclaim()["requeued"] == 1
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.status == Job.Status.SUCCEEDED and dead.attempts == 2
    assert alive.status == Job.Status.RUNNING  # this very process: alive


def test_after_three_attempts_the_job_fails_with_the_reason(personas, settings):
    settings.KOTODX_JOB_LEASE_SECONDS = 60
    calls.clear()
    job = _running(personas, worker="other-host:7", heartbeat_ago=3600, attempts=lease.MAX_ATTEMPTS)
    assert lease.reclaim()["failed"] == 1
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.finished_at is not None
    assert "other-host:7" in job.error and "3 回" in job.error
    assert job.message == "処理していたプロセスが停止しました。"
    assert calls == []


def test_an_attempt_that_lost_its_lease_does_not_write_the_end_state(personas):
    job = services.job_start(
        kind="tests.lease_taken_meanwhile", title="遅い", params={}, actor=personas.clerk_a
    )
    jobs.execute(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED and job.result is None  # the new attempt's, not overwritten


def test_the_heartbeat_is_written_while_held(personas):
    job = _running(personas, worker=lease.worker_name(), heartbeat_ago=300)
    with lease.held(Job, job.pk):
        lease.beat()
    job.refresh_from_db()
    assert (timezone.now() - job.heartbeat_at).total_seconds() < 5
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - dt.timedelta(seconds=300))
    lease.beat()  # no longer held: not written
    job.refresh_from_db()
    assert (timezone.now() - job.heartbeat_at).total_seconds() > 200


def test_a_queued_job_whose_message_was_lost_is_sent_again(personas, settings):
    settings.KOTODX_JOB_LEASE_SECONDS = 60
    calls.clear()
    job = Job.objects.create(
        kind="tests.lease_count",
        title="失われた",
        enqueued_at=timezone.now() - dt.timedelta(minutes=5),
        created_by=personas.clerk_a,
    )
    recent = Job.objects.create(kind="tests.lease_count", title="来たばかり", created_by=personas.clerk_a)
    assert lease.reclaim()["resent"] == 1
    job.refresh_from_db()
    recent.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.attempts == 1
    assert recent.status == Job.Status.QUEUED  # its message may still be on its way


def test_a_robot_run_whose_consumer_died_is_failed_and_retried(personas, settings):
    settings.KOTODX_JOB_LEASE_SECONDS = 60
    robot = Robot.objects.create(
        name="lease-robot",
        title="貸出ロボット",
        department=personas.dept_a,
        account=personas.clerk_a,
        steps=[],
        max_retries=1,
    )
    now = timezone.now()
    run = Run.objects.create(
        robot=robot,
        status=Run.Status.RUNNING,
        started_at=now - dt.timedelta(minutes=3),
        heartbeat_at=now - dt.timedelta(minutes=2),
        context={"file": "x.csv"},
    )
    assert lease.reclaim()["runs_failed"] == 1
    run.refresh_from_db()
    assert run.status == Run.Status.FAILED and "応答しなくなりました" in run.error
    retry = Run.objects.exclude(pk=run.pk).get(robot=robot)
    assert retry.attempt == 2 and retry.trigger == f"retry:{run.pk}" and retry.context == {"file": "x.csv"}
    # The retry failed too: its retries are used up, so nothing more is started.
    Run.objects.filter(pk=retry.pk).update(
        status=Run.Status.RUNNING, heartbeat_at=now - dt.timedelta(minutes=2)
    )
    assert lease.reclaim()["runs_failed"] == 1
    assert Run.objects.filter(robot=robot).count() == 2
