"""Every write of the plan hub: loading a plan, yearly progress and its review workflow (PDCA), plan
revisions (見直し), successor plans and the final evaluation. Each is atomic and audited."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from kotodx.core.fiscal import FiscalYear
from kotodx.core.models import Department, User
from kotodx.core.selectors import is_ward_wide
from kotodx.core.services import audit_record, department_upsert, model_snapshot
from kotodx.core.uploads import check_upload
from kotodx.plan import evaluation, metrics
from kotodx.plan.loader import PlanData, PlanFileError
from kotodx.plan.models import (
    EvidenceFile,
    Guideline,
    IndividualMeasure,
    Kpi,
    KpiActual,
    KpiTarget,
    Measure,
    Plan,
    PlanRevision,
    ProgressEntry,
    ReviewStep,
)

State = ProgressEntry.State


class ConflictError(Exception):
    """Someone else saved the same entry after this form was opened."""

    message = (
        "この進捗は、あなたが編集を始めた後に他の職員が保存しました。"
        "最新の内容を読み込み直してから、もう一度変更してください。"
    )


# --- Loading a plan ---------------------------------------------------------------------------------


class _Changes:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def set(self, obj: Any, label: str, field: str, value: Any) -> None:
        f = obj._meta.get_field(field)
        if f.is_relation:
            if getattr(obj, f.attname) == (value.pk if value is not None else None):
                return
            before = getattr(obj, field) if getattr(obj, f.attname) is not None else None
        else:
            before = getattr(obj, field)
        if _norm(before) != _norm(value):
            if obj.pk is not None:
                self.items.append(
                    {
                        "object": label,
                        "field": obj._meta.get_field(field).verbose_name,
                        "before": _jsonable(before),
                        "after": _jsonable(value),
                    }
                )
            setattr(obj, field, value)


def _norm(v: Any) -> Any:
    if isinstance(v, Decimal):
        return v.normalize()
    if isinstance(v, int) and not isinstance(v, bool):
        return Decimal(v).normalize()
    return v


def _jsonable(v: Any) -> Any:
    if isinstance(v, Decimal):
        return format(v.normalize(), "f")
    if hasattr(v, "pk"):
        return str(v)
    return v


@transaction.atomic
def plan_load(data: PlanData, *, actor: User | None, label: str = "計画ファイル", reason: str = "") -> Plan:
    """Create or update a plan from a validated file. Changes to an existing plan are a revision."""
    problems: list[str] = []
    predecessor = None
    if data.predecessor:
        predecessor = Plan.objects.filter(code=data.predecessor).first()
        if predecessor is None:
            problems.append(
                f"前計画「{data.predecessor}」が登録されていません。先に前計画のファイルを読み込んでください。"
            )
    for code, line in data.departments_elsewhere:
        if not Department.objects.filter(code=code).exists():
            problems.append(
                f"{line}行目: 部署コード「{code}」は departments にも登録済みの部署にもありません。"
            )
    im_continues: dict[int, IndividualMeasure] = {}
    kpi_continues: dict[str, Kpi] = {}
    for im in data.individual_measures():
        if im.continues:
            target = _resolve_im(im.continues)
            if target is None:
                problems.append(f"{im.line}行目: 継続元の個別施策「{im.continues}」が見つかりません。")
            else:
                im_continues[im.number] = target
        for k in im.kpis:
            if k.continues:
                kt = _resolve_kpi(k.continues)
                if kt is None:
                    problems.append(f"{k.line}行目: 継続元の指標「{k.continues}」が見つかりません。")
                elif kt.unit != k.unit or kt.direction != k.direction:
                    problems.append(
                        f"{k.line}行目: 指標「{k.code}」は継続元「{k.continues}」と単位・方向が違います。"
                    )
                else:
                    kpi_continues[k.code] = kt
            if k.source != Kpi.MANUAL and metrics.get(k.source) is None:
                pass  # accepted: shown as 未接続 until a module provides the metric
    if problems:
        raise PlanFileError(problems)

    for d in data.departments:
        department_upsert(
            code=d["code"],
            name=d["name"],
            division=d.get("division", ""),
            actor=actor,
            **_existing_dept_extras(d["code"]),
        )

    plan = Plan.objects.filter(code=data.code).first()
    created = plan is None
    changes = _Changes()
    if plan is None:
        plan = Plan(code=data.code)
    for field in (
        "title",
        "municipality",
        "municipality_code",
        "start_fy",
        "end_fy",
        "vision",
        "purpose",
        "source",
        "is_example",
        "kpis_are_examples",
    ):
        changes.set(plan, "計画", field, getattr(data, field))
    changes.set(plan, "計画", "predecessor", predecessor)
    plan.full_clean()
    plan.save()

    for g in data.guidelines:
        guideline = Guideline.objects.filter(plan=plan, number=g.number).first() or Guideline(
            plan=plan, number=g.number
        )
        for field in ("name", "description", "needs_confirmation"):
            changes.set(guideline, f"指針{g.number}", field, getattr(g, field))
        guideline.save()
        for m in g.measures:
            measure = Measure.objects.filter(plan=plan, number=m.number).first() or Measure(
                plan=plan, number=m.number
            )
            changes.set(measure, f"施策{m.number}", "name", m.name)
            changes.set(measure, f"施策{m.number}", "guideline", guideline)
            measure.save()
            for im in m.individual_measures:
                obj = IndividualMeasure.objects.filter(
                    plan=plan, number=im.number
                ).first() or IndividualMeasure(plan=plan, number=im.number)
                where = f"個別施策{im.number}"
                changes.set(obj, where, "name", im.name)
                changes.set(obj, where, "direction", im.direction)
                changes.set(obj, where, "measure", measure)
                changes.set(obj, where, "continues", im_continues.get(im.number))
                obj.save()
                depts = set(Department.objects.filter(code__in=im.departments))
                if set(obj.departments.all()) != depts:
                    if not created:
                        changes.items.append(
                            {
                                "object": where,
                                "field": "所管部署",
                                "before": "、".join(sorted(d.name for d in obj.departments.all())),
                                "after": "、".join(sorted(d.name for d in depts)),
                            }
                        )
                    obj.departments.set(depts)
                for k in im.kpis:
                    _load_kpi(plan, obj, k, kpi_continues.get(k.code), changes)

    if created:
        audit_record(actor=actor, action="create", target=plan, after=model_snapshot(plan), note=label)
    elif changes.items:
        revision = PlanRevision.objects.create(
            plan=plan,
            revised_on=timezone.localdate(),
            reason=reason.strip() or f"{label}の読み込みによる変更",
            changes=changes.items,
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action="update",
            target=plan,
            after={"changes": changes.items},
            note=f"見直し #{revision.pk}（{label}）",
        )
    return plan


def _existing_dept_extras(code: str) -> dict[str, Any]:
    """Keep what the file does not say (English name, IT-division flag, order) of a known department."""
    d = Department.objects.filter(code=code).first()
    if d is None:
        return {}
    return {"name_en": d.name_en, "is_it_division": d.is_it_division, "sort_order": d.sort_order}


def _load_kpi(plan: Plan, im: IndividualMeasure, k: Any, continues: Kpi | None, changes: _Changes) -> None:
    kpi = Kpi.objects.filter(plan=plan, code=k.code).first() or Kpi(plan=plan, code=k.code)
    where = f"指標「{k.name}」"
    for field, value in (
        ("individual_measure", im),
        ("name", k.name),
        ("unit", k.unit),
        ("direction", k.direction),
        ("baseline_value", k.baseline_value),
        ("baseline_fy", k.baseline_fy),
        ("source", k.source),
        ("description", k.description),
        ("continues", continues),
    ):
        changes.set(kpi, where, field, value)
    kpi.save()
    existing = {t.fiscal_year: t for t in kpi.targets.all()}
    for fy, value in sorted(k.targets.items()):
        target = existing.get(fy)
        if target is None:
            KpiTarget.objects.create(kpi=kpi, fiscal_year=fy, value=value)
            if existing:
                changes.items.append(
                    {
                        "object": where,
                        "field": f"{FiscalYear(fy).label}の目標値",
                        "before": None,
                        "after": _jsonable(value),
                    }
                )
        elif _norm(target.value) != _norm(value):
            changes.items.append(
                {
                    "object": where,
                    "field": f"{FiscalYear(fy).label}の目標値",
                    "before": _jsonable(target.value),
                    "after": _jsonable(value),
                }
            )
            target.value = value
            target.save(update_fields=["value"])


def _resolve_im(ref: str) -> IndividualMeasure | None:
    code, _, number = ref.partition(":")
    if not number.isdigit():
        return None
    return IndividualMeasure.objects.filter(plan__code=code, number=int(number)).first()


def _resolve_kpi(ref: str) -> Kpi | None:
    code, _, kpi_code = ref.partition(":")
    return Kpi.objects.filter(plan__code=code, code=kpi_code).first()


# --- Who may do what ------------------------------------------------------------------------------


def can_draft(user: User, im: IndividualMeasure) -> bool:
    """The owner department drafts (the IT division may help any department)."""
    if not user.is_authenticated or not user.has_perm("plan.draft_progress"):
        return False
    return is_ward_wide(user) or (
        user.department_id is not None and any(d.pk == user.department_id for d in im.departments.all())
    )


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise PermissionDenied(message)


# --- Progress entries -----------------------------------------------------------------------------


@dataclass
class EntryInput:
    status: str
    results: str
    issues: str
    next_direction: str
    actuals: dict[int, Decimal | None]  # kpi id → value (manual KPIs only)


@transaction.atomic
def entry_create(*, im: IndividualMeasure, fiscal_year: int, actor: User) -> ProgressEntry:
    _require(
        can_draft(actor, im), "この個別施策の進捗を作成できるのは、所管部署の担当者と情報システム課です。"
    )
    if not im.plan.covers(fiscal_year):
        raise ValidationError(
            f"{FiscalYear(fiscal_year).label}は計画期間（{im.plan.period_label}）の外です。"
        )
    if ProgressEntry.objects.filter(individual_measure=im, fiscal_year=fiscal_year).exists():
        raise ValidationError("この年度の進捗はすでにあります。")
    entry = ProgressEntry.objects.create(
        individual_measure=im, fiscal_year=fiscal_year, created_by=actor, updated_by=actor
    )
    audit_record(actor=actor, action="create", target=entry, after=model_snapshot(entry))
    return entry


def _entry_snapshot(entry: ProgressEntry) -> dict[str, Any]:
    data = model_snapshot(entry, exclude=["updated_at", "created_at"])
    data["actuals"] = {a.kpi.code: _jsonable(a.value) for a in entry.actuals.select_related("kpi")}
    return data


@transaction.atomic
def entry_save(*, entry: ProgressEntry, data: EntryInput, version: int, actor: User) -> ProgressEntry:
    """Save the department's text and actuals. ``version`` is the one the form was opened with: if
    another officer saved in between, nothing is written and ConflictError is raised."""
    im = entry.individual_measure
    _require(
        can_draft(actor, im), "この個別施策の進捗を編集できるのは、所管部署の担当者と情報システム課です。"
    )
    fresh = ProgressEntry.objects.select_for_update().get(pk=entry.pk)
    if not fresh.is_editable:
        raise ValidationError(f"「{fresh.get_state_display()}」の進捗は編集できません。")
    if fresh.version != version:
        raise ConflictError
    if data.status not in ProgressEntry.Status.values:
        raise ValidationError({"status": "取組状況を選んでください。"})
    before = _entry_snapshot(fresh)
    fresh.status = data.status
    fresh.results, fresh.issues, fresh.next_direction = data.results, data.issues, data.next_direction
    fresh.updated_by = actor
    fresh.version = F("version") + 1
    fresh.save()
    fresh.refresh_from_db()
    manual = {k.pk: k for k in im.kpis.all() if k.is_manual}
    for kpi_id, value in data.actuals.items():
        if kpi_id in manual:
            KpiActual.objects.update_or_create(entry=fresh, kpi_id=kpi_id, defaults={"value": value})
    audit_record(actor=actor, action="update", target=fresh, before=before, after=_entry_snapshot(fresh))
    return fresh


@transaction.atomic
def entry_override_evaluation(*, entry: ProgressEntry, grade: str, reason: str, actor: User) -> ProgressEntry:
    """The IT division may set the evaluation by hand, with a written reason ("" clears the override)."""
    _require(actor.has_perm("plan.check_progress"), "評価を修正できるのは情報システム課の職員です。")
    fresh = ProgressEntry.objects.select_for_update().get(pk=entry.pk)
    if fresh.is_locked:
        raise ValidationError("承認済みの進捗の評価は変更できません。訂正版を作成してください。")
    if grade and grade not in (*evaluation.GRADES, evaluation.NOT_MEASURABLE):
        raise ValidationError({"grade": "評価は A・B・C・D・− から選んでください。"})
    if grade and not reason.strip():
        raise ValidationError({"reason": "評価を修正する理由を入力してください。"})
    before = _entry_snapshot(fresh)
    fresh.evaluation_override = grade
    fresh.override_reason = reason.strip() if grade else ""
    fresh.version = F("version") + 1
    fresh.save()
    fresh.refresh_from_db()
    audit_record(
        actor=actor,
        action="update",
        target=fresh,
        before=before,
        after=_entry_snapshot(fresh),
        note="評価の修正",
    )
    return fresh


# action → (states it starts from, state it leads to, permission, who)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str, str, str]] = {
    "submit": ((State.DRAFT, State.RETURNED), State.SUBMITTED, "plan.draft_progress", "所管部署"),
    "check": ((State.SUBMITTED,), State.IT_CHECKED, "plan.check_progress", "情報システム課"),
    "review": ((State.IT_CHECKED,), State.REVIEWED, "plan.review_progress", "専門部会"),
    "approve": ((State.REVIEWED,), State.APPROVED, "plan.approve_progress", "推進委員会"),
}
# Who may send an entry back, by the state it is in.
RETURNERS = {
    State.SUBMITTED: ("plan.check_progress", "情報システム課"),
    State.IT_CHECKED: ("plan.review_progress", "専門部会"),
    State.REVIEWED: ("plan.approve_progress", "推進委員会"),
}


def allowed_actions(entry: ProgressEntry, user: User) -> list[str]:
    actions = []
    for name, (sources, _to, perm, _who) in TRANSITIONS.items():
        if entry.state in sources and user.has_perm(perm):
            if name == "submit" and not can_draft(user, entry.individual_measure):
                continue
            actions.append(name)
    if entry.state in RETURNERS and user.has_perm(RETURNERS[State(entry.state)][0]):
        actions.append("return")
    return actions


@transaction.atomic
def entry_transition(
    *, entry: ProgressEntry, action: str, comment: str = "", actor: User, version: int | None = None
) -> ProgressEntry:
    fresh = (
        ProgressEntry.objects.select_for_update().select_related("individual_measure__plan").get(pk=entry.pk)
    )
    if version is not None and fresh.version != version:
        raise ConflictError
    comment = comment.strip()
    if action == "return":
        if fresh.state not in RETURNERS:
            raise ValidationError(f"「{fresh.get_state_display()}」の進捗は差し戻せません。")
        perm, who = RETURNERS[State(fresh.state)]
        _require(actor.has_perm(perm), f"この段階で差し戻せるのは{who}です。")
        if not comment:
            raise ValidationError({"comment": "差し戻す理由（直してほしい点）を入力してください。"})
        to_state = State.RETURNED
        step_action = ReviewStep.Action.RETURN
        role = who
    elif action in TRANSITIONS:
        sources, to_state_value, perm, who = TRANSITIONS[action]
        _require(
            actor.has_perm(perm), f"この操作（{ReviewStep.Action(action).label}）ができるのは{who}です。"
        )
        if action == "submit":
            _require(
                can_draft(actor, fresh.individual_measure),
                "提出できるのは所管部署の担当者と情報システム課です。",
            )
        if fresh.state not in sources:
            raise ValidationError(f"「{fresh.get_state_display()}」の進捗にこの操作はできません。")
        to_state = State(to_state_value)
        step_action = ReviewStep.Action(action)
        role = who
        if action == "submit":
            _check_complete(fresh)
    else:
        raise ValidationError("不明な操作です。")
    before = _entry_snapshot(fresh)
    from_state = fresh.state
    fresh.state = to_state
    fresh.version = F("version") + 1
    if to_state == State.APPROVED:
        fresh.approved_at = timezone.now()
        _freeze_metrics(fresh)
        ProgressEntry.objects.filter(
            individual_measure=fresh.individual_measure, fiscal_year=fresh.fiscal_year, state=State.APPROVED
        ).exclude(pk=fresh.pk).update(state=State.SUPERSEDED)
    fresh.updated_by = actor
    fresh.save()
    fresh.refresh_from_db()
    ReviewStep.objects.create(
        entry=fresh,
        action=step_action,
        from_state=from_state,
        to_state=to_state,
        comment=comment,
        actor=actor,
        actor_role=role,
    )
    audit_record(
        actor=actor,
        action="update",
        target=fresh,
        before=before,
        after=_entry_snapshot(fresh),
        note=f"{step_action.label}: {ProgressEntry.State(from_state).label} → {to_state.label}",
    )
    return fresh


def _check_complete(entry: ProgressEntry) -> None:
    missing = [
        label
        for field, label in (("results", "実績"), ("next_direction", "次年度の方向性"))
        if not getattr(entry, field).strip()
    ]
    if missing:
        raise ValidationError(f"提出する前に{'・'.join(missing)}を入力してください。")


def _freeze_metrics(entry: ProgressEntry) -> None:
    fy = FiscalYear(entry.fiscal_year)
    for kpi in entry.individual_measure.kpis.exclude(source=Kpi.MANUAL):
        value = metrics.value(kpi.source, fy)
        KpiActual.objects.update_or_create(
            entry=entry, kpi=kpi, defaults={"value": value, "from_metric": True}
        )


@transaction.atomic
def entry_correct(*, entry: ProgressEntry, reason: str, actor: User) -> ProgressEntry:
    """An approved entry is locked: a correction is a new revision (a draft) that goes through review."""
    _require(
        can_draft(actor, entry.individual_measure),
        "訂正版を作成できるのは所管部署の担当者と情報システム課です。",
    )
    if entry.state != State.APPROVED:
        raise ValidationError("訂正版を作成できるのは承認済みの進捗だけです。")
    if not reason.strip():
        raise ValidationError({"reason": "訂正の理由を入力してください。"})
    pending = ProgressEntry.objects.filter(
        individual_measure=entry.individual_measure,
        fiscal_year=entry.fiscal_year,
        revision__gt=entry.revision,
    ).exists()
    if pending:
        raise ValidationError("この年度には作業中の訂正版がすでにあります。")
    last = ProgressEntry.objects.filter(
        individual_measure=entry.individual_measure, fiscal_year=entry.fiscal_year
    ).aggregate(m=Max("revision"))["m"]
    copy = ProgressEntry.objects.create(
        individual_measure=entry.individual_measure,
        fiscal_year=entry.fiscal_year,
        revision=(last or 0) + 1,
        status=entry.status,
        results=entry.results,
        issues=entry.issues,
        next_direction=entry.next_direction,
        evaluation_override=entry.evaluation_override,
        override_reason=entry.override_reason,
        correction_reason=reason.strip(),
        is_demo=entry.is_demo,
        created_by=actor,
        updated_by=actor,
    )
    for a in entry.actuals.all():
        KpiActual.objects.create(entry=copy, kpi=a.kpi, value=a.value, from_metric=a.from_metric)
    ReviewStep.objects.create(
        entry=copy,
        action=ReviewStep.Action.CORRECT,
        to_state=State.DRAFT,
        comment=reason.strip(),
        actor=actor,
        actor_role="所管部署",
    )
    audit_record(
        actor=actor,
        action="create",
        target=copy,
        after=_entry_snapshot(copy),
        note=f"訂正版（元: 第{entry.revision}版）",
    )
    return copy


@transaction.atomic
def evidence_add(*, entry: ProgressEntry, upload: Any, actor: User) -> EvidenceFile:
    _require(
        can_draft(actor, entry.individual_measure),
        "根拠資料を追加できるのは所管部署の担当者と情報システム課です。",
    )
    if not entry.is_editable:
        raise ValidationError("根拠資料は作成中・差戻しの進捗にだけ追加できます。")
    checked = check_upload(upload)
    name = (getattr(upload, "name", "") or f"evidence.{checked.kind.extension}")[-200:]
    ev = EvidenceFile(
        entry=entry,
        original_name=name,
        content_type=checked.kind.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=actor,
    )
    ev.file.save(f"{checked.sha256[:16]}.{checked.kind.extension}", ContentFile(checked.data), save=False)
    ev.save()
    audit_record(actor=actor, action="create", target=ev, after=model_snapshot(ev))
    return ev


# --- Plan revisions (見直し) -------------------------------------------------------------------------


@transaction.atomic
def kpi_revise(
    *,
    kpi: Kpi,
    name: str,
    unit: str,
    direction: str,
    targets: dict[int, Decimal],
    reason: str,
    revised_on: dt.date,
    actor: User,
) -> PlanRevision | None:
    """Change a KPI's definition or targets: recorded as a plan revision with before and after."""
    _require(actor.has_perm("plan.manage_plan"), "指標を見直せるのは情報システム課の職員です。")
    if not reason.strip():
        raise ValidationError({"reason": "見直しの理由を入力してください。"})
    plan = kpi.plan
    for fy in targets:
        if not plan.covers(fy):
            raise ValidationError(f"{FiscalYear(fy).label}は計画期間の外です。")
    changes = _Changes()
    where = f"指標「{kpi.name}」"
    for field, text in (("name", name), ("unit", unit), ("direction", direction)):
        changes.set(kpi, where, field, text)
    kpi.full_clean()
    kpi.save()
    current = {t.fiscal_year: t for t in kpi.targets.all()}
    for fy, value in sorted(targets.items()):
        t = current.get(fy)
        if t is None or _norm(t.value) != _norm(value):
            changes.items.append(
                {
                    "object": where,
                    "field": f"{FiscalYear(fy).label}の目標値",
                    "before": _jsonable(t.value) if t else None,
                    "after": _jsonable(value),
                }
            )
            KpiTarget.objects.update_or_create(kpi=kpi, fiscal_year=fy, defaults={"value": value})
    if not changes.items:
        return None
    revision = PlanRevision.objects.create(
        plan=plan, revised_on=revised_on, reason=reason.strip(), changes=changes.items, created_by=actor
    )
    audit_record(
        actor=actor,
        action="update",
        target=kpi,
        after={"changes": changes.items},
        note=f"計画の見直し #{revision.pk}",
    )
    return revision


# --- Successor plans and final evaluation -------------------------------------------------------------


@transaction.atomic
def plan_create_successor(
    *,
    predecessor: Plan,
    code: str,
    title: str,
    start_fy: int,
    end_fy: int,
    vision: str,
    carry_over: bool,
    actor: User,
) -> Plan:
    """A new plan; with ``carry_over`` its structure and KPIs are copied from the predecessor and each
    copied KPI continues its original, so trends run across both plans."""
    _require(actor.has_perm("plan.manage_plan"), "計画を作成できるのは情報システム課の職員です。")
    if Plan.objects.filter(code=code).exists():
        raise ValidationError({"code": f"計画コード「{code}」はすでに使われています。"})
    if start_fy <= predecessor.start_fy:
        raise ValidationError({"start_fy": "後継計画は前計画より後の年度に始めてください。"})
    plan = Plan(
        code=code,
        title=title,
        municipality=predecessor.municipality,
        municipality_code=predecessor.municipality_code,
        vision=vision or predecessor.vision,
        start_fy=start_fy,
        end_fy=end_fy,
        predecessor=predecessor,
        is_example=predecessor.is_example,
        kpis_are_examples=predecessor.kpis_are_examples,
    )
    plan.full_clean()
    plan.save()
    if carry_over:
        last_fy = predecessor.end_fy
        for g in predecessor.guidelines.all():
            ng = Guideline.objects.create(
                plan=plan,
                number=g.number,
                name=g.name,
                description=g.description,
                needs_confirmation=g.needs_confirmation,
            )
            for m in g.measures.all():
                nm = Measure.objects.create(plan=plan, guideline=ng, number=m.number, name=m.name)
                for im in m.individual_measures.all():
                    nim = IndividualMeasure.objects.create(
                        plan=plan,
                        measure=nm,
                        number=im.number,
                        name=im.name,
                        direction=im.direction,
                        continues=im,
                    )
                    nim.departments.set(im.departments.all())
                    for k in im.kpis.all():
                        Kpi.objects.create(
                            plan=plan,
                            individual_measure=nim,
                            code=k.code,
                            name=k.name,
                            unit=k.unit,
                            direction=k.direction,
                            source=k.source,
                            description=k.description,
                            baseline_value=_last_actual(k, last_fy),
                            baseline_fy=last_fy,
                            continues=k,
                        )
    audit_record(
        actor=actor,
        action="create",
        target=plan,
        after=model_snapshot(plan),
        note="後継計画の作成（前計画から引継ぎ）" if carry_over else "後継計画の作成",
    )
    return plan


def _last_actual(kpi: Kpi, fy: int) -> Decimal | None:
    a = (
        KpiActual.objects.filter(
            kpi=kpi, entry__fiscal_year__lte=fy, entry__state=State.APPROVED, value__isnull=False
        )
        .order_by("-entry__fiscal_year")
        .first()
    )
    return a.value if a else kpi.baseline_value


@transaction.atomic
def plan_final_evaluate(
    *, plan: Plan, summary: str, per_measure: dict[int, tuple[str, str]], actor: User
) -> Plan:
    """最終評価 of an ended plan: an overall summary and, per individual measure, a grade and comment."""
    _require(actor.has_perm("plan.manage_plan"), "最終評価を登録できるのは情報システム課の職員です。")
    if not plan.has_ended():
        raise ValidationError("最終評価は計画期間が終わってから登録できます。")
    if not summary.strip():
        raise ValidationError({"summary": "総括を入力してください。"})
    before = {
        "summary": plan.final_summary,
        "measures": {
            im.number: [im.final_evaluation, im.final_comment] for im in plan.individual_measures.all()
        },
    }
    for im in plan.individual_measures.all():
        if im.number in per_measure:
            grade, comment = per_measure[im.number]
            if grade and grade not in (*evaluation.GRADES, evaluation.NOT_MEASURABLE):
                raise ValidationError(f"個別施策{im.number}の評価は A・B・C・D・− から選んでください。")
            im.final_evaluation, im.final_comment = grade, comment.strip()
            im.save(update_fields=["final_evaluation", "final_comment"])
    plan.final_summary = summary.strip()
    plan.final_evaluated_at = timezone.now()
    plan.save(update_fields=["final_summary", "final_evaluated_at", "updated_at"])
    after = {
        "summary": plan.final_summary,
        "measures": {
            im.number: [im.final_evaluation, im.final_comment] for im in plan.individual_measures.all()
        },
    }
    audit_record(actor=actor, action="update", target=plan, before=before, after=after, note="最終評価")
    return plan
