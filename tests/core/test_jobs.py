"""Background jobs: queued after commit, progress, cancel, failure kept with its reason."""

import pytest
from django.db import transaction
from django.urls import reverse

from kotodx.core import jobs, services
from kotodx.core.models import Job
from tests.conftest import client_for

seen_progress: list[int | None] = []


@jobs.job_handler("tests.count")
def _count(job):
    for i in range(job.params["n"]):
        services.job_progress(job.pk, done=i, total=job.params["n"])
        seen_progress.append(Job.objects.get(pk=job.pk).percent)
    return {"counted": job.params["n"]}


@jobs.job_handler("tests.boom")
def _boom(job):
    raise ValueError("壊れた入力")


@jobs.job_handler("tests.cancel_midway")
def _cancel_midway(job):
    services.job_progress(job.pk, done=1, total=10)
    Job.objects.filter(pk=job.pk).update(cancel_requested=True)  # staff press 取消 meanwhile
    services.job_progress(job.pk, done=2, total=10)
    raise AssertionError("not reached")


def test_job_runs_after_commit_with_progress(personas, django_capture_on_commit_callbacks):
    seen_progress.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = services.job_start(kind="tests.count", title="数える", params={"n": 4}, actor=personas.clerk_a)
    assert Job.objects.get(pk=job.pk).status == Job.Status.QUEUED  # nothing ran before commit
    for cb in callbacks:
        cb()
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert job.result == {"counted": 4}
    assert seen_progress == [0, 25, 50, 75]
    assert job.percent == 100


def test_job_not_queued_when_the_transaction_rolls_back(personas, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.job_start(kind="tests.count", title="x", params={"n": 1}, actor=personas.clerk_a)
        raise RuntimeError
    assert callbacks == []
    assert not Job.objects.exists()


def test_failed_job_keeps_the_reason(personas, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.job_start(kind="tests.boom", title="壊れる", actor=personas.clerk_a)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "壊れた入力" in job.error
    page = client_for(personas.clerk_a).get(reverse("core:job_detail", args=[job.pk])).content.decode()
    assert "処理に失敗しました" in page
    assert "壊れた入力" not in page  # internals stay in the record, not on the page


def test_cancel_midway(personas, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.job_start(kind="tests.cancel_midway", title="取消", actor=personas.clerk_a)
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED
    assert job.done == 2


def test_cancel_before_start_via_page(personas, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        job = services.job_start(kind="tests.count", title="待機", params={"n": 1}, actor=personas.clerk_a)
    client = client_for(personas.clerk_a)
    response = client.post(reverse("core:job_cancel", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "取消" in response.content.decode()
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED
    jobs.execute(job.pk)  # a consumer that picks it up later does nothing
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED


def test_progress_partial_polls_until_finished(personas, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        job = services.job_start(kind="tests.count", title="待機", params={"n": 1}, actor=personas.clerk_a)
    client = client_for(personas.clerk_a)
    partial = client.get(reverse("core:job_detail", args=[job.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in partial and "<progress" in partial and "<html" not in partial
    jobs.execute(job.pk)
    done = client.get(reverse("core:job_detail", args=[job.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in done and "完了" in done


def test_unknown_job_kind_is_refused(personas):
    with pytest.raises(ValueError):
        services.job_start(kind="nope", title="x", actor=personas.clerk_a)
