"""Every write of ICT governance, atomic and audited. The rules live here: who may edit which system,
the gate that holds a system at its stage until the review is passed, that only the IT division decides a
gate, the PIA threshold assessment, and that a finding closes only when its corrective actions are done."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from typing import Any

import yaml
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from kotodx.core.models import User
from kotodx.core.selectors import is_ward_wide
from kotodx.core.services import audit_record, model_snapshot
from kotodx.governance import pia
from kotodx.governance.models import (
    Audit,
    CorrectiveAction,
    Finding,
    GateReview,
    Guideline,
    PersonalInfoFile,
    School,
    SchoolDevice,
    System,
    TrainingCompletion,
    TrainingCourse,
)

# --- The lifecycle guideline ----------------------------------------------------------------------


def guideline_parse(source: str) -> dict[str, Any]:
    """Read and check a guideline YAML; every problem is named in Japanese."""
    try:
        data = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{mark.line + 1}行目" if mark is not None else ""
        raise ValidationError(
            f"YAMLとして読めません（{where}）。インデントと記号を確認してください。"
        ) from exc
    if not isinstance(data, dict):
        raise ValidationError("YAMLの最上位は「title」「groups」「stages」を持つ対応表にしてください。")
    problems: list[str] = []
    if not str(data.get("title") or "").strip():
        problems.append("title（名称）がありません。")
    groups = data.get("groups") or []
    if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
        problems.append("groups は区分名の並びにしてください。")
        groups = []
    stages = data.get("stages")
    if not isinstance(stages, list) or len(stages) < 2:
        raise ValidationError([*problems, "stages（段階）を2つ以上並べてください。"])
    stage_codes: set[str] = set()
    item_codes: set[str] = set()
    for n, stage in enumerate(stages, start=1):
        if not isinstance(stage, dict) or not stage.get("code") or not stage.get("name"):
            problems.append(f"{n}番目の段階に code と name がありません。")
            continue
        code = str(stage["code"])
        if code in stage_codes:
            problems.append(f"段階コード「{code}」が重複しています。")
        stage_codes.add(code)
        gate = stage.get("gate")
        if gate is None:
            if n < len(stages):
                problems.append(
                    f"段階「{stage['name']}」に関門（gate）がありません（最後の段階以外は必要です）。"
                )
            continue
        items = gate.get("items") if isinstance(gate, dict) else None
        if not isinstance(items, list) or not items:
            problems.append(f"段階「{stage['name']}」の関門に確認項目（items）がありません。")
            continue
        for item in items:
            if not isinstance(item, dict) or not item.get("code") or not item.get("text"):
                problems.append(f"段階「{stage['name']}」の確認項目に code と text のないものがあります。")
                continue
            if item["code"] in item_codes:
                problems.append(f"確認項目コード「{item['code']}」が重複しています。")
            item_codes.add(item["code"])
            if gate.get("security_review") and item.get("group") not in groups:
                problems.append(
                    f"確認項目「{item['code']}」の区分（group）「{item.get('group') or ''}」が"
                    " groups にありません。"
                )
    if problems:
        raise ValidationError(problems)
    return data


def default_guideline_source() -> str:
    return resources.files("kotodx.governance").joinpath("data/lifecycle-guideline.yaml").read_text("utf-8")


@transaction.atomic
def guideline_publish(*, source: str, note: str = "", actor: User | None) -> Guideline:
    """A new version of the guideline. Systems keep the version they were reviewed under until they
    are moved to the new one; stage codes in use must remain."""
    if actor is not None and not actor.has_perm("governance.manage_guideline"):
        raise PermissionDenied("ガイドラインを改定できるのは情報システム課です。")
    data = guideline_parse(source)
    codes = {s["code"] for s in data["stages"]}
    in_use = set(System.objects.values_list("stage", flat=True)) - codes
    if in_use:
        raise ValidationError(
            f"台帳のシステムが使っている段階コード（{'、'.join(sorted(in_use))}）が新しい版にありません。"
        )
    last = Guideline.objects.order_by("-version").first()
    g = Guideline.objects.create(
        version=(last.version + 1) if last else 1,
        title=data["title"],
        source=source,
        data=data,
        note=note,
        created_by=actor if actor and actor.is_authenticated else None,
    )
    if last is not None:
        System.objects.filter(guideline=last).update(guideline=g)
    audit_record(actor=actor, action="create", target=g, after={"version": g.version, "note": note})
    return g


def guideline_current() -> Guideline:
    g = Guideline.objects.order_by("-version").first()
    return g if g is not None else guideline_publish(source=default_guideline_source(), actor=None)


# --- The system inventory ---------------------------------------------------------------------------


def can_edit_system(user: User, system: System | None = None, department_id: int | None = None) -> bool:
    """IT division and administrators edit every system; a department clerk only their own."""
    if not user.is_authenticated or not user.has_perm("governance.change_system"):
        return False
    if is_ward_wide(user):
        return True
    dept = department_id if system is None else system.department_id
    return dept is not None and dept == user.department_id


SYSTEM_FIELDS = [
    "name",
    "department",
    "purpose",
    "vendor",
    "contract_start",
    "contract_end",
    "annual_cost",
    "users",
    "hosting",
    "network",
    "confidentiality",
    "integrity",
    "availability",
    "personal_info",
    "specific_personal_info",
    "standard_area",
    "migration",
    "department_bought",
    "stage",
]


@transaction.atomic
def system_save(*, data: dict[str, Any], actor: User, system: System | None = None) -> System:
    """Create or change a system. The stage of an existing system changes only through system_advance."""
    dept = data.get("department", system.department if system else None)
    if system is not None and not can_edit_system(actor, system):
        raise PermissionDenied("このシステムを変更する権限がありません。")
    if dept is None or not can_edit_system(actor, department_id=dept.pk):
        raise PermissionDenied("他の部署のシステムは登録・変更できません。")
    stamps = ("created_at", "updated_at")
    before = model_snapshot(system, exclude=stamps) if system else None
    if system is None:
        guideline = guideline_current()
        system = System(guideline=guideline, stage=data.get("stage") or guideline.stages[0]["code"])
    elif "stage" in data and data["stage"] != system.stage:
        raise ValidationError({"stage": "段階は関門の審査を通過してから「次の段階へ」で進めてください。"})
    for field in SYSTEM_FIELDS:
        if field in data and field != "stage":
            setattr(system, field, data[field])
    if system.guideline.stage(system.stage) is None:
        raise ValidationError({"stage": f"ライフサイクル段階「{system.stage}」はガイドラインにありません。"})
    if system.specific_personal_info:
        system.personal_info = True
    system.full_clean()
    if before is not None and model_snapshot(system, exclude=stamps) == before:
        return system  # nothing changed: no write, no audit entry
    system.save()
    after = model_snapshot(system, exclude=stamps)
    if before is None:
        audit_record(actor=actor, action="create", target=system, after=after)
    else:
        audit_record(actor=actor, action="update", target=system, before=before, after=after)
    return system


def current_review(system: System) -> GateReview | None:
    return system.reviews.filter(stage=system.stage).order_by("-created_at", "-pk").first()


@transaction.atomic
def system_advance(*, system: System, actor: User) -> System:
    """Move a system to the next stage, only through a passed gate."""
    system = System.objects.select_for_update().get(pk=system.pk)
    if not can_edit_system(actor, system):
        raise PermissionDenied("このシステムを変更する権限がありません。")
    nxt = system.guideline.next_stage(system.stage)
    if nxt is None:
        raise ValidationError("最後の段階です。これより先の段階はありません。")
    review = current_review(system)
    if review is None or review.status != GateReview.Status.PASSED:
        gate = (system.guideline.stage(system.stage) or {}).get("gate", {})
        raise ValidationError(
            f"「{gate.get('name', system.stage_name)}」を通過していないため、「{nxt['name']}」に進めません。"
        )
    before = system.stage
    system.stage = nxt["code"]
    system.save(update_fields=["stage", "updated_at"])
    audit_record(
        actor=actor,
        action="update",
        target=system,
        before={"stage": before},
        after={"stage": system.stage},
        note="ライフサイクル段階の移行",
    )
    return system


# --- Gate reviews ---------------------------------------------------------------------------------


@transaction.atomic
def review_start(*, system: System, actor: User) -> GateReview:
    if not can_edit_system(actor, system):
        raise PermissionDenied("このシステムの審査を申請する権限がありません。")
    review = current_review(system)
    if review is not None and review.status in (GateReview.Status.OPEN, GateReview.Status.RETURNED):
        return review
    if review is not None and review.status == GateReview.Status.PASSED:
        raise ValidationError("この段階の関門は通過済みです。「次の段階へ」で進めてください。")
    if not (system.guideline.stage(system.stage) or {}).get("gate"):
        raise ValidationError("この段階には関門がありません。")
    review = GateReview.objects.create(system=system, stage=system.stage, guideline=system.guideline)
    audit_record(actor=actor, action="create", target=review, after=model_snapshot(review))
    return review


@transaction.atomic
def review_answer(*, review: GateReview, answers: dict[str, dict[str, str]], actor: User) -> GateReview:
    """The department's self-check: each item 適合 / 不適合 / 該当なし with its evidence. Answering a
    review that was returned with conditions puts it back before the IT division."""
    review = GateReview.objects.select_for_update().get(pk=review.pk)
    if not can_edit_system(actor, review.system):
        raise PermissionDenied("このシステムの審査に回答する権限がありません。")
    if review.status not in (GateReview.Status.OPEN, GateReview.Status.RETURNED):
        raise ValidationError(
            f"審査は「{review.get_status_display()}」で確定しています。回答は変更できません。"
        )
    codes = {i["code"] for i in review.gate.get("items", [])}
    clean: dict[str, dict[str, str]] = {}
    for code, value in answers.items():
        if code not in codes:
            raise ValidationError(f"確認項目「{code}」はこの関門にありません。")
        answer = value.get("answer", "")
        if answer and answer not in GateReview.Answer.values:
            raise ValidationError(f"確認項目「{code}」の回答「{answer}」は選べません。")
        clean[code] = {"answer": answer, "evidence": str(value.get("evidence", "")).strip()[:2000]}
    before = model_snapshot(review)
    review.answers = {**review.answers, **clean}
    review.status = GateReview.Status.OPEN
    review.save(update_fields=["answers", "status"])
    audit_record(actor=actor, action="update", target=review, before=before, after=model_snapshot(review))
    return review


def review_problems(review: GateReview) -> list[str]:
    """What keeps a review from being passed: unanswered items, 不適合 items, 適合 without evidence."""
    problems = []
    for item in review.gate.get("items", []):
        a = review.answers.get(item["code"]) or {}
        label = f"「{item['text']}」"
        if not a.get("answer"):
            problems.append(f"{label}が未回答です。")
        elif a["answer"] == GateReview.Answer.NO:
            problems.append(f"{label}が不適合です。")
        elif a["answer"] == GateReview.Answer.YES and review.is_security_review and not a.get("evidence"):
            problems.append(f"{label}に根拠（資料名など）がありません。")
    return problems


def can_decide_gate(user: User) -> bool:
    dept = getattr(user, "department", None)
    return bool(
        user.is_authenticated and user.has_perm("governance.decide_gate") and dept and dept.is_it_division
    )


@transaction.atomic
def review_decide(*, review: GateReview, decision: str, conditions: str = "", actor: User) -> GateReview:
    """The IT division's decision: 通過, 条件付き差戻し or 不承認. Only a complete, fully conforming
    review can pass; a return or a refusal says why."""
    if not can_decide_gate(actor):
        raise PermissionDenied("関門の審査結果を決定できるのは情報システム課の職員です。")
    review = GateReview.objects.select_for_update().get(pk=review.pk)
    if review.status != GateReview.Status.OPEN:
        raise ValidationError(
            f"この審査は「{review.get_status_display()}」です。審査中のものだけ決定できます。"
        )
    if decision not in (GateReview.Status.PASSED, GateReview.Status.RETURNED, GateReview.Status.REFUSED):
        raise ValidationError("審査結果は「通過」「条件付き差戻し」「不承認」から選んでください。")
    conditions = conditions.strip()
    if decision == GateReview.Status.PASSED:
        problems = review_problems(review)
        if problems:
            raise ValidationError(["通過にできません。", *problems])
    elif not conditions:
        raise ValidationError({"conditions": "差戻し・不承認の理由と条件を書いてください。"})
    before = model_snapshot(review)
    review.status = decision
    review.conditions = conditions
    review.decided_by = actor
    review.decided_at = timezone.now()
    review.save()
    audit_record(actor=actor, action="update", target=review, before=before, after=model_snapshot(review))
    return review


# --- Audits, findings, corrective actions ---------------------------------------------------------


def _need(actor: User, perm: str, message: str) -> None:
    if not actor.is_authenticated or not actor.has_perm(perm):
        raise PermissionDenied(message)


@transaction.atomic
def audit_save(*, data: dict[str, Any], actor: User, audit: Audit | None = None) -> Audit:
    _need(actor, "governance.manage_audit", "監査を計画・変更する権限がありません。")
    systems = data.pop("systems", None)
    before = model_snapshot(audit) if audit else None
    audit = audit or Audit()
    for k, v in data.items():
        setattr(audit, k, v)
    audit.full_clean()
    if audit.period_end < audit.period_start:
        raise ValidationError({"period_end": "監査期間の終了日が開始日より前です。"})
    audit.save()
    if systems is not None:
        audit.systems.set(systems)
    after = {**model_snapshot(audit), "systems": sorted(s.pk for s in audit.systems.all())}
    audit_record(
        actor=actor, action="update" if before else "create", target=audit, before=before, after=after
    )
    return audit


@transaction.atomic
def finding_add(*, audit: Audit, data: dict[str, Any], actor: User) -> Finding:
    _need(actor, "governance.manage_audit", "指摘事項を記録する権限がありません。")
    finding = Finding(audit=audit, **data)
    finding.full_clean()
    finding.save()
    audit_record(actor=actor, action="create", target=finding, after=model_snapshot(finding))
    return finding


@transaction.atomic
def action_add(*, finding: Finding, data: dict[str, Any], actor: User) -> CorrectiveAction:
    _need(actor, "governance.manage_audit", "改善措置を登録する権限がありません。")
    if finding.status == Finding.Status.CLOSED:
        raise ValidationError("完了した指摘事項には改善措置を追加できません。")
    action = CorrectiveAction(finding=finding, **data)
    action.full_clean()
    action.save()
    audit_record(actor=actor, action="create", target=action, after=model_snapshot(action))
    return action


def can_update_action(user: User, action: CorrectiveAction) -> bool:
    if not user.is_authenticated or not user.has_perm("governance.update_action"):
        return False
    return is_ward_wide(user) or action.department_id == user.department_id


@transaction.atomic
def action_update(
    *, action: CorrectiveAction, follow_up: str, done_on: dt.date | None, actor: User
) -> CorrectiveAction:
    """The owner department records progress (follow-up) and completion."""
    if not can_update_action(actor, action):
        raise PermissionDenied("この改善措置を更新できるのは担当部署と情報システム課です。")
    if action.finding.status == Finding.Status.CLOSED:
        raise ValidationError("指摘事項は完了しています。改善措置は変更できません。")
    if done_on and done_on > timezone.localdate():
        raise ValidationError({"done_on": "完了日に未来の日付は入れられません。"})
    before = model_snapshot(action)
    action.follow_up = follow_up.strip()
    action.done_on = done_on
    action.save()
    audit_record(actor=actor, action="update", target=action, before=before, after=model_snapshot(action))
    return action


@transaction.atomic
def finding_close(*, finding: Finding, actor: User) -> Finding:
    """The auditor's follow-up ends: only when every corrective action is done."""
    _need(actor, "governance.manage_audit", "指摘事項を完了にする権限がありません。")
    if not finding.actions.exists():
        raise ValidationError("改善措置が登録されていません。改善措置を登録し、完了してから閉じてください。")
    if finding.actions.filter(done_on__isnull=True).exists():
        raise ValidationError("完了していない改善措置があります。")
    before = model_snapshot(finding)
    finding.status = Finding.Status.CLOSED
    finding.closed_at = timezone.localdate()
    finding.save()
    audit_record(actor=actor, action="update", target=finding, before=before, after=model_snapshot(finding))
    return finding


# --- PIA ------------------------------------------------------------------------------------------


def can_manage_pia(user: User, department_id: int | None) -> bool:
    if not user.is_authenticated or not user.has_perm("governance.manage_pia"):
        return False
    return is_ward_wide(user) or (department_id is not None and department_id == user.department_id)


@transaction.atomic
def pia_file_save(
    *, data: dict[str, Any], actor: User, file: PersonalInfoFile | None = None
) -> PersonalInfoFile:
    """Record a 特定個人情報ファイル with its threshold assessment; the level is computed, never typed."""
    dept = data.get("department", file.department if file else None)
    if (
        dept is None
        or not can_manage_pia(actor, dept.pk)
        or (file and not can_manage_pia(actor, file.department_id))
    ):
        raise PermissionDenied("他の部署の特定個人情報ファイルは登録・変更できません。")
    before = model_snapshot(file) if file else None
    file = file or PersonalInfoFile()
    for k, v in data.items():
        setattr(file, k, v)
    try:
        file.level = pia.level(file.persons, file.handlers, file.serious_incident)
    except (TypeError, ValueError) as exc:
        raise ValidationError(str(exc)) from exc
    file.full_clean()
    file.save()
    after = model_snapshot(file)
    audit_record(
        actor=actor, action="update" if before else "create", target=file, before=before, after=after
    )
    return file


# --- Training and school ICT ------------------------------------------------------------------------


@transaction.atomic
def course_save(*, data: dict[str, Any], actor: User) -> TrainingCourse:
    _need(actor, "governance.manage_training", "研修を登録する権限がありません。")
    course = TrainingCourse(**data)
    course.full_clean()
    course.save()
    audit_record(actor=actor, action="create", target=course, after=model_snapshot(course))
    return course


@transaction.atomic
def completions_add(*, course: TrainingCourse, users: list[User], completed_on: dt.date, actor: User) -> int:
    """Record that these staff completed the course (once each); returns how many were new."""
    _need(actor, "governance.manage_training", "受講実績を登録する権限がありません。")
    new = 0
    for user in users:
        if user.department_id is None:
            raise ValidationError(f"{user} は所属部署がないため登録できません。")
        _, created = TrainingCompletion.objects.get_or_create(
            course=course,
            user=user,
            defaults={"department_id": user.department_id, "completed_on": completed_on},
        )
        new += created
    if not new:
        return 0
    audit_record(
        actor=actor,
        action="update",
        target=course,
        after={"completed_by": sorted(u.username for u in users), "completed_on": completed_on, "new": new},
        note="受講実績の登録",
    )
    return new


@transaction.atomic
def school_devices_save(*, school: School, pupils: int, counts: dict[str, int], actor: User) -> School:
    _need(actor, "governance.manage_training", "学校のICT機器を登録する権限がありません。")
    before = {"pupils": school.pupils, **{d.kind: d.count for d in school.devices.all()}}
    school.pupils = pupils
    school.full_clean()
    school.save()
    for kind, count in counts.items():
        if kind not in SchoolDevice.Kind.values:
            raise ValidationError(f"機器の種類「{kind}」は登録できません。")
        if count < 0:
            raise ValidationError("台数は0以上で入力してください。")
        SchoolDevice.objects.update_or_create(school=school, kind=kind, defaults={"count": count})
    after = {"pupils": school.pupils, **{d.kind: d.count for d in school.devices.all()}}
    if after != before:
        audit_record(actor=actor, action="update", target=school, before=before, after=after)
    return school
