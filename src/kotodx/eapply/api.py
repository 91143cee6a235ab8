"""JSON API of e-application for automation (robots, department systems): a department's submissions,
one submission (reading it is audited), and status changes. Staff token or session."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.errors import HttpError

from kotodx.core.api import staff_auth
from kotodx.core.http import StaffRequest
from kotodx.eapply import formdef, selectors, services
from kotodx.eapply.models import Submission

router = Router(tags=["eapply"])


class SubmissionOut(Schema):
    id: uuid.UUID
    reference_number: str | None
    procedure: str
    status: str
    submitted_at: dt.datetime | None
    version: int


class VerifiedIdentity(Schema):
    """The resident had signed in by OpenID Connect before starting (eapply.oidc)."""

    method: str
    issuer: str
    subject: str
    provider: str = ""
    signed_in_at: str = ""
    changed: list[str] = []  # labels of pre-filled questions the resident answered differently


class SubmissionDetail(SubmissionOut):
    answers: dict[str, Any]
    summary: list[dict[str, Any]]
    verified: VerifiedIdentity | None = None


class StatusIn(Schema):
    status: str
    comment: str = ""


def _out(s: Submission) -> dict[str, Any]:
    return {
        "id": s.pk,
        "reference_number": s.reference_number,
        "procedure": s.procedure.slug,
        "status": s.status,
        "submitted_at": s.submitted_at,
        "version": s.version.number,
    }


def _get(request: StaffRequest, submission_id: uuid.UUID) -> Submission:
    s = get_object_or_404(
        Submission.objects.select_related("procedure", "version").exclude(status=Submission.Status.DRAFT),
        pk=submission_id,
    )
    if not services.can_process(request.user, s):
        raise Http404
    return s


@router.get("/submissions", response=list[SubmissionOut], auth=staff_auth, summary="申請の一覧（担当部署）")
def submission_list(request: StaffRequest, status: str = "", procedure: str = "") -> list[dict[str, Any]]:
    if not request.user.has_perm("eapply.process_submission"):
        raise HttpError(403, "申請を処理する権限がありません。")
    qs = selectors.submission_queue(request.user, status=status, procedure=procedure).select_related(
        "version"
    )
    return [_out(s) for s in qs[:500]]


@router.get(
    "/submissions/{submission_id}",
    response=SubmissionDetail,
    auth=staff_auth,
    url_name="eapply_submission",
    summary="申請の内容（閲覧は監査ログに記録）",
)
def submission_get(request: StaffRequest, submission_id: uuid.UUID) -> dict[str, Any]:
    s = _get(request, submission_id)
    services.submission_viewed(submission=s, actor=request.user, what="APIによる閲覧")
    verified = None
    if s.verified_identity:
        v = s.verified_identity
        verified = {
            "method": v.get("method", "oidc"),
            "issuer": v.get("issuer", ""),
            "subject": v.get("subject", ""),
            "provider": v.get("provider", ""),
            "signed_in_at": v.get("signed_in_at", ""),
            "changed": services.prefill_changed(s),
        }
    return {
        **_out(s),
        "answers": s.answers,
        "summary": formdef.summary(s.version.definition, s.answers),
        "verified": verified,
    }


@router.post(
    "/submissions/{submission_id}/status",
    response=SubmissionOut,
    auth=staff_auth,
    summary="申請の状態を変える",
)
def submission_status(request: StaffRequest, submission_id: uuid.UUID, body: StatusIn) -> dict[str, Any]:
    s = _get(request, submission_id)
    try:
        s, _key = services.submission_transition(
            submission=s,
            to_status=body.status,
            comment=body.comment,
            actor=request.user,
            base_url=request.build_absolute_uri("/"),
        )
    except ValidationError as exc:
        raise HttpError(409, " ".join(exc.messages)) from None
    return _out(s)
