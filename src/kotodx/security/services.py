"""Every write of the CSIRT, atomic and audited. Each change of an incident also goes on its timeline,
written here automatically; status moves only forward through the response phases."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from kotodx.core.fiscal import FiscalYear
from kotodx.core.models import User
from kotodx.core.services import audit_record, model_snapshot
from kotodx.security import rules, validation
from kotodx.security.models import (
    SHAREABLE_TLP,
    Exercise,
    Incident,
    Notification,
    Observable,
    Task,
    TimelineEntry,
    Tlp,
)

S = Incident.Status
FLOW: list[str] = [S.NEW, S.TRIAGE, S.CONTAINMENT, S.ERADICATION, S.RECOVERY, S.REVIEW, S.CLOSED]
ENDS: set[str] = {S.CLOSED, S.FALSE_POSITIVE, S.DUPLICATE}
FIELDS = [
    "title",
    "description",
    "category",
    "severity",
    "tlp",
    "pap",
    "status",
    "personal_info",
    "specific_personal_info",
    "handler",
    "team",
    "occurred_at",
    "detected_at",
    "reported_at",
    "contained_at",
    "resolved_at",
    "lessons",
]
TIMES = ("occurred_at", "detected_at", "reported_at", "contained_at", "resolved_at")


def is_csirt(user: User) -> bool:
    return user.is_authenticated and user.has_perm("security.handle_incident")


def can_see(user: User, incident: Incident) -> bool:
    """The CSIRT sees everything; TLP:RED only the CSIRT and the handler; others the incidents of their
    department, reported by them or with a task of theirs; auditors every incident below TLP:RED."""
    if not user.is_authenticated:
        return False
    if is_csirt(user):
        return True
    if incident.tlp == Tlp.RED:
        return incident.handler_id == user.pk
    if user.has_perm("security.view_incident") and user.role_codes & {"auditor", "system_admin"}:
        return True
    if not user.has_perm("security.view_incident"):
        return False
    return (
        incident.created_by_id == user.pk
        or incident.handler_id == user.pk
        or incident.departments.filter(pk=user.department_id or 0).exists()
        or incident.tasks.filter(owner=user).exists()
    )


def _next_number(detected_at: dt.datetime) -> str:
    fy = FiscalYear.of(timezone.localtime(detected_at).date())
    prefix = f"INC-{fy.year}-"
    last = (
        Incident.objects.select_for_update()
        .filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    n = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{n:04d}"


def _check_times(incident: Incident) -> None:
    order = [(f, getattr(incident, f)) for f in ("occurred_at", "detected_at", "contained_at", "resolved_at")]
    present = [(f, t) for f, t in order if t is not None]
    labels = {f.name: f.verbose_name for f in Incident._meta.fields}
    for (f1, t1), (f2, t2) in zip(present, present[1:], strict=False):
        if t2 < t1:
            raise ValidationError({f2: f"{labels[f2]}が{labels[f1]}より前になっています。"})
    if incident.detected_at and incident.detected_at > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({"detected_at": "検知日時が未来になっています。"})


def _timeline(incident: Incident, text: str, actor: User | None, kind: str = TimelineEntry.Kind.AUTO) -> None:
    TimelineEntry.objects.create(
        incident=incident,
        at=timezone.now(),
        kind=kind,
        actor=actor if actor and actor.is_authenticated else None,
        text=text,
    )


def _display(incident: Incident, field: str) -> str:
    value = getattr(incident, field)
    if value is None or value == "":
        return "—"
    display = getattr(incident, f"get_{field}_display", None)
    if display is not None:
        return str(display())
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    return str(value)[:80]


@transaction.atomic
def incident_create(
    *, data: dict[str, Any], actor: User, systems: Any = None, departments: Any = None
) -> Incident:
    if not (is_csirt(actor) or actor.has_perm("security.report_incident")):
        raise PermissionDenied("インシデントを登録する権限がありません。")
    if not is_csirt(actor):
        # A department reports; the CSIRT triages. Reporters cannot open at a later phase.
        data = {**data, "status": S.NEW}
        departments = list(departments or []) or ([actor.department] if actor.department else [])
    incident = Incident(created_by=actor, **{k: v for k, v in data.items() if k in FIELDS})
    if incident.reported_at is None:
        incident.reported_at = timezone.now()
    if incident.specific_personal_info:
        incident.personal_info = True
    _check_times(incident)
    incident.number = _next_number(incident.detected_at)
    incident.full_clean()
    incident.save()
    if systems is not None:
        incident.systems.set(systems)
    if departments is not None:
        incident.departments.set(departments)
    summary = "・".join(
        [
            incident.get_category_display(),
            f"深刻度 {incident.get_severity_display()}",
            incident.get_tlp_display(),
        ]
    )
    _timeline(incident, f"インシデントを登録しました（{summary}）。", actor)
    audit_record(actor=actor, action="create", target=incident, after=model_snapshot(incident))
    return incident


def check_transition(old: str, new: str) -> None:
    if old == new:
        return
    if old in ENDS:
        if new == S.TRIAGE:
            return  # re-opened
        raise ValidationError({"status": "終結した事案は「初動・トリアージ」に戻して再開してください。"})
    if new in (S.FALSE_POSITIVE, S.DUPLICATE):
        return
    if new not in FLOW or FLOW.index(new) < FLOW.index(old):
        raise ValidationError(
            {
                "status": f"状態は対応の段階に沿って進めます"
                f"（「{S(old).label}」から「{S(new).label}」には戻せません）。"
            }
        )


@transaction.atomic
def incident_update(
    *, incident: Incident, data: dict[str, Any], actor: User, systems: Any = None, departments: Any = None
) -> Incident:
    if not is_csirt(actor):
        raise PermissionDenied("インシデントを更新できるのはCSIRT（情報システム課）です。")
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    before = model_snapshot(incident, exclude=("updated_at", "created_at"))
    old = {f: _display(incident, f) for f in FIELDS}
    old_status = incident.status
    for k, v in data.items():
        if k in FIELDS:
            setattr(incident, k, v)
    check_transition(old_status, incident.status)
    now = timezone.now()
    if incident.status != old_status:
        past_containment = incident.status in FLOW and FLOW.index(incident.status) > FLOW.index(S.CONTAINMENT)
        if past_containment and incident.contained_at is None:
            incident.contained_at = now
        if incident.status in ENDS and incident.resolved_at is None:
            incident.resolved_at = now
        if incident.status == S.TRIAGE and old_status in ENDS:
            incident.resolved_at = None
    if incident.specific_personal_info:
        incident.personal_info = True
    _check_times(incident)
    incident.full_clean()
    incident.save()
    labels = {f.name: f.verbose_name for f in Incident._meta.fields}
    changes = [
        f"{labels[f]}: {old[f]} → {_display(incident, f)}" for f in FIELDS if _display(incident, f) != old[f]
    ]
    if systems is not None:
        before_sys = set(incident.systems.values_list("pk", flat=True))
        incident.systems.set(systems)
        if before_sys != {s.pk for s in systems}:
            changes.append("影響を受けたシステム: " + ("、".join(s.name for s in systems) or "なし"))
    if departments is not None:
        before_dep = set(incident.departments.values_list("pk", flat=True))
        incident.departments.set(departments)
        if before_dep != {d.pk for d in departments}:
            changes.append("関係部署: " + ("、".join(d.name for d in departments) or "なし"))
    if incident.tlp not in SHAREABLE_TLP:
        from kotodx.security.sharing import withdraw_if_not_shareable

        withdraw_if_not_shareable(incident=incident, actor=actor)
    if changes:
        _timeline(incident, "；".join(changes), actor)
        audit_record(
            actor=actor,
            action="update",
            target=incident,
            before=before,
            after=model_snapshot(incident, exclude=("updated_at", "created_at")),
        )
    return incident


@transaction.atomic
def timeline_add(*, incident: Incident, text: str, actor: User) -> TimelineEntry:
    if not is_csirt(actor):
        raise PermissionDenied("時系列に記録できるのはCSIRTです。")
    text = text.strip()
    if not text:
        raise ValidationError({"text": "記録する内容を書いてください。"})
    entry = TimelineEntry.objects.create(
        incident=incident, at=timezone.now(), kind=TimelineEntry.Kind.MANUAL, actor=actor, text=text[:5000]
    )
    audit_record(actor=actor, action="create", target=entry, after=model_snapshot(entry))
    return entry


@transaction.atomic
def observable_add(
    *, incident: Incident, kind: str, value: str, is_ioc: bool, note: str = "", actor: User
) -> Observable:
    if not is_csirt(actor):
        raise PermissionDenied("観測情報を登録できるのはCSIRTです。")
    try:
        value = validation.normalise(kind, value)
    except ValueError as exc:
        raise ValidationError({"value": str(exc)}) from exc
    if incident.observables.filter(kind=kind, value=value).exists():
        raise ValidationError({"value": f"「{value}」は登録済みです。"})
    obs = Observable(incident=incident, kind=kind, value=value, is_ioc=is_ioc, note=note.strip()[:300])
    obs.full_clean()
    obs.save()
    _timeline(
        incident,
        f"観測情報を追加しました: {obs.get_kind_display()} {value}{'（IOC）' if is_ioc else ''}",
        actor,
    )
    audit_record(actor=actor, action="create", target=obs, after=model_snapshot(obs))
    return obs


@transaction.atomic
def task_add(
    *, incident: Incident, title: str, owner: User | None, due_at: dt.datetime | None, actor: User
) -> Task:
    if not is_csirt(actor):
        raise PermissionDenied("対応作業を登録できるのはCSIRTです。")
    task = Task(incident=incident, title=title.strip(), owner=owner, due_at=due_at)
    task.full_clean()
    task.save()
    _timeline(incident, f"対応作業を追加しました: {task.title}（担当 {owner or '未定'}）", actor)
    audit_record(actor=actor, action="create", target=task, after=model_snapshot(task))
    return task


@transaction.atomic
def task_done(*, task: Task, actor: User) -> Task:
    if not (is_csirt(actor) or task.owner_id == actor.pk):
        raise PermissionDenied("この作業を完了にできるのは担当者とCSIRTです。")
    if task.done_at is None:
        task.done_at = timezone.now()
        task.save(update_fields=["done_at"])
        _timeline(task.incident, f"対応作業が完了しました: {task.title}", actor)
        audit_record(actor=actor, action="update", target=task, after=model_snapshot(task))
    return task


@transaction.atomic
def notification_record(
    *, incident: Incident, body: str, notified_at: dt.datetime, note: str = "", actor: User
) -> Notification:
    if not is_csirt(actor):
        raise PermissionDenied("外部への報告を記録できるのはCSIRTです。")
    if body not in rules.BODY_BY_CODE:
        raise ValidationError({"body": "報告先を一覧から選んでください。"})
    if notified_at > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({"notified_at": "報告日時が未来になっています。"})
    n, created = Notification.objects.update_or_create(
        incident=incident,
        body=body,
        defaults={"notified_at": notified_at, "notified_by": actor, "note": note[:300]},
    )
    when = timezone.localtime(notified_at).strftime("%Y-%m-%d %H:%M")
    _timeline(incident, f"{rules.BODY_BY_CODE[body].name}に報告しました（{when}）。{note}".strip(), actor)
    audit_record(actor=actor, action="create" if created else "update", target=n, after=model_snapshot(n))
    return n


@transaction.atomic
def exercise_save(*, data: dict[str, Any], actor: User, exercise: Exercise | None = None) -> Exercise:
    if not is_csirt(actor):
        raise PermissionDenied("訓練を記録できるのはCSIRTです。")
    before = model_snapshot(exercise) if exercise else None
    exercise = exercise or Exercise()
    for k, v in data.items():
        setattr(exercise, k, v)
    exercise.full_clean()
    exercise.save()
    audit_record(
        actor=actor,
        action="update" if before else "create",
        target=exercise,
        before=before,
        after=model_snapshot(exercise),
    )
    return exercise
