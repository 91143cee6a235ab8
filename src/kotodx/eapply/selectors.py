"""Reads of e-application: the public catalog search and the staff queues."""

from __future__ import annotations

from django.db.models import QuerySet

from kotodx.core import textsearch
from kotodx.core.models import User
from kotodx.core.selectors import scope_to_department
from kotodx.eapply.models import Procedure, Submission


def procedure_search(q: str = "", category: str = "") -> list[Procedure]:
    """The public catalog. Japanese search over name, description and category (a few hundred rows)."""
    qs = Procedure.objects.filter(is_public=True).select_related("department").prefetch_related("versions")
    if category:
        qs = qs.filter(category=category)
    procedures = list(qs)
    words = textsearch.query_words(q) if q.strip() else []
    if not q.strip():
        return procedures
    if not words:
        return []
    scored = []
    for p in procedures:
        title = textsearch.catalog_terms(p.name)
        body = textsearch.catalog_terms(f"{p.description} {p.get_category_display()} {p.eligibility}")
        if textsearch.matches(words, title | body):
            scored.append((sum(2 if alts & title else 1 for alts in words), p))
    scored.sort(key=lambda t: (-t[0], t[1].name))
    return [p for _, p in scored]


def submission_queue(
    user: User, *, status: str = "", procedure: str = "", mine: bool = False, q: str = ""
) -> QuerySet[Submission]:
    qs = Submission.objects.exclude(status=Submission.Status.DRAFT).select_related("procedure", "assigned_to")
    qs = scope_to_department(qs, user, field="procedure__department")
    if status:
        qs = qs.filter(status=status)
    if procedure:
        qs = qs.filter(procedure__slug=procedure)
    if mine:
        qs = qs.filter(assigned_to=user)
    if q:
        qs = qs.filter(reference_number__iexact=q.strip())
    return qs.order_by("-submitted_at")
