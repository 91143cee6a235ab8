"""Scans of a site by the accessibility checker, kept so staff can follow them, compare them over time and
give the plan hub its figure: each page checked and each finding with its WCAG and JIS X 8341-3 numbers."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from kotodx.a11y import sampling
from kotodx.core.models import Department, Job


class Scan(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "待機中"
        RUNNING = "running", "検査中"
        DONE = "done", "完了"
        FAILED = "failed", "失敗"
        CANCELLED = "cancelled", "取消"

    title = models.CharField("名前", max_length=200)
    start_url = models.URLField("開始URL", max_length=500)
    max_pages = models.PositiveIntegerField("最大ページ数", default=50)
    department = models.ForeignKey(
        Department,
        verbose_name="依頼した部署",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField("状態", max_length=20, choices=Status.choices, default=Status.QUEUED)
    job = models.ForeignKey(Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    pages_checked = models.PositiveIntegerField("検査したページ", default=0)
    pages_with_violations = models.PositiveIntegerField("違反のあるページ", default=0)
    violations = models.PositiveIntegerField("違反", default=0)
    reviews = models.PositiveIntegerField("要確認", default=0)
    error = models.TextField(blank=True)
    published_at = models.DateTimeField("試験結果として公開した日時", null=True, blank=True)
    # Page selection (JIS X 8341-3:2016 附属書JB): all pages, random, representative, or both
    sample_method = models.CharField(
        "ページ選択の方法", max_length=30, choices=list(sampling.METHODS.items()), default=sampling.ALL
    )
    sample_size = models.PositiveIntegerField("選ぶページ数（合計）", default=sampling.DEFAULT_SIZE)
    sample_seed = models.BigIntegerField("乱数の種", null=True, blank=True)
    representative_urls = models.JSONField("代表ページ", default=list, blank=True)
    population = models.PositiveIntegerField("ランダムに選んだ元のページ数", null=True, blank=True)
    notes = models.TextField("検査の注記", blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = verbose_name_plural = "アクセシビリティ検査"
        permissions = [("run_scan", "サイトの検査を始める")]

    def __str__(self) -> str:
        return self.title

    @property
    def selection(self) -> str:
        """ページ選択方法, as the test report says it."""
        checked = self.pages.count() if self.pk else 0
        return sampling.describe(
            self.sample_method,
            start=self.start_url,
            max_pages=self.max_pages,
            size=checked or self.sample_size,
            seed=self.sample_seed,
            representative=len(self.representative_urls),
            population=self.population,
        )


class ScanPage(models.Model):
    scan = models.ForeignKey(Scan, on_delete=models.CASCADE, related_name="pages")
    position = models.PositiveIntegerField()
    url = models.URLField(max_length=2000)
    final_url = models.URLField(max_length=2000, blank=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    title = models.CharField(max_length=500, blank=True)
    error = models.CharField(max_length=500, blank=True)
    violations = models.PositiveIntegerField(default=0)
    reviews = models.PositiveIntegerField(default=0)
    # The same-site links found on the page: a crawl resumed after its consumer died goes on from them.
    links = models.JSONField(default=list, blank=True)
    # Each rule's outcome on the page (failed / cantTell / passed / inapplicable): the EARL report.
    outcomes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["scan", "position"]

    def __str__(self) -> str:
        return self.url


class ScanFinding(models.Model):
    page = models.ForeignKey(ScanPage, on_delete=models.CASCADE, related_name="findings")
    rule = models.CharField(max_length=100)
    source = models.CharField(max_length=20)
    criteria = models.JSONField(default=list)
    jis = models.JSONField(default=list)
    impact = models.CharField(max_length=20, blank=True)
    selector = models.TextField(blank=True)
    html = models.TextField(blank=True)
    message = models.TextField()
    help_url = models.URLField(max_length=500, blank=True)
    review = models.BooleanField(default=False)

    class Meta:
        ordering = ["page", "review", "rule"]

    def __str__(self) -> str:
        return self.rule


class Judgement(models.Model):
    """A person's judgement of one success criterion for a scan (what automatic checks cannot decide)."""

    class Result(models.TextChoices):
        PASS = "pass", "適合"
        FAIL = "fail", "不適合"
        NOT_APPLICABLE = "na", "適用なし"

    scan = models.ForeignKey(Scan, on_delete=models.CASCADE, related_name="judgements")
    criterion = models.CharField("達成基準", max_length=10)
    result = models.CharField("判定", max_length=10, choices=Result.choices)
    note = models.CharField("注記", max_length=500, blank=True)
    judged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    judged_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["scan", "criterion"]
        constraints = [models.UniqueConstraint(fields=["scan", "criterion"], name="a11y_judgement_once")]

    def __str__(self) -> str:
        return f"{self.scan}・{self.criterion}"
