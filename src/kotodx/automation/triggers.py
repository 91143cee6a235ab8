"""Events that start robots: a submission received or changing status, an open data resource published.
The modules call their hook lists; automation registers here, so they do not import it."""

from __future__ import annotations

from typing import Any

from django.db import transaction


def _start(event: str, key: str, context: dict[str, Any]) -> None:
    from kotodx.automation.models import Robot
    from kotodx.automation.services import run_request

    for robot in Robot.objects.filter(enabled=True, trigger=Robot.Trigger.EVENT, event=event):
        if robot.event_filter and robot.event_filter != key:
            continue
        run_request(robot=robot, actor=None, trigger=event, context=context)


def on_submission(submission_id: Any, event: str) -> None:
    from kotodx.eapply.models import Submission

    s = Submission.objects.select_related("procedure").filter(pk=submission_id).first()
    if s is not None:
        _start(event, s.procedure.slug, {"submission": str(s.pk), "status": s.status})


def on_published(resource: Any) -> None:
    transaction.on_commit(
        lambda: _start("resource.published", resource.dataset.name, {"resource": str(resource.pk)})
    )


def on_scan_finished(scan: Any) -> None:
    _start("a11y.scan_finished", scan.start_url, {"scan": scan.pk})


def connect() -> None:
    from kotodx.a11y import services as a11y_services
    from kotodx.eapply import services as eapply_services
    from kotodx.opendata import services as opendata_services

    if on_submission not in eapply_services.SUBMISSION_HOOKS:
        eapply_services.SUBMISSION_HOOKS.append(on_submission)
    if on_scan_finished not in a11y_services.SCAN_FINISHED_HOOKS:
        a11y_services.SCAN_FINISHED_HOOKS.append(on_scan_finished)
    if on_published not in opendata_services.PUBLISHED_HOOKS:
        opendata_services.PUBLISHED_HOOKS.append(on_published)
