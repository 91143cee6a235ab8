"""Every write of e-application, atomic and audited: procedures and form versions (the no-code builder),
residents' submissions (save, resume, submit exactly once), staff processing, retention."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import secrets
import unicodedata
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kotodx.core.fiscal import FiscalYear
from kotodx.core.models import User
from kotodx.core.selectors import is_ward_wide
from kotodx.core.services import audit_record, model_snapshot
from kotodx.core.uploads import check_upload
from kotodx.eapply import formdef
from kotodx.eapply.models import FormVersion, Procedure, Submission, SubmissionEvent, SubmissionFile, Webhook

log = logging.getLogger(__name__)
Status = Submission.Status
REF_ALPHABET = "ACDEFGHJKLMNPQRTUVWXY34679"  # no look-alikes (0/O, 1/I, 5/S, 8/B, 2/Z)


# --- Who may do what ---------------------------------------------------------------------------------


def can_manage(user: User, procedure: Procedure | None = None, department_id: int | None = None) -> bool:
    if not user.is_authenticated or not user.has_perm("eapply.build_form"):
        return False
    dept = procedure.department_id if procedure is not None else department_id
    return is_ward_wide(user) or (user.department_id is not None and user.department_id == dept)


def can_process(user: User, submission: Submission) -> bool:
    """Clerks of the procedure's department process it; the IT division sees all (no other department)."""
    if not user.is_authenticated or not user.has_perm("eapply.process_submission"):
        return False
    return is_ward_wide(user) or (
        user.department_id is not None and user.department_id == submission.procedure.department_id
    )


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise PermissionDenied(message)


# --- Procedures and forms (the builder) --------------------------------------------------------------


@transaction.atomic
def procedure_save(*, procedure: Procedure | None, data: dict[str, Any], actor: User | None) -> Procedure:
    if actor is not None:
        dept = data.get("department")
        _require(
            can_manage(actor, procedure, dept.pk if dept is not None else None),
            "この手続きを編集できるのは、担当部署の職員と情報システム課です。",
        )
    before = None if procedure is None else model_snapshot(procedure)
    obj = procedure or Procedure()
    for key, value in data.items():
        setattr(obj, key, value)
    obj.full_clean()
    obj.save()
    after = model_snapshot(obj)
    if before is None:
        audit_record(actor=actor, action="create", target=obj, after=after)
    elif before != after:
        audit_record(actor=actor, action="update", target=obj, before=before, after=after)
    return obj


@transaction.atomic
def form_save_draft(*, procedure: Procedure, definition: Any, actor: User | None) -> FormVersion:
    """Validate a definition and keep it as the procedure's draft (the published version is untouched)."""
    if actor is not None:
        _require(
            can_manage(actor, procedure),
            "この手続きのフォームを編集できるのは、担当部署の職員と情報システム課です。",
        )
    normalised = formdef.validate_definition(definition)
    draft = procedure.versions.filter(status=FormVersion.Status.DRAFT).first()
    if draft is None:
        number = (procedure.versions.aggregate(m=Max("number"))["m"] or 0) + 1
        draft = FormVersion.objects.create(
            procedure=procedure, number=number, definition=normalised, created_by=actor
        )
        audit_record(actor=actor, action="create", target=draft, after={"definition": normalised})
    elif draft.definition != normalised:
        before = draft.definition
        draft.definition = normalised
        draft.save(update_fields=["definition"])
        audit_record(
            actor=actor,
            action="update",
            target=draft,
            before={"definition": before},
            after={"definition": normalised},
        )
    return draft


@transaction.atomic
def form_publish(*, procedure: Procedure, actor: User | None) -> FormVersion:
    """The draft becomes the published version; residents who started on the old one keep it."""
    if actor is not None:
        _require(
            can_manage(actor, procedure) and actor.has_perm("eapply.build_form"),
            "フォームを公開できるのは、担当部署の職員と情報システム課です。",
        )
    draft = procedure.versions.select_for_update().filter(status=FormVersion.Status.DRAFT).first()
    if draft is None:
        raise ValidationError("公開する作成中の版がありません。")
    formdef.validate_definition(draft.definition)
    procedure.versions.filter(status=FormVersion.Status.PUBLISHED).update(status=FormVersion.Status.RETIRED)
    draft.status = FormVersion.Status.PUBLISHED
    draft.published_at = timezone.now()
    draft.save(update_fields=["status", "published_at"])
    audit_record(actor=actor, action="update", target=draft, note=f"第{draft.number}版を公開")
    return draft


# --- Residents' submissions ------------------------------------------------------------------------


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def submission_for_key(key: str) -> Submission | None:
    return (
        Submission.objects.select_related("procedure", "version").filter(resume_key_hash=_hash(key)).first()
    )


@transaction.atomic
def submission_start(
    *, procedure: Procedure, identity: dict[str, Any] | None = None
) -> tuple[Submission, str]:
    """A new application on the published version; returns it and its resume key (shown once).

    ``identity`` is a resident signed in by OpenID Connect (eapply.oidc): the questions that ask for
    what the provider vouched for (name, its reading, address in Koto, e-mail, birth date) start filled
    in (still editable), and the submission records the issuer and subject."""
    version = procedure.published_version
    if version is None or not procedure.is_public:
        raise ValidationError("この手続きは現在オンラインで申請できません。")
    key = secrets.token_urlsafe(24)
    answers: dict[str, Any] = {}
    verified: dict[str, Any] = {}
    if identity:
        answers = prefill_answers(version.definition, identity.get("claims") or {})
        verified = {
            "method": "oidc",
            "issuer": identity["iss"],
            "subject": identity["sub"],
            "provider": identity.get("provider", ""),
            "signed_in_at": identity.get("at", ""),
            "prefilled": answers,
        }
    submission = Submission.objects.create(
        procedure=procedure,
        version=version,
        resume_key_hash=_hash(key),
        answers=answers,
        verified_identity=verified,
    )
    return submission, key


# --- Pre-fill from a sign-in (eapply.oidc) -----------------------------------------------------------

# Questions recognised by id or by label (NFKC, spaces removed): only the applicant's own details,
# never a partner's name or the address of a building that was damaged.
PREFILL_NAME = (
    {"name", "applicant_name", "shimei", "full_name"},
    {
        "氏名",
        "お名前",
        "名前",
        "申請者氏名",
        "申請者の氏名",
        "申請者名",
        "届出人氏名",
        "届出人の氏名",
        "請求者氏名",
        "請求者の氏名",
    },
)
PREFILL_KANA = (
    {"applicant_kana", "kana", "name_kana", "furigana"},
    {
        "氏名(フリガナ)",
        "フリガナ",
        "ふりがな",
        "氏名(ふりがな)",
        "申請者氏名(フリガナ)",
        "申請者の氏名(フリガナ)",
    },
)
PREFILL_BIRTH = (
    {"birth_date", "birthdate", "date_of_birth", "applicant_birth", "applicant_birth_date"},
    {"生年月日", "申請者の生年月日", "申請者生年月日", "本人の生年月日"},
)
PREFILL_ADDRESS = (
    {"address", "home_address", "applicant_address", "jusho"},
    {
        "住所",
        "お住まいの住所",
        "住民登録のある住所",
        "現住所",
        "ご住所",
        "申請者の住所",
        "申請者住所",
        "届出人の住所",
    },
)
_KANJI_DIGITS = "〇一二三四五六七八九"


def _label_key(text: Any) -> str:
    return "".join(unicodedata.normalize("NFKC", str(text or "")).split())


def _asks(question: dict[str, Any], known: tuple[set[str], set[str]]) -> bool:
    return question.get("id") in known[0] or _label_key(question.get("label")) in known[1]


def koto_address(address: Any) -> dict[str, str] | None:
    """An OpenID Connect ``address`` claim (an object with formatted / region / locality /
    street_address, or a plain string) as the address question stores it (``{"town", "detail"}``), or
    None when it is not an address in Koto City or its 町丁目 is not one of Koto's."""
    if isinstance(address, dict):
        region = _label_key(address.get("region"))
        locality = _label_key(address.get("locality"))
        if region and region not in ("東京都", "Tokyo", "Tokyo-to"):
            return None
        if locality and "江東区" not in locality and locality.lower() not in ("koto-ku", "koto", "kotoku"):
            return None
        street = unicodedata.normalize("NFKC", str(address.get("street_address") or "")).strip()
        line = street if locality and street else str(address.get("formatted") or "")
        in_koto = bool(locality)
    else:
        line, in_koto = str(address or ""), False
    text = unicodedata.normalize("NFKC", line).strip()
    text = re.sub(r"^〒?\s*\d{3}-?\d{4}\s*", "", text)
    text = re.sub(r"^(日本国?|Japan)[\s,、]*", "", text).strip()
    text = re.sub(r"^東京都\s*", "", text)
    if text.startswith("江東区"):
        in_koto = True
    if not in_koto:
        return None
    text = text.removeprefix("江東区").strip()
    # 東陽4丁目 → 東陽四丁目 (the town list writes the 丁目 in kanji)
    text = re.sub(r"(\d)\s*丁目", lambda m: _KANJI_DIGITS[int(m.group(1))] + "丁目", text, count=1)
    town, detail = _split_address(text)
    if not town:
        # 東陽4-11-28: the first number is the 丁目
        match = re.match(r"(\D+?)\s*(\d)\s*[-‐－−ー の]\s*(.*)", text)
        if match and f"{match[1]}{_KANJI_DIGITS[int(match[2])]}丁目" in formdef.towns():
            town, detail = f"{match[1]}{_KANJI_DIGITS[int(match[2])]}丁目", match[3]
    if not town:
        return None
    return {"town": town, "detail": detail.strip()}


def prefill_answers(definition: dict[str, Any], claims: dict[str, Any]) -> dict[str, Any]:
    """The answers a signed-in resident starts with: each top-level question that asks for the name, its
    reading, the address (only an address in Koto), the e-mail address or the birth date, filled with the
    claim when the question accepts it as typed (length, date range, …); nothing else."""
    wanted: list[tuple[tuple[set[str], set[str]] | None, str, Any]] = [
        (PREFILL_NAME, "text", claims.get("name")),
        (PREFILL_KANA, "text", claims.get("kana")),
        (PREFILL_BIRTH, "date", claims.get("birthdate")),
        (PREFILL_ADDRESS, "address", koto_address(claims.get("address"))),
        (None, "email", claims.get("email")),  # the form's (first) e-mail question
    ]
    answers: dict[str, Any] = {}
    for known, kind, value in wanted:
        if not value:
            continue
        for page in definition.get("pages", []):
            question = next(
                (
                    q
                    for q in page.get("fields", [])
                    if q.get("type") == kind and q["id"] not in answers and (known is None or _asks(q, known))
                ),
                None,
            )
            if question is None:
                continue
            answer = formdef.answer_from_value(question, value)
            if answer is not None:
                answers[question["id"]] = answer
            break
    return formdef.prune(definition, answers)


def prefill_changed(submission: Submission) -> list[str]:
    """Labels of the pre-filled questions whose answer the resident changed (shown to staff)."""
    prefilled = (submission.verified_identity or {}).get("prefilled") or {}
    labels = {
        q["id"]: q.get("label", q["id"])
        for p in submission.version.definition.get("pages", [])
        for q in p.get("fields", [])
    }
    return [labels.get(k, k) for k, v in prefilled.items() if submission.answers.get(k) != v]


def _identity_id(identity: dict[str, Any]) -> str:
    """The audit log's target id of a resident: a hash of issuer and subject (which may be long)."""
    return hashlib.sha256(f"{identity.get('iss')} {identity.get('sub')}".encode()).hexdigest()


def resident_signin_record(*, identity: dict[str, Any]) -> None:
    """Audit a resident's sign-in (issuer and subject; no name or address in the log)."""
    with transaction.atomic():
        audit_record(
            actor=None,
            action="login",
            target_type="eapply.resident",
            target_id=_identity_id(identity),
            target_repr=f"区民（{identity.get('provider', 'OpenID Connect')}）",
            after={"issuer": identity.get("iss"), "subject": identity.get("sub")},
            note="電子申請: OpenID Connect による区民のサインイン",
        )


def resident_signout_record(*, identity: dict[str, Any]) -> None:
    with transaction.atomic():
        audit_record(
            actor=None,
            action="logout",
            target_type="eapply.resident",
            target_id=_identity_id(identity),
            target_repr=f"区民（{identity.get('provider', 'OpenID Connect')}）",
            note="電子申請: 区民のサインアウト",
        )


def resident_signin_failed(*, issuer: str, reason: str) -> None:
    """Audit a failed sign-in with its reason (bad_state, bad_nonce, expired, unreachable, …)."""
    with transaction.atomic():
        audit_record(
            actor=None,
            action="login_failed",
            target_type="eapply.resident",
            target_repr=f"区民のサインイン（{issuer}）"[:255],
            note=f"電子申請: OpenID Connect のサインイン失敗: {reason}"[:255],
        )


def new_resume_key(submission: Submission) -> str:
    key = secrets.token_urlsafe(24)
    Submission.objects.filter(pk=submission.pk).update(resume_key_hash=_hash(key))
    return key


@transaction.atomic
def submission_save_page(
    *, submission: Submission, page_id: str, answers: dict[str, Any], uploads: dict[str, Any]
) -> Submission:
    """Keep one page's answers (and files). Only while the applicant may edit."""
    fresh = Submission.objects.select_for_update().select_related("version").get(pk=submission.pk)
    if not fresh.is_editable_by_applicant:
        raise ValidationError("この申請はすでに送信されています。変更はできません。")
    for name, upload in uploads.items():
        upload.seek(0)
        checked = check_upload(upload)  # again, here: what is stored must have been checked by the service
        upload_name = (getattr(upload, "name", "") or f"file.{checked.kind.extension}")[-200:]
        stored = SubmissionFile(
            submission=fresh,
            field=name,
            original_name=upload_name,
            content_type=checked.kind.content_type,
            size=checked.size,
            sha256=checked.sha256,
        )
        stored.file.save(
            f"{checked.sha256[:20]}.{checked.kind.extension}", ContentFile(checked.data), save=False
        )
        stored.save()
        answers[name] = {
            **(answers.get(name) or {}),
            "file_id": stored.pk,
            "name": upload_name,
            "size": checked.size,
        }
    fresh.answers = formdef.merge_page(fresh.version.definition, fresh.answers, page_id, answers)
    fresh.save(update_fields=["answers", "updated_at"])
    return fresh


def _reference_number() -> str:
    fy = FiscalYear.current()
    era = fy.era.letter + str(fy.era.year_of(fy.year))
    body = "".join(secrets.choice(REF_ALPHABET) for _ in range(8))
    return f"{era}-{body[:4]}-{body[4:]}"


def _applicant(definition: dict[str, Any], answers: dict[str, Any]) -> tuple[str, str]:
    email = next(
        (
            str(answers[f["id"]])
            for p in definition["pages"]
            for f in p["fields"]
            if f["type"] == "email" and answers.get(f["id"])
        ),
        "",
    )
    name = next((str(answers[k]) for k in ("name", "applicant_name", "shimei") if answers.get(k)), "")
    return name[:100], email[:254]


@transaction.atomic
def submission_fill(
    *, procedure: Procedure, values: dict[str, Any], files: dict[str, Any] | None = None, base_url: str = ""
) -> Submission:
    """An application made on a resident's behalf (a robot's CSV row, a paper form read by OCR), filled
    page by page through the same form checks a resident meets, then submitted. ``values`` maps field id
    (or label) to the text typed; a page that fails raises ValidationError naming the page and field.
    The resident never used the site, so their receipt and later mails are Japanese, whatever language
    the member of staff or robot works in."""
    submission, _ = submission_start(procedure=procedure)
    definition = submission.version.definition
    seen: set[str] = set()
    while True:
        pages = [pg for pg in formdef.visible_pages(definition, submission.answers) if pg["id"] not in seen]
        if not pages:
            break
        page = pages[0]
        seen.add(page["id"])
        data = {}
        for question in page.get("fields", []):
            value = values.get(question["id"], values.get(question.get("label", ""), ""))
            if question.get("type") == "yesno" and value not in ("", None):
                value = "yes" if str(value).strip() in ("はい", "yes", "true", "1", "あり", "True") else "no"
            if question.get("type") == "address":
                town, detail = _split_address(value)
                data[f"{question['id']}_0"], data[f"{question['id']}_1"] = town, detail
                continue
            data[question["id"]] = _as_typed(question, value)
        page_files = {
            k: v for k, v in (files or {}).items() if k in {f["id"] for f in page.get("fields", [])}
        }
        form = formdef.page_form(definition, page["id"], submission.answers, data=data, files=page_files)
        if not form.is_valid():
            # The label a person sees, and the id a CSV column may be named by.
            labels = {f["id"]: f"{f.get('label', f['id'])}（{f['id']}）" for f in page.get("fields", [])}
            errors = "；".join(
                f"{labels.get(k, k)}: {' '.join(str(e) for e in v)}" for k, v in form.errors.items()
            )
            raise ValidationError(f"{page.get('title', page['id'])}: {errors}")
        answers, uploads = formdef.page_answers(form)
        submission = submission_save_page(
            submission=submission, page_id=page["id"], answers=answers, uploads=uploads
        )
    # Errors above are in the language staff work in; the submission itself is Japanese.
    with translation.override("ja"):
        return submission_submit(submission=submission, base_url=base_url)


def _as_typed(question: dict[str, Any], value: Any) -> Any:
    """Text written on paper or in a CSV as a form would post it: a choice's label becomes its value
    (本人のみ → self), a number loses its unit (2通 → 2)."""
    if value is None:
        return ""
    if isinstance(value, list):
        return [str(v) for v in value]
    text = str(value).strip()
    kind = question.get("type")
    if kind in ("select", "radio", "checkboxes"):
        by_label = {
            "".join(unicodedata.normalize("NFKC", str(c.get("label", ""))).split()): c["value"]
            for c in question.get("choices", [])
        }
        parts = [p for p in re.split(r"[、,，/・]", text)] if kind == "checkboxes" else [text]
        mapped = [by_label.get("".join(unicodedata.normalize("NFKC", p).split()), p.strip()) for p in parts]
        mapped = [m for m in mapped if m]
        return mapped if kind == "checkboxes" else (mapped[0] if mapped else "")
    if kind == "number":
        text = unicodedata.normalize("NFKC", text).replace(",", "")
        unit = str(question.get("unit") or "")
        return text.removesuffix(unit).strip() if unit else text
    return text


def _split_address(value: Any) -> tuple[str, str]:
    """(町丁目, 番地) of an address given as {"town", "detail"} or as one line (東陽四丁目 11-28)."""
    if isinstance(value, dict):
        return str(value.get("town") or ""), str(value.get("detail") or "")
    text = unicodedata.normalize("NFKC", str(value or "")).strip().removeprefix("江東区").strip()
    for town in sorted(formdef.towns(), key=len, reverse=True):
        # OCR and typists put spaces inside a name (東陽 四丁目): the town may be spread over them.
        match = re.match(r"\s*".join(map(re.escape, town)), text)
        if match:
            return town, text[match.end() :].strip()
    return "", text


@transaction.atomic
def submission_submit(*, submission: Submission, base_url: str = "") -> Submission:
    """Submit exactly once: a second click finds it already submitted and returns it unchanged. The
    reference number is given only inside the transaction that stores the submission."""
    fresh = (
        Submission.objects.select_for_update().select_related("procedure", "version").get(pk=submission.pk)
    )
    if fresh.status not in (Status.DRAFT, Status.CORRECTION):
        return fresh
    missing = formdef.missing_pages(fresh.version.definition, fresh.answers)
    if missing:
        raise ValidationError("まだ回答していない必須の質問があります。")
    resubmission = fresh.status == Status.CORRECTION
    fresh.applicant_name, fresh.applicant_email = _applicant(fresh.version.definition, fresh.answers)
    # The language the resident used (English on the /en/ pages), kept for the mails that follow: the
    # receipt now, a correction request or a decision later. A resubmission takes the language used then.
    fresh.language = resident_language()
    if not resubmission:
        fresh.submitted_at = timezone.now()
        fresh.purge_after = timezone.localdate() + timedelta(days=fresh.procedure.retention_days)
        for _ in range(5):
            fresh.reference_number = _reference_number()
            if not Submission.objects.filter(reference_number=fresh.reference_number).exists():
                break
    old_status = fresh.status
    fresh.status = Status.RECEIVED
    try:
        with transaction.atomic():
            fresh.save()
    except IntegrityError:  # two identical random numbers at the same instant: draw again once
        fresh.reference_number = _reference_number()
        fresh.save()
    SubmissionEvent.objects.create(
        submission=fresh,
        from_status=old_status,
        to_status=Status.RECEIVED,
        kind=SubmissionEvent.Kind.RESUBMITTED if resubmission else SubmissionEvent.Kind.SUBMITTED,
        visible_to_applicant=True,
    )
    audit_record(
        actor=None,
        action="create" if not resubmission else "update",
        target=fresh,
        target_repr=f"申請 {fresh.reference_number}（{fresh.procedure.name}）",
        after={"status": fresh.status, "version": fresh.version.number},
        note="区民による申請",
    )
    ref, email, name = fresh.reference_number, fresh.applicant_email, fresh.procedure.name
    language = fresh.language  # the receipt is in the language the resident used
    transaction.on_commit(lambda: _send_receipt(ref or "", email, name, base_url, resubmission, language))
    transaction.on_commit(lambda: _notify_webhooks(fresh.pk, "submission.received"))
    return fresh


def resident_language(code: str | None = None) -> str:
    """``code`` (by default the active language) as one of settings.LANGUAGES: Japanese when there is none
    or it is unknown, so that a mail's text and its links (/en/…) are always of a language the site has."""
    try:
        return translation.get_supported_language_variant(code or translation.get_language() or "ja")
    except LookupError:
        return settings.LANGUAGE_CODE


def _send_receipt(
    reference: str, email: str, procedure: str, base_url: str, resubmission: bool, language: str = "ja"
) -> None:
    if not email:
        return
    with translation.override(language):
        status_url = base_url.rstrip("/") + reverse("eapply:status") if base_url else ""
        values = {"procedure": procedure, "reference": reference, "url": status_url}
        if resubmission:
            body = _(
                "%(procedure)sの補正後の申請を受け付けました。\n\n受付番号: %(reference)s\n\n"
                "申請の状況は、受付番号とこのメールアドレスで確認できます。\n%(url)s\n\n江東区"
            )
        else:
            body = _(
                "%(procedure)sの申請を受け付けました。\n\n受付番号: %(reference)s\n\n"
                "申請の状況は、受付番号とこのメールアドレスで確認できます。\n%(url)s\n\n江東区"
            )
        subject = _("【江東区】%(procedure)s 受付のお知らせ（%(reference)s）") % values
        body = body % values
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email])
    except Exception:  # the submission is stored; a failed mail must not undo or hide it
        log.exception("receipt mail for %s failed", reference)


# --- Staff processing --------------------------------------------------------------------------------

TRANSITIONS: dict[str, set[str]] = {
    Status.RECEIVED: {Status.REVIEWING, Status.CORRECTION, Status.REJECTED},
    Status.REVIEWING: {Status.CORRECTION, Status.APPROVED, Status.REJECTED},
    Status.CORRECTION: {Status.REVIEWING, Status.REJECTED},
    Status.APPROVED: {Status.COMPLETED},
    Status.REJECTED: set(),
    Status.COMPLETED: set(),
}


def allowed_statuses(submission: Submission) -> list[str]:
    return [s for s in Status.values if s in TRANSITIONS.get(submission.status, set())]


@transaction.atomic
def submission_transition(
    *, submission: Submission, to_status: str, comment: str, actor: User, base_url: str = ""
) -> tuple[Submission, str | None]:
    """Move a submission on. A correction request (補正依頼) needs a comment for the applicant and returns
    a fresh resume key for the link mailed to them."""
    fresh = Submission.objects.select_for_update().select_related("procedure").get(pk=submission.pk)
    _require(can_process(actor, fresh), "この申請を処理できるのは、担当部署の職員です。")
    if to_status not in TRANSITIONS.get(fresh.status, set()):
        target = Status(to_status).label if to_status in Status.values else to_status
        raise ValidationError(f"「{fresh.get_status_display()}」の申請を「{target}」にはできません。")
    comment = comment.strip()
    if to_status in (Status.CORRECTION, Status.REJECTED) and not comment:
        raise ValidationError({"comment": "申請者に伝える理由（直してほしい点）を入力してください。"})
    old = fresh.status
    fresh.status = to_status
    fresh.save(update_fields=["status", "updated_at"])
    kind = SubmissionEvent.Kind.CORRECTION if to_status == Status.CORRECTION else SubmissionEvent.Kind.STATUS
    SubmissionEvent.objects.create(
        submission=fresh,
        kind=kind,
        from_status=old,
        to_status=to_status,
        comment=comment,
        actor=actor,
        visible_to_applicant=to_status != Status.REVIEWING,
    )
    audit_record(
        actor=actor,
        action="update",
        target=fresh,
        before={"status": old},
        after={"status": to_status},
        note=comment[:200],
    )
    key = None
    if to_status == Status.CORRECTION:
        key = new_resume_key(fresh)
        subject, body = _correction_mail(fresh, comment, key, base_url)
        email = fresh.applicant_email
        transaction.on_commit(lambda: _mail(email, subject, body))
    elif to_status in (Status.APPROVED, Status.REJECTED, Status.COMPLETED):
        subject, body = _decision_mail(fresh, to_status, comment)
        email = fresh.applicant_email
        transaction.on_commit(lambda: _mail(email, subject, body))
    transaction.on_commit(lambda: _notify_webhooks(fresh.pk, "submission.status_changed"))
    return fresh, key


def _correction_mail(submission: Submission, comment: str, key: str, base_url: str) -> tuple[str, str]:
    """補正のお願い in the language the resident applied in; the resume link opens the pages in it too
    (/en/... for English). The procedure's name and the staff's comment are data and stay as written."""
    with translation.override(resident_language(submission.language)):
        link = base_url.rstrip("/") + reverse("eapply:resume", args=[key]) if base_url else ""
        values = {
            "procedure": submission.procedure.name,
            "reference": submission.reference_number,
            "comment": comment,
            "url": link,
        }
        subject = _("【江東区】%(procedure)s 補正のお願い（%(reference)s）") % values
        body = (
            _(
                "申請（受付番号 %(reference)s）について、次の点の補正をお願いします。\n\n%(comment)s\n\n"
                "次のリンクから申請内容を直して、もう一度送信してください。\n%(url)s\n\n江東区"
            )
            % values
        )
    return subject, body


def _decision_mail(submission: Submission, to_status: str, comment: str) -> tuple[str, str]:
    """承認/却下/完了のお知らせ in the language the resident applied in."""
    with translation.override(resident_language(submission.language)):
        values = {
            "procedure": submission.procedure.name,
            "reference": submission.reference_number,
            "comment": comment,
            # The labels are plain Japanese (stored, exported); eapply_i18n marks them for the catalogue.
            "status": _(Status(to_status).label),
        }
        subjects = {
            Status.APPROVED: _("【江東区】%(procedure)s 承認のお知らせ（%(reference)s）"),
            Status.REJECTED: _("【江東区】%(procedure)s 却下のお知らせ（%(reference)s）"),
            Status.COMPLETED: _("【江東区】%(procedure)s 完了のお知らせ（%(reference)s）"),
        }
        subject = subjects[Status(to_status)] % values
        body = (
            _("申請（受付番号 %(reference)s）は「%(status)s」になりました。\n\n%(comment)s\n\n江東区")
            % values
        )
    return subject, body


def _mail(to: str, subject: str, body: str) -> None:
    if not to:
        return
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
    except Exception:
        log.exception("mail to applicant failed: %s", subject)


@transaction.atomic
def submission_assign(*, submission: Submission, assignee: User | None, actor: User) -> Submission:
    fresh = Submission.objects.select_for_update().select_related("procedure").get(pk=submission.pk)
    _require(can_process(actor, fresh), "この申請を処理できるのは、担当部署の職員です。")
    if assignee is not None and not can_process(assignee, fresh):
        raise ValidationError("担当者には、この手続きを担当する部署の職員を選んでください。")
    before = fresh.assigned_to_id
    fresh.assigned_to = assignee
    fresh.save(update_fields=["assigned_to", "updated_at"])
    SubmissionEvent.objects.create(
        submission=fresh,
        kind=SubmissionEvent.Kind.ASSIGNED,
        actor=actor,
        comment=str(assignee) if assignee else "（担当なし）",
    )
    audit_record(
        actor=actor,
        action="update",
        target=fresh,
        before={"assigned_to": before},
        after={"assigned_to": fresh.assigned_to_id},
    )
    return fresh


@transaction.atomic
def submission_comment(*, submission: Submission, comment: str, actor: User) -> SubmissionEvent:
    _require(can_process(actor, submission), "この申請を処理できるのは、担当部署の職員です。")
    if not comment.strip():
        raise ValidationError({"comment": "メモを入力してください。"})
    event = SubmissionEvent.objects.create(
        submission=submission, kind=SubmissionEvent.Kind.COMMENT, comment=comment.strip(), actor=actor
    )
    audit_record(actor=actor, action="create", target=event, after={"comment": comment.strip()})
    return event


def submission_viewed(*, submission: Submission, actor: User, what: str = "申請内容の閲覧") -> None:
    """Reading a resident's personal data is audited (architecture §6)."""
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="view",
            target=submission,
            target_repr=f"申請 {submission.reference_number}（{submission.procedure.name}）",
            note=what,
        )


def submissions_export(*, procedure: Procedure, fmt: str, actor: User) -> tuple[list[str], list[list[Any]]]:
    """A procedure's submissions as a table (one column per question of the current form), audited."""
    _require(
        is_ward_wide(actor)
        or (actor.department_id is not None and actor.department_id == procedure.department_id),
        "この手続きの申請を出力できるのは、担当部署の職員です。",
    )
    submissions = list(
        procedure.submissions.exclude(status=Status.DRAFT).select_related("version").order_by("submitted_at")
    )
    version = procedure.published_version or (submissions[-1].version if submissions else None)
    if version is None:
        raise ValidationError("出力できる申請フォームがありません。")
    header = ["受付番号", "状態", "申請日時", "版"] + [
        label for _id, label in formdef.columns(version.definition)
    ]
    rows = [
        [
            s.reference_number,
            s.get_status_display(),
            timezone.localtime(s.submitted_at).strftime("%Y-%m-%d %H:%M") if s.submitted_at else "",
            s.version.number,
            *formdef.row(version.definition, s.answers),
        ]
        for s in submissions
    ]
    with transaction.atomic():
        audit_record(
            actor=actor, action="export", target=procedure, note=f"申請 {len(rows)}件を{fmt.upper()}で出力"
        )
    return header, rows


# --- Retention ---------------------------------------------------------------------------------------


@transaction.atomic
def purge_expired(*, today: Any = None) -> list[str]:
    """Delete submissions past their retention period (files too) and log what was removed."""
    today = today or timezone.localdate()
    expired = list(
        Submission.objects.select_for_update().filter(purge_after__lt=today).select_related("procedure")
    )
    removed = []
    for s in expired:
        for f in s.files.all():
            f.file.delete(save=False)
        removed.append(s.reference_number or str(s.pk))
        audit_record(
            actor=None,
            action="delete",
            target=s,
            target_repr=f"申請 {s.reference_number}（{s.procedure.name}）",
            note=f"保存期間（{s.procedure.retention_days}日）の経過による削除",
        )
        s.delete()
    abandoned = Submission.objects.filter(
        status=Status.DRAFT, updated_at__lt=timezone.now() - timedelta(days=30)
    )
    for s in abandoned:
        for f in s.files.all():
            f.file.delete(save=False)
    n_abandoned = abandoned.count()
    if n_abandoned:
        abandoned.delete()
        audit_record(
            actor=None,
            action="delete",
            target_type="eapply.submission",
            target_repr=f"送信されずに30日たった入力中の申請 {n_abandoned}件",
            note="保存期間による削除",
        )
    return removed


# --- Webhooks ----------------------------------------------------------------------------------------


# Called (submission id, event) after a submission is received or changes status, e.g. by automation to
# start robots. Modules register here in their AppConfig.ready(), so e-application does not import them.
SUBMISSION_HOOKS: list[Callable[[Any, str], None]] = []


def _notify_webhooks(submission_id: Any, event: str) -> None:
    from kotodx.eapply.tasks import deliver_webhook

    submission = Submission.objects.select_related("procedure").get(pk=submission_id)
    for hook in Webhook.objects.filter(department_id=submission.procedure.department_id, active=True):
        deliver_webhook(hook.pk, str(submission_id), event)
    for fn in SUBMISSION_HOOKS:
        fn(submission_id, event)


def webhook_payload(submission: Submission, event: str) -> bytes:
    """What a webhook receives: no answers (personal data stays behind the authenticated API)."""
    return json.dumps(
        {
            "event": event,
            "submission": str(submission.pk),
            "reference_number": submission.reference_number,
            "procedure": submission.procedure.slug,
            "status": submission.status,
            "api": reverse("api:eapply_submission", args=[submission.pk]),
        },
        ensure_ascii=False,
    ).encode()


def webhook_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
