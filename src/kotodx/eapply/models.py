"""E-application: the procedure catalog (手続き), versioned form definitions built by staff, residents'
submissions with their files, and the processing history."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from kotodx.core.models import Department


class Procedure(models.Model):
    class Category(models.TextChoices):
        MOVING = "moving", "引越し・住まい"
        CHILDCARE = "childcare", "妊娠・出産・子育て"
        CARE = "care", "介護・高齢者"
        TAX = "tax", "税金"
        CERTIFICATE = "certificate", "証明書・届出"
        WASTE = "waste", "ごみ・リサイクル"
        DISASTER = "disaster", "防災・災害"
        HEALTH = "health", "健康・医療"
        OTHER = "other", "その他"

    class Priority(models.TextChoices):
        NONE = "", "—"
        CHILDCARE15 = "childcare15", "子育て関係（15手続）"
        CARE11 = "care11", "介護関係（11手続）"
        DISASTER = "risai", "被災者支援（罹災証明書）"
        MOVING = "moving", "引越し（転出届・転入予約）"

    class Pittari(models.TextChoices):
        NONE = "", "未対応"
        PLANNED = "planned", "対応予定"
        AVAILABLE = "available", "ぴったりサービスで申請可"

    slug = models.SlugField("URL名", max_length=80, unique=True)
    name = models.CharField("手続名", max_length=200)
    category = models.CharField("分類（ライフイベント）", max_length=20, choices=Category.choices)
    department = models.ForeignKey(
        Department, verbose_name="担当部署", on_delete=models.PROTECT, related_name="procedures"
    )
    description = models.TextField("説明")
    eligibility = models.TextField("申請できる人", blank=True)
    fee = models.CharField("手数料", max_length=200, blank=True)
    documents = models.TextField("必要な書類", blank=True)
    priority = models.CharField("国の重点手続", max_length=20, choices=Priority.choices, blank=True)
    pittari = models.CharField("ぴったりサービス", max_length=20, choices=Pittari.choices, blank=True)
    retention_days = models.PositiveIntegerField("申請データの保存期間（日）", default=365 * 5)
    is_public = models.BooleanField("区民に公開", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["category", "name"]
        verbose_name = verbose_name_plural = "手続き"
        permissions = [
            ("build_form", "申請フォームを作成・公開できる"),
            ("process_submission", "申請を審査・処理できる"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def published_version(self) -> FormVersion | None:
        # Reads versions through .all() so a list prefetched with prefetch_related("versions") costs no query.
        published = [v for v in self.versions.all() if v.status == FormVersion.Status.PUBLISHED]
        return max(published, key=lambda v: v.number, default=None)

    @property
    def is_online(self) -> bool:
        return self.published_version is not None


class FormVersion(models.Model):
    """One version of a procedure's form. Publishing a draft freezes it; submissions keep the version
    they answered."""

    class Status(models.TextChoices):
        DRAFT = "draft", "作成中"
        PUBLISHED = "published", "公開中"
        RETIRED = "retired", "過去の版"

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField("版")
    definition = models.JSONField("定義")
    status = models.CharField("状態", max_length=20, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["procedure", "-number"]
        constraints = [models.UniqueConstraint(fields=["procedure", "number"], name="form_version_unique")]

    def __str__(self) -> str:
        return f"{self.procedure} 第{self.number}版"


class Submission(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "入力中"
        RECEIVED = "received", "受付"
        REVIEWING = "reviewing", "審査中"
        CORRECTION = "correction", "補正依頼"
        APPROVED = "approved", "承認"
        REJECTED = "rejected", "却下"
        COMPLETED = "completed", "完了"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="submissions")
    version = models.ForeignKey(FormVersion, on_delete=models.PROTECT, related_name="submissions")
    reference_number = models.CharField("受付番号", max_length=20, unique=True, null=True, blank=True)
    status = models.CharField(
        "状態", max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    answers = models.JSONField("回答", default=dict)
    applicant_name = models.CharField("申請者氏名", max_length=100, blank=True)
    applicant_email = models.EmailField("申請者メール", blank=True)
    # Set when the resident had signed in by OpenID Connect before starting (eapply.oidc): issuer,
    # subject, provider, time, and the values the sign-in pre-filled (to show staff what was changed).
    verified_identity = models.JSONField("本人確認（OIDC）", default=dict, blank=True)
    # The language the resident used when submitting (ja, or en on the /en/ pages): the receipt and the
    # mails staff actions send later (補正のお願い, 承認/却下/完了) are written in it.
    language = models.CharField("申請時の言語", max_length=8, default="ja")
    resume_key_hash = models.CharField(max_length=64, unique=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="担当者",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_submissions",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField("申請日時", null=True, blank=True, db_index=True)
    purge_after = models.DateField("削除予定日", null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-created_at"]
        verbose_name = verbose_name_plural = "申請"

    def __str__(self) -> str:
        return self.reference_number or f"入力中の申請 {self.pk}"

    @property
    def department_id(self) -> int:
        return self.procedure.department_id

    @property
    def is_editable_by_applicant(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.CORRECTION)


class SubmissionFile(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="files")
    field = models.CharField("項目", max_length=100)
    file = models.FileField(upload_to="eapply/%Y/%m/")
    original_name = models.CharField("ファイル名", max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class SubmissionEvent(models.Model):
    """What happened to a submission: status changes, comments, correction requests."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", "申請"
        STATUS = "status", "状態の変更"
        COMMENT = "comment", "職員メモ"
        CORRECTION = "correction", "補正依頼"
        RESUBMITTED = "resubmitted", "補正後の再申請"
        ASSIGNED = "assigned", "担当者の変更"

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    comment = models.TextField("コメント", blank=True)
    visible_to_applicant = models.BooleanField(default=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


class Webhook(models.Model):
    """Tell another system (an RPA robot, a department system) when a submission arrives or changes."""

    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField("送信先URL")
    secret = models.CharField("署名の鍵", max_length=100)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "Webhook"

    def __str__(self) -> str:
        return self.url
