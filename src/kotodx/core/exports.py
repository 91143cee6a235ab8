"""The audit log as a CSV file, built by the queue with progress (large logs take a while)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from kotodx.core import csvutil
from kotodx.core.jobs import job_handler
from kotodx.core.models import Job
from kotodx.core.selectors import AuditFilter, audit_entry_list
from kotodx.core.services import audit_record, job_progress

AUDIT_CSV_HEADER = [
    "日時",
    "操作者",
    "部署",
    "操作",
    "対象の種類",
    "対象ID",
    "対象",
    "備考",
    "リクエストID",
    "IPアドレス",
    "変更前",
    "変更後",
]
BATCH = 500


def _json(value: Any) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def audit_filter_from_params(params: dict[str, Any]) -> AuditFilter:
    def day(key: str) -> dt.date | None:
        return dt.date.fromisoformat(params[key]) if params.get(key) else None

    return AuditFilter(
        actor=params.get("actor", ""),
        action=params.get("action", ""),
        target_type=params.get("target_type", ""),
        q=params.get("q", ""),
        date_from=day("date_from"),
        date_to=day("date_to"),
    )


def _batches(qs: Any) -> Iterator[Any]:
    """The entries in (at, id) order, one whole query per batch: no read cursor stays open while the
    job writes its progress (on SQLite a write on a connection whose read snapshot went stale under
    other processes' writes fails at once with "database is locked")."""
    last = None
    while True:
        page = qs if last is None else qs.filter(Q(at__gt=last.at) | Q(at=last.at, id__gt=last.id))
        batch = list(page[:BATCH])
        yield from batch
        if len(batch) < BATCH:
            return
        last = batch[-1]


@job_handler("core.audit_export")
def audit_export(job: Job) -> dict[str, Any]:
    qs = audit_entry_list(audit_filter_from_params(job.params)).order_by("at", "id")
    total = qs.count()
    job_progress(job.pk, done=0, total=total, message="監査ログを書き出しています。")
    folder = settings.MEDIA_ROOT / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"audit-{job.pk}.csv"
    tz = timezone.get_current_timezone()
    done = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("\ufeff")

        def rows() -> Iterator[list[Any]]:
            nonlocal done
            for e in _batches(qs):
                yield [
                    e.at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"),
                    e.actor_label,
                    e.department.name if e.department else "",
                    e.get_action_display(),
                    e.target_type,
                    e.target_id,
                    e.target_repr,
                    e.note,
                    e.request_id,
                    e.ip_address or "",
                    _json(e.before),
                    _json(e.after),
                ]
                done += 1
                if done % BATCH == 0:
                    job_progress(job.pk, done=done, message=f"{done:,} / {total:,} 件")

        csvutil.write_rows(out, AUDIT_CSV_HEADER, rows(), bom=False)
    Job.objects.filter(pk=job.pk).update(result_file=str(path.relative_to(settings.MEDIA_ROOT)))
    with transaction.atomic():
        audit_record(
            actor=job.created_by,
            action="export",
            target_type="core.auditentry",
            target_repr="監査ログCSV",
            after={"rows": done, "filters": job.params},
        )
    return {"rows": done, "filename": f"audit-log-{timezone.localdate():%Y%m%d}.csv"}
