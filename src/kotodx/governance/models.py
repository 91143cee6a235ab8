"""ICT governance (individual measures 9, 10, 14, 15): the system inventory (情報システム台帳), the
lifecycle guideline as versioned data with its gates and security reviews, information-security and PIA
audits with findings and corrective actions, 特定個人情報ファイル and their threshold assessments, staff
training and school ICT devices."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models

from kotodx.core.models import Department

# The 20 core business areas standardised by the 地方公共団体情報システムの標準化に関する法律.
STANDARD_AREAS = (
    "住民基本台帳",
    "選挙人名簿管理",
    "固定資産税",
    "個人住民税",
    "法人住民税",
    "軽自動車税",
    "国民健康保険",
    "国民年金",
    "障害者福祉",
    "後期高齢者医療",
    "介護保険",
    "児童手当",
    "健康管理",
    "就学",
    "児童扶養手当",
    "生活保護",
    "子ども・子育て支援",
    "印鑑登録",
    "戸籍",
    "戸籍の附票",
)


class Guideline(models.Model):
    """One version of the System Lifecycle Guideline: stages, each with a gate checklist (YAML)."""

    version = models.PositiveIntegerField("版", unique=True)
    title = models.CharField("名称", max_length=200)
    source = models.TextField("YAML")
    data = models.JSONField("内容")
    note = models.CharField("改定内容", max_length=300, blank=True)
    created_at = models.DateTimeField("登録日時", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-version"]
        verbose_name = verbose_name_plural = "ライフサイクルガイドライン"

    def __str__(self) -> str:
        return f"{self.title}（第{self.version}版）"

    @property
    def stages(self) -> list[dict]:
        return list(self.data.get("stages", []))

    def stage(self, code: str) -> dict | None:
        return next((s for s in self.stages if s["code"] == code), None)

    def next_stage(self, code: str) -> dict | None:
        codes = [s["code"] for s in self.stages]
        i = codes.index(code) if code in codes else -1
        return self.stages[i + 1] if 0 <= i < len(codes) - 1 else None


class System(models.Model):
    """A row of the 情報システム台帳: every system, including those a department buys on its own."""

    class Hosting(models.TextChoices):
        ON_PREMISES = "on_premises", "オンプレミス"
        LGWAN_ASP = "lgwan_asp", "LGWAN-ASP"
        PUBLIC_CLOUD = "public_cloud", "パブリッククラウド"
        GOV_CLOUD = "gov_cloud", "ガバメントクラウド"

    class Network(models.TextChoices):
        MYNUMBER = "mynumber", "マイナンバー利用事務系"
        LGWAN = "lgwan", "LGWAN接続系"
        INTERNET = "internet", "インターネット接続系"

    class Migration(models.TextChoices):
        NOT_APPLICABLE = "", "対象外"
        NOT_STARTED = "not_started", "未着手"
        PLANNING = "planning", "移行計画中"
        MIGRATING = "migrating", "移行中"
        MIGRATED = "migrated", "移行済み"

    name = models.CharField("システム名", max_length=200, unique=True)
    department = models.ForeignKey(
        Department, verbose_name="所管部署", on_delete=models.PROTECT, related_name="systems"
    )
    purpose = models.TextField("目的・業務", blank=True)
    vendor = models.CharField("事業者", max_length=200, blank=True)
    contract_start = models.DateField("契約開始日", null=True, blank=True)
    contract_end = models.DateField("契約終了日", null=True, blank=True)
    annual_cost = models.PositiveBigIntegerField("年間経費（円）", null=True, blank=True)
    users = models.PositiveIntegerField("利用者数", null=True, blank=True)
    hosting = models.CharField("設置形態", max_length=20, choices=Hosting.choices)
    network = models.CharField("ネットワーク区分（三層の対策）", max_length=20, choices=Network.choices)
    confidentiality = models.PositiveSmallIntegerField(
        "機密性", choices=[(1, "1"), (2, "2"), (3, "3")], default=2
    )
    integrity = models.PositiveSmallIntegerField("完全性", choices=[(1, "1"), (2, "2")], default=1)
    availability = models.PositiveSmallIntegerField("可用性", choices=[(1, "1"), (2, "2")], default=1)
    personal_info = models.BooleanField("個人情報を扱う", default=False)
    specific_personal_info = models.BooleanField("特定個人情報を扱う", default=False)
    standard_area = models.CharField(
        "標準化対象業務", max_length=20, blank=True, choices=[(a, a) for a in STANDARD_AREAS]
    )
    migration = models.CharField(
        "標準準拠システムへの移行状況", max_length=20, blank=True, choices=Migration.choices
    )
    department_bought = models.BooleanField(
        "部署調達", default=False, help_text="各課が独自に調達したシステム"
    )
    stage = models.CharField("ライフサイクル段階", max_length=30)
    guideline = models.ForeignKey(
        Guideline, verbose_name="適用ガイドライン", on_delete=models.PROTECT, related_name="systems"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["department__sort_order", "name"]
        verbose_name = verbose_name_plural = "情報システム"
        permissions = [
            ("decide_gate", "関門の審査結果を決定する（情報システム課）"),
            ("manage_guideline", "ライフサイクルガイドラインを改定する"),
            ("manage_audit", "監査を計画し、指摘事項を記録する"),
            ("update_action", "改善措置の進捗を記録する"),
            ("manage_pia", "特定個人情報ファイルのしきい値判断を記録する"),
            ("manage_training", "研修と受講実績・学校のICT機器を管理する"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(contract_end__isnull=True)
                | models.Q(contract_start__isnull=True)
                | models.Q(contract_end__gte=models.F("contract_start")),
                name="governance_system_contract_dates",
                violation_error_message="契約終了日が契約開始日より前です。",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def stage_name(self) -> str:
        stage = self.guideline.stage(self.stage)
        return stage["name"] if stage else self.stage


class GateReview(models.Model):
    """The review at the gate out of one lifecycle stage: the department answers the checklist with
    evidence, the IT division decides. A system moves on only when the review of its stage is passed."""

    class Status(models.TextChoices):
        OPEN = "open", "審査中"
        PASSED = "passed", "通過"
        RETURNED = "returned", "条件付き差戻し"
        REFUSED = "refused", "不承認"

    class Answer(models.TextChoices):
        YES = "yes", "適合"
        NO = "no", "不適合"
        NA = "na", "該当なし"

    system = models.ForeignKey(System, on_delete=models.CASCADE, related_name="reviews")
    stage = models.CharField("段階", max_length=30)
    guideline = models.ForeignKey(Guideline, on_delete=models.PROTECT, related_name="+")
    status = models.CharField("審査結果", max_length=20, choices=Status.choices, default=Status.OPEN)
    answers = models.JSONField(
        "回答", default=dict, blank=True, help_text='{"item-code": {"answer": "yes", "evidence": "..."}}'
    )
    conditions = models.TextField("条件・意見", blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField("決定日時", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = verbose_name_plural = "関門審査"

    def __str__(self) -> str:
        return f"{self.system}・{self.stage}"

    @property
    def stage_name(self) -> str:
        stage = self.guideline.stage(self.stage)
        return stage["name"] if stage else self.stage

    @property
    def gate(self) -> dict:
        stage = self.guideline.stage(self.stage) or {}
        return stage.get("gate") or {}

    @property
    def is_security_review(self) -> bool:
        return bool(self.gate.get("security_review"))


class Audit(models.Model):
    class Kind(models.TextChoices):
        SECURITY = "security", "情報セキュリティ監査"
        PIA = "pia", "特定個人情報保護評価（PIA）監査"

    class Status(models.TextChoices):
        PLANNED = "planned", "計画"
        IN_PROGRESS = "in_progress", "実施中"
        REPORTED = "reported", "報告済み"
        CLOSED = "closed", "完了"

    kind = models.CharField("種類", max_length=20, choices=Kind.choices)
    title = models.CharField("監査名", max_length=200)
    fiscal_year = models.PositiveIntegerField("年度")
    scope = models.TextField("範囲", blank=True)
    systems = models.ManyToManyField(System, verbose_name="対象システム", blank=True, related_name="audits")
    auditor = models.CharField("監査人", max_length=200)
    period_start = models.DateField("監査期間（開始）")
    period_end = models.DateField("監査期間（終了）")
    status = models.CharField("状態", max_length=20, choices=Status.choices, default=Status.PLANNED)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-fiscal_year", "-period_start", "-pk"]
        verbose_name = verbose_name_plural = "監査"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="governance_audit_period",
                violation_error_message="監査期間の終了日が開始日より前です。",
            )
        ]

    def __str__(self) -> str:
        return self.title


class Finding(models.Model):
    class Severity(models.TextChoices):
        HIGH = "high", "重大"
        MEDIUM = "medium", "中"
        LOW = "low", "軽微"

    class Status(models.TextChoices):
        OPEN = "open", "対応中"
        CLOSED = "closed", "完了"

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="findings")
    system = models.ForeignKey(
        System,
        verbose_name="対象システム",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="findings",
    )
    severity = models.CharField("重要度", max_length=10, choices=Severity.choices)
    criterion = models.CharField("監査基準", max_length=200)
    description = models.TextField("指摘内容")
    status = models.CharField("状態", max_length=10, choices=Status.choices, default=Status.OPEN)
    closed_at = models.DateField("完了日", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["status", "-pk"]
        verbose_name = verbose_name_plural = "指摘事項"

    def __str__(self) -> str:
        return f"{self.audit}：{self.criterion}"


class CorrectiveAction(models.Model):
    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField("改善措置")
    department = models.ForeignKey(
        Department, verbose_name="担当部署", on_delete=models.PROTECT, related_name="corrective_actions"
    )
    owner = models.CharField("担当者", max_length=100, blank=True)
    due_date = models.DateField("期限")
    done_on = models.DateField("完了日", null=True, blank=True)
    follow_up = models.TextField("フォローアップの記録", blank=True)

    class Meta:
        ordering = ["done_on", "due_date", "pk"]
        verbose_name = verbose_name_plural = "改善措置"

    def __str__(self) -> str:
        return self.description[:40]

    def is_overdue(self, today: dt.date | None = None) -> bool:
        return self.done_on is None and self.due_date < (today or dt.date.today())


class PersonalInfoFile(models.Model):
    """A 特定個人情報ファイル and its threshold assessment (しきい値判断)."""

    class Level(models.TextChoices):
        NONE = "none", "評価不要"
        BASIC = "basic", "基礎項目評価"
        FOCUSED = "basic+focused", "基礎項目評価＋重点項目評価"
        FULL = "basic+full", "基礎項目評価＋全項目評価"

    name = models.CharField("特定個人情報ファイル名", max_length=200, unique=True)
    department = models.ForeignKey(
        Department, verbose_name="所管部署", on_delete=models.PROTECT, related_name="pia_files"
    )
    system = models.ForeignKey(
        System,
        verbose_name="システム",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pia_files",
    )
    persons = models.PositiveIntegerField("対象人数")
    handlers = models.PositiveIntegerField("取扱者数")
    serious_incident = models.BooleanField("過去1年以内の重大事故", default=False)
    level = models.CharField("評価の種類", max_length=20, choices=Level.choices)
    assessed_on = models.DateField("しきい値判断の日")
    important_change_on = models.DateField("重要な変更の予定日", null=True, blank=True)

    class Meta:
        ordering = ["department__sort_order", "name"]
        verbose_name = verbose_name_plural = "特定個人情報ファイル"

    def __str__(self) -> str:
        return self.name

    @property
    def reassess_by(self) -> dt.date:
        """Within 5 years, and before an important change if one is planned."""
        try:
            five = self.assessed_on.replace(year=self.assessed_on.year + 5)
        except ValueError:  # 29 February
            five = self.assessed_on.replace(year=self.assessed_on.year + 5, day=28)
        if self.important_change_on and self.important_change_on < five:
            return self.important_change_on
        return five


class TrainingCourse(models.Model):
    class Topic(models.TextChoices):
        AI = "ai", "AI・生成AI"
        RPA = "rpa", "RPA"
        SECURITY = "security", "情報セキュリティ"
        DATA = "data", "データ活用"
        OTHER = "other", "その他"

    title = models.CharField("研修名", max_length=200)
    topic = models.CharField("分野", max_length=20, choices=Topic.choices)
    held_on = models.DateField("実施日")
    hours = models.DecimalField("時間", max_digits=4, decimal_places=1, default=2)

    class Meta:
        ordering = ["-held_on", "title"]
        verbose_name = verbose_name_plural = "研修"

    def __str__(self) -> str:
        return self.title


class TrainingCompletion(models.Model):
    course = models.ForeignKey(TrainingCourse, on_delete=models.CASCADE, related_name="completions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="trainings")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    completed_on = models.DateField("修了日")

    class Meta:
        verbose_name = verbose_name_plural = "研修の修了"
        constraints = [models.UniqueConstraint(fields=["course", "user"], name="governance_completion_once")]

    def __str__(self) -> str:
        return f"{self.user}・{self.course}"


class School(models.Model):
    class Kind(models.TextChoices):
        ELEMENTARY = "elementary", "小学校"
        JUNIOR_HIGH = "junior_high", "中学校"

    name = models.CharField("学校名", max_length=100, unique=True)
    kind = models.CharField("種別", max_length=20, choices=Kind.choices)
    pupils = models.PositiveIntegerField("児童・生徒数")

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = verbose_name_plural = "学校"

    def __str__(self) -> str:
        return self.name


class SchoolDevice(models.Model):
    class Kind(models.TextChoices):
        TABLET = "tablet", "学習用タブレット"
        BLACKBOARD = "e_blackboard", "電子黒板"
        ACCESS_POINT = "access_point", "無線LANアクセスポイント"
        TEACHER_PC = "teacher_pc", "教員用端末"

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="devices")
    kind = models.CharField("機器", max_length=20, choices=Kind.choices)
    count = models.PositiveIntegerField("台数")

    class Meta:
        ordering = ["school", "kind"]
        verbose_name = verbose_name_plural = "学校のICT機器"
        constraints = [models.UniqueConstraint(fields=["school", "kind"], name="governance_device_once")]

    def __str__(self) -> str:
        return f"{self.school}・{self.get_kind_display()} {self.count}台"
