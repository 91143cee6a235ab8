"""Queue tasks of the core app: thin wrappers around services (Huey, see settings.HUEY)."""

from huey.contrib.djhuey import db_task

from kotodx.core import jobs


@db_task(retries=0)
def run_job(job_id: str) -> None:
    jobs.execute(job_id)
