"""Queue tasks of the core app: thin wrappers around services (Huey, see settings.HUEY)."""

import logging

from django.db import close_old_connections
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, on_startup

from kotodx.core import jobs, lease

log = logging.getLogger(__name__)


@db_task(retries=0)
def run_job(job_id: str) -> None:
    jobs.execute(job_id)


@db_periodic_task(crontab(minute="*"))
def reclaim_jobs() -> None:
    """Every minute, on every consumer: queue again what a dead consumer held (core.lease)."""
    lease.reclaim()


@on_startup()
def reclaim_on_start() -> None:
    """A consumer that starts (e.g. restarted after a crash) takes back at once what died with it."""
    try:
        lease.reclaim()
    except Exception:  # the database may not answer yet: the minute task will do it
        log.warning("reclaiming jobs at start failed", exc_info=True)
    finally:
        close_old_connections()
