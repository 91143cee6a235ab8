"""Demo data of ICT governance: an inventory of Koto-like systems read from a spreadsheet through the real
import (every name says デモ), gate reviews at the estimate and design gates, a security audit and a PIA
audit with findings and corrective actions (one overdue), 特定個人情報ファイル, training and schools."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, TextIO

from django.utils import timezone

from kotodx.core.fiscal import FiscalYear
from kotodx.core.models import Department, User
from kotodx.governance import services, spreadsheet
from kotodx.governance.models import (
    Audit,
    GateReview,
    PersonalInfoFile,
    School,
    SchoolDevice,
    System,
    TrainingCourse,
)

DATA = Path(__file__).parent / "data"


def load(*, actor: User | None, stdout: TextIO, **_: Any) -> None:
    officer = User.objects.filter(username="it.officer").first()
    if officer is None:
        stdout.write("情報システム課のデモ職員がいないため、ガバナンスのデモデータは読み込みません。\n")
        return
    services.guideline_current()
    plan = spreadsheet.plan_import(
        "demo.csv", (DATA / "demo-system-inventory.csv").read_bytes(), actor=officer
    )
    if plan.problems:
        raise RuntimeError(f"demo inventory has problems: {plan.problems[:3]}")
    spreadsheet.apply_import(plan, actor=officer)
    _reviews(officer)
    _audits(officer)
    _pia(officer)
    _training(officer)
    _schools(officer)
    stdout.write(
        f"情報システム {System.objects.count()} 件、監査 {Audit.objects.count()} 件、"
        f"特定個人情報ファイル {PersonalInfoFile.objects.count()} 件\n"
    )


def _answer_all(review: GateReview, officer: User, *, fail: str = "") -> None:
    answers = {
        i["code"]: {"answer": "no" if i["code"] == fail else "yes", "evidence": "要件定義書（デモ）"}
        for i in review.gate.get("items", [])
    }
    services.review_answer(review=review, answers=answers, actor=officer)


def _reviews(officer: User) -> None:
    disaster = System.objects.get(name="防災情報システム（デモ）")
    if not disaster.reviews.exists():
        # The design gate: answered, one item not conforming, returned with conditions.
        review = services.review_start(system=disaster, actor=officer)
        _answer_all(review, officer, fail="des-tech-vuln")
        services.review_decide(
            review=review,
            decision="returned",
            conditions="稼働前の脆弱性診断の結果を提出してください（デモ）。",
            actor=officer,
        )
    ai = System.objects.get(name="AI議事録作成サービス（デモ）")
    if not ai.reviews.exists():
        # A department-bought cloud service at the estimate gate: reviewed and passed.
        review = services.review_start(system=ai, actor=officer)
        _answer_all(review, officer)
        services.review_decide(review=review, decision="passed", actor=officer)
    app = System.objects.get(name="観光案内アプリ（デモ）")
    if not app.reviews.exists():
        review = services.review_start(system=app, actor=officer)
        services.review_answer(
            review=review,
            answers={"plan-purpose": {"answer": "yes", "evidence": "企画書（デモ）"}},
            actor=officer,
        )


def _audits(officer: User) -> None:
    fy = FiscalYear.current()
    today = timezone.localdate()
    if not Audit.objects.filter(title__endswith="（デモ）").exists():
        audit = services.audit_save(
            data={
                "kind": Audit.Kind.SECURITY,
                "title": f"{fy.label} 情報セキュリティ内部監査（デモ）",
                "fiscal_year": fy.year,
                "scope": "インターネット接続系の区民向けシステムと各課調達のクラウドサービス",
                "systems": list(System.objects.filter(network=System.Network.INTERNET)),
                "auditor": "情報セキュリティ監査チーム（デモ）",
                "period_start": fy.start + dt.timedelta(days=90),
                "period_end": fy.start + dt.timedelta(days=120),
                "status": Audit.Status.REPORTED,
            },
            actor=officer,
        )
        garbage = System.objects.get(name="粗大ごみ受付システム（デモ）")
        f1 = services.finding_add(
            audit=audit,
            data={
                "system": garbage,
                "severity": "high",
                "criterion": "技術的セキュリティ（アクセス制御）",
                "description": "管理者アカウントが委託先と共用されていた。",
            },
            actor=officer,
        )
        services.action_add(
            finding=f1,
            data={
                "description": "管理者アカウントを個人ごとに発行し、共用アカウントを停止する。",
                "department": garbage.department,
                "owner": "係長",
                "due_date": today - dt.timedelta(days=14),
            },
            actor=officer,
        )
        cms = System.objects.get(name="区ホームページCMS（デモ）")
        f2 = services.finding_add(
            audit=audit,
            data={
                "system": cms,
                "severity": "low",
                "criterion": "運用（ログの保存）",
                "description": "操作ログの保存期間が規程の1年に満たない（6か月）。",
            },
            actor=officer,
        )
        services.action_add(
            finding=f2,
            data={
                "description": "ログの保存期間を1年に設定する。",
                "department": cms.department,
                "owner": "",
                "due_date": today + dt.timedelta(days=60),
            },
            actor=officer,
        )
        services.audit_save(
            data={
                "kind": Audit.Kind.PIA,
                "title": f"{fy.label} 特定個人情報保護評価の監査（デモ）",
                "fiscal_year": fy.year,
                "scope": "全項目評価を実施した特定個人情報ファイル",
                "systems": list(System.objects.filter(standard_area="住民基本台帳")),
                "auditor": "外部監査人（デモ）",
                "period_start": fy.start + dt.timedelta(days=150),
                "period_end": fy.start + dt.timedelta(days=170),
                "status": Audit.Status.PLANNED,
            },
            actor=officer,
        )


PIA_FILES = [
    ("住民基本台帳ファイル（デモ）", "koseki-jumin", "住民記録システム（デモ）", 540_000, 800, False, 3),
    ("個人住民税ファイル（デモ）", "zeimu", "個人住民税システム（デモ）", 420_000, 300, False, 4),
    ("国民健康保険ファイル（デモ）", "iryo-hoken", "国民健康保険システム（デモ）", 120_000, 200, False, 2),
    ("児童手当ファイル（デモ）", "kosodate", "児童手当システム（デモ）", 45_000, 80, False, 1),
    ("予防接種ファイル（デモ）", "kenko", "健康管理システム（デモ）", 9_000, 40, False, 5),
]


def _pia(officer: User) -> None:
    today = timezone.localdate()
    for name, dept, system, persons, handlers, incident, years_ago in PIA_FILES:
        if PersonalInfoFile.objects.filter(name=name).exists():
            continue
        assessed = today.replace(year=today.year - years_ago) - dt.timedelta(
            days=-30 if years_ago == 5 else 0
        )
        services.pia_file_save(
            data={
                "name": name,
                "department": Department.objects.get(code=dept),
                "system": System.objects.get(name=system),
                "persons": persons,
                "handlers": handlers,
                "serious_incident": incident,
                "assessed_on": assessed,
            },
            actor=officer,
        )


def _training(officer: User) -> None:
    fy = FiscalYear.current()
    courses = [
        ("生成AIの業務活用研修（デモ）", TrainingCourse.Topic.AI, fy.start + dt.timedelta(days=60)),
        ("RPAシナリオ作成研修（デモ）", TrainingCourse.Topic.RPA, fy.start + dt.timedelta(days=100)),
        ("情報セキュリティ研修（デモ）", TrainingCourse.Topic.SECURITY, fy.start + dt.timedelta(days=30)),
    ]
    from kotodx.core.demo import STAFF

    staff = list(
        User.objects.filter(username__in=[s[0] for s in STAFF], department__isnull=False).order_by("username")
    )
    for i, (title, topic, held) in enumerate(courses):
        course = TrainingCourse.objects.filter(title=title).first()
        if course is None:
            course = services.course_save(
                data={"title": title, "topic": topic, "held_on": held}, actor=officer
            )
        attendees = staff if topic == TrainingCourse.Topic.SECURITY else staff[i::2]
        services.completions_add(course=course, users=attendees, completed_on=held, actor=officer)


SCHOOLS = [
    (
        "東陽小学校（デモ）",
        School.Kind.ELEMENTARY,
        480,
        {"tablet": 500, "e_blackboard": 18, "access_point": 30},
    ),
    (
        "豊洲北小学校（デモ）",
        School.Kind.ELEMENTARY,
        1020,
        {"tablet": 1040, "e_blackboard": 36, "access_point": 52},
    ),
    (
        "大島小学校（デモ）",
        School.Kind.ELEMENTARY,
        350,
        {"tablet": 360, "e_blackboard": 14, "access_point": 24},
    ),
    (
        "深川第一中学校（デモ）",
        School.Kind.JUNIOR_HIGH,
        420,
        {"tablet": 430, "e_blackboard": 15, "access_point": 28},
    ),
    (
        "有明西学園（デモ）",
        School.Kind.JUNIOR_HIGH,
        610,
        {"tablet": 600, "e_blackboard": 24, "access_point": 40},
    ),
]


def _schools(officer: User) -> None:
    for name, kind, pupils, counts in SCHOOLS:
        school, _ = School.objects.get_or_create(name=name, defaults={"kind": kind, "pupils": pupils})
        counts = {**counts, SchoolDevice.Kind.TEACHER_PC: pupils // 20}
        services.school_devices_save(school=school, pupils=pupils, counts=counts, actor=officer)
