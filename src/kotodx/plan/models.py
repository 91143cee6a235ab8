"""The plan as data: plans, guidelines (指針), measures (施策), individual measures (個別施策), KPIs with
targets per fiscal year, yearly progress entries with their review workflow, and plan revisions (見直し)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from kotodx.core.fiscal import FiscalYear
from kotodx.core.models import Department


class Plan(models.Model):
    code = models.SlugField("計画コード", max_length=60, unique=True)
    title = models.CharField("計画名", max_length=200)
    municipality = models.CharField("自治体名", max_length=100)
    municipality_code = models.CharField("全国地方公共団体コード", max_length=6, blank=True)
    vision = models.TextField("目指す姿")
    purpose = models.TextField("趣旨", blank=True)
    source = models.CharField("出典", max_length=200, blank=True)
    start_fy = models.PositiveSmallIntegerField("開始年度")
    end_fy = models.PositiveSmallIntegerField("終了年度")
    predecessor = models.ForeignKey(
        "self",
        verbose_name="前計画",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="successors",
    )
    is_example = models.BooleanField("例示の計画", default=False)
    kpis_are_examples = models.BooleanField("指標は例示", default=False)
    final_summary = models.TextField("最終評価（総括）", blank=True)
    final_evaluated_at = models.DateTimeField("最終評価日", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-start_fy", "code"]
        verbose_name = verbose_name_plural = "計画"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_fy__gte=models.F("start_fy")), name="plan_period_order"
            )
        ]
        permissions = [
            ("manage_plan", "計画・指標を作成・見直しできる"),
            ("draft_progress", "所管の個別施策の進捗を作成・提出できる"),
            ("check_progress", "進捗を情報システム課として確認できる"),
            ("review_progress", "進捗を専門部会として審査できる"),
            ("approve_progress", "進捗を推進委員会として承認・差戻しできる"),
            ("view_internal_progress", "承認前の進捗を閲覧できる"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def fiscal_years(self) -> list[FiscalYear]:
        return [FiscalYear(y) for y in range(self.start_fy, self.end_fy + 1)]

    @property
    def period_label(self) -> str:
        return f"{FiscalYear(self.start_fy).label}〜{FiscalYear(self.end_fy).label}"

    def covers(self, fy: int) -> bool:
        return self.start_fy <= fy <= self.end_fy

    def has_ended(self, today_fy: int | None = None) -> bool:
        return (today_fy if today_fy is not None else FiscalYear.current().year) > self.end_fy


class Guideline(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="guidelines")
    number = models.PositiveSmallIntegerField("番号")
    name = models.CharField("指針名", max_length=200)
    description = models.TextField("説明", blank=True)
    needs_confirmation = models.BooleanField("要確認", default=False)

    class Meta:
        ordering = ["plan", "number"]
        verbose_name = verbose_name_plural = "指針"
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="guideline_number_unique")]

    def __str__(self) -> str:
        return self.name


class Measure(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="measures")
    guideline = models.ForeignKey(Guideline, on_delete=models.PROTECT, related_name="measures")
    number = models.PositiveSmallIntegerField("番号")
    name = models.CharField("施策名", max_length=200)

    class Meta:
        ordering = ["plan", "number"]
        verbose_name = verbose_name_plural = "施策"
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="measure_number_unique")]

    def __str__(self) -> str:
        return f"施策{self.number} {self.name}"


class IndividualMeasure(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="individual_measures")
    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="individual_measures")
    number = models.PositiveSmallIntegerField("番号")
    name = models.CharField("個別施策名", max_length=200)
    direction = models.TextField("取り組みの方向性")
    departments = models.ManyToManyField(
        Department, verbose_name="所管部署", related_name="individual_measures"
    )
    continues = models.ForeignKey(
        "self",
        verbose_name="前計画の個別施策",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="continued_by",
    )
    final_evaluation = models.CharField("最終評価", max_length=1, blank=True)
    final_comment = models.TextField("最終評価のコメント", blank=True)

    class Meta:
        ordering = ["plan", "number"]
        verbose_name = verbose_name_plural = "個別施策"
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="individual_measure_number_unique")
        ]

    def __str__(self) -> str:
        return f"個別施策{self.number} {self.name}"


class Kpi(models.Model):
    class Direction(models.TextChoices):
        INCREASE = "increase", "増やす"
        DECREASE = "decrease", "減らす"

    MANUAL = "manual"

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="kpis")
    individual_measure = models.ForeignKey(IndividualMeasure, on_delete=models.CASCADE, related_name="kpis")
    code = models.SlugField("指標コード", max_length=80)
    name = models.CharField("指標名", max_length=200)
    unit = models.CharField("単位", max_length=20)
    direction = models.CharField("方向", max_length=10, choices=Direction.choices, default=Direction.INCREASE)
    baseline_value = models.DecimalField("基準値", max_digits=14, decimal_places=2, null=True, blank=True)
    baseline_fy = models.PositiveSmallIntegerField("基準年度", null=True, blank=True)
    source = models.CharField(
        "データの出所", max_length=100, default=MANUAL, help_text="manual（手入力）または集計項目のキー"
    )
    description = models.TextField("測り方", blank=True)
    continues = models.ForeignKey(
        "self",
        verbose_name="前計画の指標",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="continued_by",
    )

    class Meta:
        ordering = ["individual_measure__number", "id"]
        verbose_name = verbose_name_plural = "指標（KPI）"
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="kpi_code_unique")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_manual(self) -> bool:
        return self.source == self.MANUAL


class KpiTarget(models.Model):
    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="targets")
    fiscal_year = models.PositiveSmallIntegerField("年度")
    value = models.DecimalField("目標値", max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["kpi", "fiscal_year"]
        constraints = [models.UniqueConstraint(fields=["kpi", "fiscal_year"], name="kpi_target_unique")]

    def __str__(self) -> str:
        return f"{self.kpi} {FiscalYear(self.fiscal_year).label}: {self.value}"


class ProgressEntry(models.Model):
    """Progress of one individual measure in one fiscal year. Approved entries are locked: a correction
    is a new revision, which replaces the old one only once it is approved in turn."""

    class State(models.TextChoices):
        DRAFT = "draft", "作成中"
        SUBMITTED = "submitted", "情報システム課確認待ち"
        IT_CHECKED = "it_checked", "専門部会審査待ち"
        REVIEWED = "reviewed", "推進委員会承認待ち"
        APPROVED = "approved", "承認済み"
        RETURNED = "returned", "差戻し"
        SUPERSEDED = "superseded", "訂正により置換"

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "未着手"
        CONSIDERING = "considering", "検討中"
        IN_PROGRESS = "in_progress", "実施中"
        DONE = "done", "完了"
        REVISING = "revising", "見直し"

    EDITABLE = (State.DRAFT, State.RETURNED)

    individual_measure = models.ForeignKey(
        IndividualMeasure, on_delete=models.CASCADE, related_name="entries"
    )
    fiscal_year = models.PositiveSmallIntegerField("年度")
    revision = models.PositiveSmallIntegerField("版", default=1)
    state = models.CharField("手続の状態", max_length=20, choices=State.choices, default=State.DRAFT)
    status = models.CharField("取組状況", max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    results = models.TextField("実績", blank=True)
    issues = models.TextField("課題", blank=True)
    next_direction = models.TextField("次年度の方向性", blank=True)
    evaluation_override = models.CharField("評価（修正）", max_length=1, blank=True)
    override_reason = models.TextField("評価を修正した理由", blank=True)
    correction_reason = models.TextField("訂正の理由", blank=True)
    version = models.PositiveIntegerField("編集番号", default=1)
    is_demo = models.BooleanField("デモデータ", default=False)
    approved_at = models.DateTimeField("承認日時", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["individual_measure__number", "fiscal_year", "revision"]
        verbose_name = verbose_name_plural = "進捗"
        constraints = [
            models.UniqueConstraint(
                fields=["individual_measure", "fiscal_year", "revision"],
                name="progress_entry_revision_unique",
            ),
        ]

    def __str__(self) -> str:
        rev = f"（第{self.revision}版）" if self.revision > 1 else ""
        return f"{FiscalYear(self.fiscal_year).label} {self.individual_measure}{rev}"

    @property
    def is_editable(self) -> bool:
        return self.state in self.EDITABLE

    @property
    def is_locked(self) -> bool:
        return self.state in (self.State.APPROVED, self.State.SUPERSEDED)

    @property
    def fy(self) -> FiscalYear:
        return FiscalYear(self.fiscal_year)


class KpiActual(models.Model):
    entry = models.ForeignKey(ProgressEntry, on_delete=models.CASCADE, related_name="actuals")
    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="actuals")
    value = models.DecimalField("実績値", max_digits=14, decimal_places=2, null=True, blank=True)
    from_metric = models.BooleanField("自動集計", default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["entry", "kpi"], name="kpi_actual_unique")]

    def __str__(self) -> str:
        return f"{self.kpi}: {self.value}"


class EvidenceFile(models.Model):
    entry = models.ForeignKey(ProgressEntry, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField("ファイル", upload_to="plan/evidence/%Y/")
    original_name = models.CharField("ファイル名", max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at"]
        verbose_name = verbose_name_plural = "根拠資料"

    def __str__(self) -> str:
        return self.original_name


class ReviewStep(models.Model):
    """One transition of an entry's workflow, with the comment given (差戻しの理由, 審査意見)."""

    class Action(models.TextChoices):
        SUBMIT = "submit", "提出"
        CHECK = "check", "情報システム課確認"
        REVIEW = "review", "専門部会審査"
        APPROVE = "approve", "推進委員会承認"
        RETURN = "return", "差戻し"
        CORRECT = "correct", "訂正版の作成"
        COMMENT = "comment", "意見"

    entry = models.ForeignKey(ProgressEntry, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(max_length=20, choices=Action.choices)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    comment = models.TextField("意見", blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_role = models.CharField("立場", max_length=40, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.at:%Y-%m-%d}"


class PlanRevision(models.Model):
    """A revision (見直し) of a plan: what changed, when and why."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="revisions")
    revised_on = models.DateField("見直し日")
    reason = models.TextField("見直しの理由")
    changes = models.JSONField("変更内容", default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-revised_on", "-id"]
        verbose_name = verbose_name_plural = "計画の見直し"

    def __str__(self) -> str:
        return f"{self.plan} {self.revised_on}の見直し"
