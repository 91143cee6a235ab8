"""Reads of the core app that several callers share."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from kotodx.core.models import AccessibilityPolicy, AuditEntry, Job, User
from kotodx.core.roles import WARD_WIDE_ROLES


def is_ward_wide(user: User) -> bool:
    """True for staff who see every department's records (admin, IT division, auditors)."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or bool(user.role_codes & WARD_WIDE_ROLES)


def scope_to_department(qs: QuerySet, user: User, *, field: str = "department") -> QuerySet:
    """Limit ``qs`` to the user's own department unless the user's role is ward-wide."""
    if is_ward_wide(user):
        return qs
    if not user.is_authenticated or user.department_id is None:
        return qs.none()
    return qs.filter(**{f"{field}_id": user.department_id})


@dataclass
class AuditFilter:
    actor: str = ""
    action: str = ""
    target_type: str = ""
    q: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def audit_entry_list(f: AuditFilter) -> QuerySet[AuditEntry]:
    qs = AuditEntry.objects.select_related("department")
    if f.actor:
        qs = qs.filter(actor_label__icontains=f.actor)
    if f.action:
        qs = qs.filter(action=f.action)
    if f.target_type:
        qs = qs.filter(target_type=f.target_type)
    if f.q:
        qs = qs.filter(Q(target_repr__icontains=f.q) | Q(note__icontains=f.q) | Q(target_id=f.q))
    if f.date_from:
        qs = qs.filter(at__date__gte=f.date_from)
    if f.date_to:
        qs = qs.filter(at__date__lte=f.date_to)
    return qs


def audit_target_types() -> list[str]:
    return list(AuditEntry.objects.order_by().values_list("target_type", flat=True).distinct())


def jobs_visible_to(user: User) -> QuerySet[Job]:
    qs = Job.objects.select_related("created_by")
    if user.has_perm("core.view_all_jobs"):
        return qs
    return qs.filter(created_by=user)


def accessibility_policy() -> AccessibilityPolicy | None:
    """The published web accessibility policy: its newest version."""
    return AccessibilityPolicy.objects.order_by("-created_at", "-id").first()


def accessibility_policy_history() -> QuerySet[AccessibilityPolicy]:
    return AccessibilityPolicy.objects.select_related("created_by").order_by("-created_at", "-id")
