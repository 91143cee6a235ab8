"""Queue tasks of e-application: webhook delivery (retried) and the nightly retention purge."""

from __future__ import annotations

import logging
import urllib.request

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from kotodx.eapply import services
from kotodx.eapply.models import Submission, Webhook

log = logging.getLogger(__name__)


@db_task(retries=3, retry_delay=30)
def deliver_webhook(hook_id: int, submission_id: str, event: str) -> None:
    hook = Webhook.objects.filter(pk=hook_id, active=True).first()
    submission = Submission.objects.select_related("procedure").filter(pk=submission_id).first()
    if hook is None or submission is None:
        return
    body = services.webhook_payload(submission, event)
    if not hook.url.startswith(("https://", "http://")):
        raise ValueError(f"webhook URL must be http(s): {hook.url}")
    request = urllib.request.Request(  # noqa: S310  (scheme checked above)
        hook.url,
        data=body,
        method="POST",
        headers={  # noqa: S310  (staff-set URL)
            "Content-Type": "application/json",
            "X-Kotodx-Event": event,
            "X-Kotodx-Signature": services.webhook_signature(hook.secret, body),
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        if response.status >= 300:
            raise RuntimeError(f"webhook {hook.url} answered {response.status}")


@db_periodic_task(crontab(hour="3", minute="15"))
def purge_expired_submissions() -> None:
    removed = services.purge_expired()
    if removed:
        log.info("purged %d expired submissions", len(removed))
