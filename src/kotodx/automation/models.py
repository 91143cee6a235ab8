"""Robots (individual measure 2): routine work done server-side through the platform's own services, on
the task queue, with a log of every step and the minutes of staff work each run saved."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from kotodx.core.models import Department


class Robot(models.Model):
    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "スケジュール（cron・日本時間）"
        EVENT = "event", "イベント"
        MANUAL = "manual", "手動のみ"

    class Event(models.TextChoices):
        SUBMISSION_RECEIVED = "submission.received", "申請を受け付けたとき"
        SUBMISSION_STATUS = "submission.status_changed", "申請の状態が変わったとき"
        RESOURCE_PUBLISHED = "resource.published", "オープンデータのリソースを公開したとき"
        FILE_DROPPED = "file.dropped", "受け取りフォルダにファイルが置かれたとき"
        SCAN_FINISHED = "a11y.scan_finished", "アクセシビリティ検査が終わったとき"

    name = models.SlugField("ロボットID", max_length=60, unique=True)
    title = models.CharField("名前", max_length=200)
    description = models.TextField("説明", blank=True)
    department = models.ForeignKey(
        Department, verbose_name="所管部署", on_delete=models.PROTECT, related_name="robots"
    )
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="robot",
        help_text="ロボットが操作する職員アカウント（所管部署の担当者の権限。操作は監査ログに残る）",
    )
    trigger = models.CharField("起動のしかた", max_length=20, choices=Trigger.choices, default=Trigger.MANUAL)
    cron = models.CharField(
        "スケジュール（cron）", max_length=100, blank=True, help_text="例: 0 2 * * *（毎日2時）"
    )
    skip_holidays = models.BooleanField("祝日・年末年始は動かさない", default=True)
    event = models.CharField("イベント", max_length=40, choices=Event.choices, blank=True)
    event_filter = models.CharField(
        "イベントの条件", max_length=200, blank=True, help_text="申請なら手続きID、リソースならデータセットID"
    )
    steps = models.JSONField("手順", default=list)
    minutes_per_item = models.DecimalField(
        "1件あたりの職員の作業時間（分）", max_digits=6, decimal_places=1, default=5
    )
    allow_overlap = models.BooleanField("前の実行が終わる前に次を始めてよい", default=False)
    max_retries = models.PositiveSmallIntegerField("失敗したときの再試行回数", default=2)
    timeout_seconds = models.PositiveIntegerField("制限時間（秒）", default=600)
    notify_email = models.EmailField("失敗を知らせるメールアドレス", blank=True)
    enabled = models.BooleanField("有効", default=True)
    next_run_at = models.DateTimeField("次の実行予定", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["department__sort_order", "name"]
        verbose_name = verbose_name_plural = "ロボット"
        permissions = [("run_robot", "ロボットを実行する")]

    def __str__(self) -> str:
        return self.title


class Run(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "待機中"
        RUNNING = "running", "実行中"
        SUCCEEDED = "succeeded", "成功"
        FAILED = "failed", "失敗"
        TIMED_OUT = "timed_out", "時間切れ"
        SKIPPED = "skipped", "見送り（実行中のものあり）"

    robot = models.ForeignKey(Robot, on_delete=models.CASCADE, related_name="runs")
    status = models.CharField("状態", max_length=20, choices=Status.choices, default=Status.QUEUED)
    dry_run = models.BooleanField("試行（何も変えない）", default=False)
    trigger = models.CharField("起動", max_length=40, default="manual")
    context = models.JSONField("起動時の情報", default=dict, blank=True)
    attempt = models.PositiveSmallIntegerField("試行回数", default=1)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField("最終応答", null=True, blank=True)  # core.lease
    items = models.PositiveIntegerField("処理件数", default=0)
    minutes_saved = models.DecimalField("削減した作業時間（分）", max_digits=10, decimal_places=1, default=0)
    error = models.TextField("エラー", blank=True)
    outputs = models.JSONField("成果物", default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = verbose_name_plural = "ロボットの実行"

    def __str__(self) -> str:
        return f"{self.robot} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def duration(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class StepLog(models.Model):
    class Status(models.TextChoices):
        SUCCEEDED = "succeeded", "成功"
        FAILED = "failed", "失敗"
        NOT_RUN = "not_run", "未実行"

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="steps")
    index = models.PositiveSmallIntegerField("順番")
    action = models.CharField("操作", max_length=60)
    status = models.CharField("結果", max_length=20, choices=Status.choices)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    inputs = models.JSONField("入力", default=dict, blank=True)
    outputs = models.JSONField("出力", default=dict, blank=True)
    message = models.TextField("内容", blank=True)

    class Meta:
        ordering = ["run", "index"]
        verbose_name = verbose_name_plural = "手順の記録"

    def __str__(self) -> str:
        return f"{self.run_id}#{self.index} {self.action}"
