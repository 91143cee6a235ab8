"""Core tables: departments, staff, the audit log, API tokens and background jobs."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone


class Department(models.Model):
    """A ward department or section (部署). Staff belong to exactly one."""

    code = models.SlugField("部署コード", max_length=40, unique=True)
    name = models.CharField("部署名", max_length=100, unique=True)
    name_en = models.CharField("英語名", max_length=150, blank=True)
    division = models.CharField("部局", max_length=100, blank=True, help_text="例: 総務部")
    is_it_division = models.BooleanField(
        "情報システム課", default=False, help_text="区全体の情報化を所管する課（全部署のデータを参照できる）"
    )
    sort_order = models.PositiveIntegerField("表示順", default=100)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = verbose_name_plural = "部署"
        constraints = [
            models.UniqueConstraint(
                fields=["is_it_division"],
                condition=models.Q(is_it_division=True),
                name="core_department_single_it_division",
            )
        ]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A member of staff (職員). Residents do not log in with these accounts."""

    display_name = models.CharField("氏名", max_length=100, blank=True)
    department = models.ForeignKey(
        Department,
        verbose_name="所属部署",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
    )

    class Meta:
        verbose_name = verbose_name_plural = "職員"

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def role_codes(self) -> set[str]:
        return {g.name for g in self.groups.all()}


class AuditEntry(models.Model):
    """One row per write (and per read of a resident's personal data). Append-only."""

    class Action(models.TextChoices):
        CREATE = "create", "作成"
        UPDATE = "update", "更新"
        DELETE = "delete", "削除"
        VIEW = "view", "閲覧"
        EXPORT = "export", "出力"
        LOGIN = "login", "ログイン"
        LOGOUT = "logout", "ログアウト"
        LOGIN_FAILED = "login_failed", "ログイン失敗"
        OTHER = "other", "その他"

    at = models.DateTimeField("日時", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作者", null=True, blank=True, on_delete=models.SET_NULL
    )
    actor_label = models.CharField("操作者（記録時）", max_length=150, blank=True)
    department = models.ForeignKey(
        Department, verbose_name="操作者の部署", null=True, blank=True, on_delete=models.SET_NULL
    )
    action = models.CharField("操作", max_length=20, choices=Action.choices, db_index=True)
    target_type = models.CharField("対象の種類", max_length=100, blank=True, db_index=True)
    target_id = models.CharField("対象ID", max_length=64, blank=True)
    target_repr = models.CharField("対象", max_length=255, blank=True)
    before = models.JSONField("変更前", null=True, blank=True)
    after = models.JSONField("変更後", null=True, blank=True)
    note = models.CharField("備考", max_length=255, blank=True)
    request_id = models.CharField("リクエストID", max_length=64, blank=True)
    ip_address = models.GenericIPAddressField("IPアドレス", null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = verbose_name_plural = "監査ログ"
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.get_action_display()} {self.target_repr}"


class ApiToken(models.Model):
    """A staff member's token for the JSON API. Only a hash is stored; the key is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("名前", max_length=100)
    prefix = models.CharField("先頭文字", max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    last_used_at = models.DateTimeField("最終利用", null=True, blank=True)
    revoked_at = models.DateTimeField("失効日時", null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = verbose_name_plural = "APIトークン"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Job(models.Model):
    """A long-running piece of work done by the queue consumer, with progress the UI can show."""

    class Status(models.TextChoices):
        QUEUED = "queued", "待機中"
        RUNNING = "running", "実行中"
        SUCCEEDED = "succeeded", "完了"
        FAILED = "failed", "失敗"
        CANCELLED = "cancelled", "取消"

    FINISHED = (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField("種類", max_length=80)
    title = models.CharField("件名", max_length=200)
    params = models.JSONField("パラメータ", default=dict, blank=True)
    status = models.CharField("状態", max_length=20, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField("処理済み", default=0)
    total = models.PositiveIntegerField("全体", null=True, blank=True)
    message = models.CharField("状況", max_length=255, blank=True)
    result = models.JSONField("結果", null=True, blank=True)
    result_file = models.CharField("結果ファイル", max_length=255, blank=True)
    error = models.TextField("エラー", blank=True)
    cancel_requested = models.BooleanField("取消要求", default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="依頼者",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("依頼日時", auto_now_add=True)
    started_at = models.DateTimeField("開始日時", null=True, blank=True)
    finished_at = models.DateTimeField("終了日時", null=True, blank=True)
    # The lease of the consumer running it (core.lease): a killed consumer's job is queued again.
    enqueued_at = models.DateTimeField("投入日時", default=timezone.now)
    heartbeat_at = models.DateTimeField("最終応答", null=True, blank=True)
    attempts = models.PositiveSmallIntegerField("試行回数", default=0)
    worker = models.CharField("処理したプロセス", max_length=100, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = verbose_name_plural = "バックグラウンド処理"
        permissions = [("view_all_jobs", "全職員のバックグラウンド処理を閲覧できる")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def percent(self) -> int | None:
        if self.status == self.Status.SUCCEEDED:
            return 100
        if not self.total:
            return None
        return min(100, int(self.done * 100 / self.total))


class AccessibilityPolicy(models.Model):
    """The ward's web accessibility policy (ウェブアクセシビリティ方針) as published at /accessibility/.
    Every save is a new version; the newest is the one shown. Written in Markdown (raw HTML is not
    rendered), in Japanese and optionally English for /en/."""

    body_ja = models.TextField("方針（日本語、Markdown）", max_length=20000)
    body_en = models.TextField("方針（英語、Markdown、任意）", max_length=20000, blank=True)
    reason = models.CharField("変更の理由", max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="変更者",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("変更日時", auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = "ウェブアクセシビリティ方針"

    def __str__(self) -> str:
        return f"ウェブアクセシビリティ方針（{self.created_at:%Y-%m-%d}）"
