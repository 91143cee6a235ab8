"""Every write of the AI assistant, atomic and audited: questions asked (masked), the FAQ and synonym
dictionary, inquiries routed and corrected, routing models trained, paper forms read and confirmed."""

from __future__ import annotations

import hashlib
from dataclasses import asdict
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from kotodx.assistant import routing, search
from kotodx.assistant.models import Faq, Inquiry, OcrDocument, Question, RoutingModel, Synonym
from kotodx.core.jobs import job_handler
from kotodx.core.models import Department, Job, User
from kotodx.core.selectors import is_ward_wide
from kotodx.core.services import audit_record, job_progress, job_start, model_snapshot
from kotodx.eapply.models import Procedure

MAX_INQUIRY_CHARS = 20_000


# --- Ask the ward -----------------------------------------------------------------------------------------


def ask(question: str, *, record: bool = True, limit: int = 5) -> search.Result:
    """Answers to a resident's question; the question is kept (masked) so staff see what was asked."""
    question = (question or "").replace("\x00", "").strip()
    if not question:
        raise ValidationError({"q": "質問を入力してください。"})
    result = search.index().search(question, limit=limit)
    if record:
        top = result.answers[0] if result.answers else None
        Question.objects.create(
            text=search.mask(question)[:500],
            language=result.language,
            status=Question.Status.ANSWERED if result.answered else Question.Status.OPEN,
            top_title=(top.title if top else "")[:300],
            top_score=top.score if top else 0,
        )
    return result


@transaction.atomic
def question_close(*, question: Question, faq: Faq | None, actor: User) -> Question:
    """Staff answered an open question with an FAQ entry, or marked it as needing none."""
    before = model_snapshot(question)
    question.status = Question.Status.RESOLVED if faq else Question.Status.DISMISSED
    question.faq = faq
    question.save(update_fields=["status", "faq"])
    audit_record(actor=actor, action="update", target=question, before=before, after=model_snapshot(question))
    return question


def _may_edit_department(actor: User, department: Department | None) -> None:
    if department is None:
        raise ValidationError({"department": "回答する部署を選んでください。"})
    if not is_ward_wide(actor) and actor.department_id != department.pk:
        raise PermissionDenied("他の部署のFAQは編集できません。")


@transaction.atomic
def faq_save(*, faq: Faq | None, data: dict[str, Any], actor: User | None) -> Faq:
    question = (data.get("question") or "").strip()
    answer = (data.get("answer") or "").strip()
    errors = {}
    if not question:
        errors["question"] = "質問を入力してください。"
    elif len(question) > 200:
        errors["question"] = f"質問は200文字以内にしてください（今は{len(question)}文字）。"
    if not answer:
        errors["answer"] = "回答を入力してください。"
    if errors:
        raise ValidationError(errors)
    department = data.get("department")
    if actor is not None:
        _may_edit_department(actor, department)
        if faq is not None:
            _may_edit_department(actor, faq.department)
    before = model_snapshot(faq) if faq else None
    faq = faq or Faq()
    faq.question, faq.answer = question, answer
    faq.department = department  # type: ignore[assignment]
    faq.procedure = data.get("procedure")
    faq.is_public = bool(data.get("is_public", True))
    faq.save()
    audit_record(
        actor=actor,
        action="update" if before else "create",
        target=faq,
        before=before,
        after=model_snapshot(faq),
    )
    return faq


@transaction.atomic
def faq_delete(*, faq: Faq, actor: User) -> None:
    _may_edit_department(actor, faq.department)
    audit_record(actor=actor, action="delete", target=faq, before=model_snapshot(faq))
    faq.delete()


@transaction.atomic
def synonym_save(*, synonym: Synonym | None, term: str, expansions: str, actor: User | None) -> Synonym:
    term, expansions = (term or "").strip(), " ".join((expansions or "").replace("、", " ").split())
    errors = {}
    if not term:
        errors["term"] = "言い方を入力してください。"
    elif len(term) > 100:
        errors["term"] = "言い方は100文字以内にしてください。"
    if not expansions:
        errors["expansions"] = "言い換える語を1つ以上入力してください。"
    elif len(expansions) > 500:
        errors["expansions"] = "言い換えは500文字以内にしてください。"
    clash = Synonym.objects.filter(term=term).exclude(pk=synonym.pk if synonym else 0)
    if term and clash.exists():
        errors["term"] = f"「{term}」はすでに登録されています。"
    if errors:
        raise ValidationError(errors)
    before = model_snapshot(synonym) if synonym else None
    synonym = synonym or Synonym()
    synonym.term, synonym.expansions = term, expansions
    synonym.save()
    audit_record(
        actor=actor,
        action="update" if before else "create",
        target=synonym,
        before=before,
        after=model_snapshot(synonym),
    )
    return synonym


@transaction.atomic
def synonym_delete(*, synonym: Synonym, actor: User) -> None:
    audit_record(actor=actor, action="delete", target=synonym, before=model_snapshot(synonym))
    synonym.delete()


# --- Inquiry routing -------------------------------------------------------------------------------------


def active_model() -> RoutingModel | None:
    return RoutingModel.objects.filter(active=True).order_by("-created_at").first()


_pipelines: dict[tuple[int, Any], Any] = {}


def _pipeline(model: RoutingModel) -> Any:
    # Keyed by creation time too: a rolled-back test database hands out the same id again.
    key = (model.pk, model.created_at)
    if key not in _pipelines:
        _pipelines.clear()
        _pipelines[key] = routing.load(bytes(model.blob))
    return _pipelines[key]


def route_text(text: str) -> tuple[RoutingModel, list[tuple[Department, float]]]:
    model = active_model()
    if model is None:
        raise ValidationError("振り分けモデルがまだありません。「学習し直す」で作成してください。")
    ranked = routing.predict(_pipeline(model), text)
    departments = Department.objects.in_bulk([code for code, _ in ranked], field_name="code")
    return model, [(departments[code], p) for code, p in ranked if code in departments]


@transaction.atomic
def inquiry_receive(*, text: str, source: str, actor: User | None) -> Inquiry:
    """Record an inquiry and route it to the department the model thinks should answer."""
    text = (text or "").replace("\x00", "").strip()
    if not text:
        raise ValidationError({"text": "問い合わせの本文を入力してください。"})
    if len(text) > MAX_INQUIRY_CHARS:
        raise ValidationError(
            {"text": f"本文は{MAX_INQUIRY_CHARS:,}文字以内にしてください（今は{len(text):,}文字）。"}
        )
    if source not in Inquiry.Source.values:
        raise ValidationError({"source": "受付方法を選んでください。"})
    model, ranked = route_text(text)
    top_dept, top_p = ranked[0]
    inquiry = Inquiry.objects.create(
        text=text,
        source=source,
        predicted=top_dept,
        confidence=top_p,
        top3=[{"code": d.code, "name": d.name, "p": round(p, 4)} for d, p in ranked],
        department=top_dept,
        routed_by=actor,
        model=model,
    )
    audit_record(
        actor=actor, action="create", target=inquiry, after=model_snapshot(inquiry, exclude=["text"])
    )
    return inquiry


@transaction.atomic
def inquiry_correct(*, inquiry: Inquiry, department: Department, actor: User) -> Inquiry:
    """Staff send an inquiry to another department; the correction becomes training data."""
    if not is_ward_wide(actor) and actor.department_id != inquiry.department_id:
        raise PermissionDenied("自部署に振り分けられた問い合わせだけを振り直せます。")
    before = model_snapshot(inquiry, exclude=["text"])
    inquiry.department = department
    inquiry.corrected = department.pk != inquiry.predicted_id
    inquiry.routed_by = actor
    inquiry.save(update_fields=["department", "corrected", "routed_by"])
    audit_record(
        actor=actor,
        action="update",
        target=inquiry,
        before=before,
        after=model_snapshot(inquiry, exclude=["text"]),
    )
    return inquiry


def inquiry_viewed(*, inquiry: Inquiry, actor: User) -> None:
    """An inquiry may hold a resident's personal data: reading it is audited."""
    with transaction.atomic():
        audit_record(actor=actor, action="view", target=inquiry, note="問い合わせの閲覧")


def training_rows() -> list[tuple[str, str]]:
    rows = Inquiry.objects.filter(department__isnull=False).values_list("text", "department__code")
    return [(text, code) for text, code in rows]


@transaction.atomic
def training_import(*, data: bytes, actor: User | None) -> int:
    """Labelled examples from a CSV (header text,department); rows already present are skipped."""
    try:
        rows = routing.read_labelled(data)
    except UnicodeDecodeError as exc:  # before ValueError, of which it is a kind
        raise ValidationError({"file": "CSVはUTF-8で保存してください（Shift_JISは読めません）。"}) from exc
    except ValueError as exc:
        raise ValidationError({"file": str(exc)}) from exc
    departments = {d.code: d for d in Department.objects.all()}
    unknown = sorted({dept for _, dept in rows if dept not in departments})
    if unknown:
        raise ValidationError({"file": f"部署コードがありません: {'、'.join(unknown[:10])}"})
    existing = set(Inquiry.objects.filter(source=Inquiry.Source.TRAINING).values_list("text", flat=True))
    new = [
        Inquiry(text=text, source=Inquiry.Source.TRAINING, department=departments[dept], routed_by=actor)
        for text, dept in rows
        if text not in existing
    ]
    if not new:
        return 0
    Inquiry.objects.bulk_create(new)
    audit_record(
        actor=actor,
        action="create",
        target_type="assistant.inquiry",
        note=f"学習用の例を取込み {len(new)} 件",
    )
    return len(new)


def retrain_start(*, actor: User) -> Job:
    return job_start(kind="assistant.retrain", title="問い合わせ振り分けモデルの学習", actor=actor)


def retrain(*, actor: User | None = None) -> RoutingModel:
    """Train on every labelled inquiry, measure by cross-validation, and make it the model in use."""
    rows = training_rows()
    if not rows:
        raise ValidationError("学習用の問い合わせがありません。")
    try:
        trained = routing.train([t for t, _ in rows], [d for _, d in rows])
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc
    with transaction.atomic():
        RoutingModel.objects.filter(active=True).update(active=False)
        model = RoutingModel.objects.create(
            samples=trained.samples,
            accuracy=trained.accuracy,
            labels=trained.labels,
            confusion=trained.confusion,
            blob=trained.blob(),
        )
        audit_record(
            actor=actor,
            action="create",
            target=model,
            after={"samples": model.samples, "accuracy": round(model.accuracy, 4)},
        )
    return model


# --- OCR of paper forms ----------------------------------------------------------------------------------


def _may_digitise(actor: User, procedure: Procedure) -> None:
    if not is_ward_wide(actor) and actor.department_id != procedure.department_id:
        raise PermissionDenied("所管部署の手続きの申請書だけを読み取れます。")


def ocr_upload(*, procedure: Procedure, upload: Any, actor: User) -> OcrDocument:
    """Keep the scan and read it on the queue. The file is checked before anything is stored."""
    from kotodx.assistant import ocr

    _may_digitise(actor, procedure)
    if procedure.published_version is None:
        raise ValidationError(
            {"procedure": f"「{procedure.name}」にはまだ公開中の申請フォームがありません。"}
        )
    if upload is None:
        raise ValidationError({"file": "読み取る申請書のファイルを選んでください。"})
    if upload.size > ocr.MAX_BYTES:
        raise ValidationError({"file": f"ファイルが大きすぎます（上限 {ocr.MAX_BYTES // 1_000_000}MB）。"})
    data = upload.read()
    try:
        kind = ocr.check_upload(data)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from exc
    digest = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        doc = OcrDocument(
            procedure=procedure,
            original_name=(getattr(upload, "name", "") or "scan")[-200:],
            content_type=kind.content_type,
            size=len(data),
            uploaded_by=actor,
        )
        doc.file.save(f"{digest[:24]}.{kind.extension}", ContentFile(data), save=False)
        doc.save()
        doc.job = job_start(
            kind="assistant.ocr",
            title=f"申請書の読み取り（{procedure.name}）",
            params={"document": doc.pk},
            actor=actor,
        )
        doc.save(update_fields=["job"])
        audit_record(actor=actor, action="create", target=doc, after=model_snapshot(doc))
    return doc


def ocr_read(doc: OcrDocument, progress: Any = None) -> OcrDocument:
    """Run Tesseract on the stored scan and map what it read to the form's fields (the queue job)."""
    from kotodx.assistant import ocr

    with doc.file.open("rb") as fh:
        data = fh.read()
    definition = doc.procedure.published_version.definition  # type: ignore[union-attr]
    try:
        reading = ocr.read_form(data, definition)
    except ValidationError as exc:
        OcrDocument.objects.filter(pk=doc.pk).update(
            status=OcrDocument.Status.FAILED, message=" ".join(exc.messages)[:500]
        )
        doc.refresh_from_db()
        return doc
    if progress:
        progress()
    kept = ("field_id", "label", "value", "line", "confidence", "note")
    doc.readings = [{**{k: asdict(r)[k] for k in kept}, "confirmed": False} for r in reading.readings]
    doc.text = reading.result.text
    doc.status = OcrDocument.Status.CHECKING
    doc.message = reading.message[:500]
    doc.save(update_fields=["readings", "text", "status", "message"])
    return doc


def ocr_viewed(*, doc: OcrDocument, actor: User) -> None:
    with transaction.atomic():
        audit_record(actor=actor, action="view", target=doc, note="紙の申請書（OCR）の閲覧")


@transaction.atomic
def ocr_confirm(*, doc: OcrDocument, values: dict[str, str], confirmed: set[str], actor: User) -> OcrDocument:
    """A person checked every field: the values become a submission through the form's own checks."""
    from kotodx.eapply import services as ea

    doc = OcrDocument.objects.select_for_update().select_related("procedure").get(pk=doc.pk)
    _may_digitise(actor, doc.procedure)
    if doc.status != OcrDocument.Status.CHECKING:
        raise ValidationError(f"この申請書は「{doc.get_status_display()}」のため登録できません。")
    unchecked = [r["label"] for r in doc.readings if r["field_id"] not in confirmed]
    for r in doc.readings:
        r["value"] = values.get(r["field_id"], r["value"])
        r["confirmed"] = r["field_id"] in confirmed
    if unchecked:
        raise ValidationError(f"確認していない項目があります: {'、'.join(unchecked)}")
    # A file the form asks for (本人確認書類の写し) came stapled to the paper: the scan is attached.
    definition = doc.procedure.published_version.definition  # type: ignore[union-attr]
    files = {}
    for page in definition.get("pages", []):
        for spec in page.get("fields", []):
            if spec.get("type") == "file" and doc.file:
                with doc.file.open("rb") as fh:
                    files[spec["id"]] = SimpleUploadedFile(
                        f"scan.{doc.file.name.rsplit('.', 1)[-1]}", fh.read(), content_type=doc.content_type
                    )
    try:
        submission = ea.submission_fill(procedure=doc.procedure, values=values, files=files)
    except ValidationError as exc:
        raise ValidationError(f"申請として登録できません。{' '.join(exc.messages)}") from exc
    before = model_snapshot(doc)
    doc.submission = submission
    doc.status = OcrDocument.Status.SUBMITTED
    doc.confirmed_by = actor
    doc.confirmed_at = timezone.now()
    doc.save()
    audit_record(actor=actor, action="update", target=doc, before=before, after=model_snapshot(doc))
    return doc


@transaction.atomic
def ocr_discard(*, doc: OcrDocument, actor: User) -> OcrDocument:
    _may_digitise(actor, doc.procedure)
    if doc.status == OcrDocument.Status.SUBMITTED:
        raise ValidationError("申請として登録済みの申請書は破棄できません。")
    before = model_snapshot(doc)
    doc.status = OcrDocument.Status.DISCARDED
    doc.file.delete(save=False)
    doc.readings = []
    doc.text = ""
    doc.save()
    audit_record(actor=actor, action="update", target=doc, before=before, after=model_snapshot(doc))
    return doc


@job_handler("assistant.retrain")
def _retrain_job(job: Job) -> dict[str, Any]:
    job_progress(job.pk, done=0, total=1, message="学習しています（交差検証で正解率を測ります）")
    model = retrain(actor=job.created_by)
    return {"model": model.pk, "samples": model.samples, "accuracy": round(model.accuracy, 4)}


@job_handler("assistant.ocr")
def _ocr_job(job: Job) -> dict[str, Any]:
    doc = OcrDocument.objects.select_related("procedure").get(pk=job.params["document"])
    job_progress(job.pk, done=0, total=2, message="文字を読み取っています")
    doc = ocr_read(
        doc, progress=lambda: job_progress(job.pk, done=1, total=2, message="項目に当てはめています")
    )
    job_progress(job.pk, done=2, total=2, message=doc.message)
    return {"document": doc.pk, "status": doc.status, "message": doc.message}
