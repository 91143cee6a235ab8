"""Every write of the core app, each atomic and audited in the same transaction.

``audit_record`` is the one audit mechanism of the platform: every module's services call it.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import secrets
import uuid
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from kotodx.core.middleware import current_request
from kotodx.core.models import AccessibilityPolicy, ApiToken, AuditEntry, Department, Job, User
from kotodx.core.roles import ROLE_BY_CODE, ROLE_PERMISSIONS, ROLES

SECRET_FIELDS = {"password", "key_hash", "key", "secret", "token"}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    if isinstance(value, FieldFile):
        return value.name or ""
    return value


def model_snapshot(obj: models.Model, *, exclude: Iterable[str] = ()) -> dict[str, Any]:
    """The concrete field values of ``obj`` as JSON-able data, secrets left out (for before/after)."""
    skip = SECRET_FIELDS | set(exclude)
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.name in skip:
            continue
        data[field.attname] = _jsonable(field.value_from_object(obj))
    return data


def audit_record(
    *,
    actor: User | None,
    action: str,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str = "",
    target_repr: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str = "",
) -> AuditEntry:
    """Write one audit row. Call it inside the service's transaction, so both commit or neither does."""
    if action not in AuditEntry.Action.values:
        raise ValueError(f"unknown audit action {action!r}")
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or str(target.pk)
        target_repr = target_repr or str(target)
    ctx = current_request.get()
    actor = actor if actor is not None and actor.is_authenticated else None
    return AuditEntry.objects.create(
        actor=actor,
        actor_label=actor.get_username() if actor else "",
        department_id=getattr(actor, "department_id", None),
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_repr=target_repr[:255],
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
        note=note[:255],
        request_id=ctx.request_id if ctx else "",
        ip_address=ctx.ip_address if ctx else None,
    )


# --- Roles ----------------------------------------------------------------------------------------


def roles_sync() -> None:
    """Create the role groups and give each exactly the permissions of ROLE_PERMISSIONS (idempotent)."""
    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role.code)
        wanted = []
        for dotted in ROLE_PERMISSIONS.get(role.code, []):
            app_label, codename = dotted.split(".", 1)
            perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if perm is not None:
                wanted.append(perm)
        group.permissions.set(wanted)


# --- Departments and staff ------------------------------------------------------------------------


@transaction.atomic
def department_upsert(
    *,
    code: str,
    name: str,
    name_en: str = "",
    division: str = "",
    is_it_division: bool = False,
    sort_order: int = 100,
    actor: User | None,
) -> Department:
    dept = Department.objects.filter(code=code).first()
    values = {
        "name": name,
        "name_en": name_en,
        "division": division,
        "is_it_division": is_it_division,
        "sort_order": sort_order,
    }
    if dept is None:
        dept = Department(code=code, **values)
        dept.full_clean()
        dept.save()
        audit_record(actor=actor, action="create", target=dept, after=model_snapshot(dept))
        return dept
    before = model_snapshot(dept)
    for k, v in values.items():
        setattr(dept, k, v)
    if model_snapshot(dept) != before:
        dept.full_clean()
        dept.save()
        audit_record(actor=actor, action="update", target=dept, before=before, after=model_snapshot(dept))
    return dept


@transaction.atomic
def staff_upsert(
    *,
    username: str,
    display_name: str,
    department: Department | None,
    roles: Iterable[str],
    password: str | None = None,
    email: str = "",
    is_superuser: bool = False,
    actor: User | None,
) -> User:
    """Create a staff account or bring an existing one to the given values. The password is set only
    when the account is new or a password is given."""
    unknown = [r for r in roles if r not in ROLE_BY_CODE]
    if unknown:
        raise ValidationError(f"不明な役割です: {', '.join(unknown)}")
    existing = User.objects.filter(username=username).first()
    created = existing is None
    before = None if existing is None else {**model_snapshot(existing), "roles": sorted(existing.role_codes)}
    user = existing if existing is not None else User(username=username)
    user.display_name = display_name
    user.department = department
    user.email = email
    user.is_staff = is_superuser
    user.is_superuser = is_superuser
    if created or password:
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    user.groups.set(Group.objects.filter(name__in=list(roles)))
    after = {**model_snapshot(user), "roles": sorted(roles)}
    if created:
        audit_record(actor=actor, action="create", target=user, after=after)
    elif before != after or password:
        audit_record(
            actor=actor,
            action="update",
            target=user,
            before=before,
            after=after,
            note="パスワード変更" if password else "",
        )
    return user


@transaction.atomic
def password_change(*, user: User, new_password: str, actor: User) -> None:
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit_record(actor=actor, action="update", target=user, note="パスワード変更")


# --- API tokens -----------------------------------------------------------------------------------

TOKEN_PREFIX = "kdx_"


def token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str, actor: User) -> tuple[ApiToken, str]:
    """Make a token; returns it and the key, which is shown once and never stored."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "トークンの名前を入力してください。"})
    if len(name) > 100:
        raise ValidationError({"name": "トークンの名前は100文字以内で入力してください。"})
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=key[:12], key_hash=token_hash(key))
    audit_record(actor=actor, action="create", target=token, after=model_snapshot(token))
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User) -> None:
    if token.revoked_at is not None:
        return
    before = model_snapshot(token)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor, action="update", target=token, before=before, after=model_snapshot(token), note="失効"
    )


def api_token_authenticate(key: str) -> User | None:
    """The active user behind a token key, or None. Records when the token was last used."""
    if not key.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=token_hash(key), revoked_at=None).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


# --- Jobs -----------------------------------------------------------------------------------------


class JobCancelled(Exception):
    """Raised inside a job's work when staff asked to cancel it."""


@transaction.atomic
def job_start(*, kind: str, title: str, params: dict[str, Any] | None = None, actor: User) -> Job:
    """Record a job and hand it to the queue once the transaction commits."""
    from kotodx.core import jobs  # the registry; imported here to keep models → services one-way

    if kind not in jobs.HANDLERS:
        raise ValueError(f"unknown job kind {kind!r}")
    job = Job.objects.create(kind=kind, title=title, params=params or {}, created_by=actor)
    audit_record(actor=actor, action="create", target=job, after={"kind": kind, "params": job.params})
    transaction.on_commit(lambda: jobs.enqueue(job.pk))
    return job


def job_progress(job_id: uuid.UUID, *, done: int, total: int | None = None, message: str = "") -> None:
    """Report progress from inside a job; raises JobCancelled when staff asked to stop."""
    fields: dict[str, Any] = {"done": done, "message": message[:255]}
    if total is not None:
        fields["total"] = total
    Job.objects.filter(pk=job_id).update(**fields)
    if Job.objects.filter(pk=job_id, cancel_requested=True).exists():
        raise JobCancelled


@transaction.atomic
def job_cancel(*, job: Job, actor: User) -> Job:
    job = Job.objects.select_for_update().get(pk=job.pk)
    if job.is_finished:
        return job
    job.cancel_requested = True
    if job.status == Job.Status.QUEUED:
        job.status = Job.Status.CANCELLED
        job.finished_at = timezone.now()
        job.message = "開始前に取り消しました。"
    job.save()
    audit_record(actor=actor, action="update", target=job, note="取消要求")
    return job


@transaction.atomic
def accessibility_policy_save(*, body_ja: str, body_en: str, reason: str, actor: User) -> AccessibilityPolicy:
    """A new version of the web accessibility policy; the public page shows it at once."""
    if not actor.has_perm("core.change_accessibilitypolicy"):
        raise PermissionDenied("ウェブアクセシビリティ方針を変更する権限がありません。")
    errors = {}
    if not body_ja.strip():
        errors["body_ja"] = "方針（日本語）を入力してください。"
    if not reason.strip():
        errors["reason"] = "変更の理由を入力してください（履歴に残ります）。"
    if errors:
        raise ValidationError(errors)
    policy = AccessibilityPolicy.objects.create(
        body_ja=body_ja.strip(), body_en=body_en.strip(), reason=reason.strip()[:300], created_by=actor
    )
    audit_record(actor=actor, action="create", target=policy, after=model_snapshot(policy))
    return policy
