"""CSIRT (individual measure 16): incidents with their tasks, observables, timeline and notifications to
outside bodies; exercises; the watch list of indicators received from partners; and the TAXII 2.1
collections with the STIX objects the ward shares."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from kotodx.core.models import Department


class Category(models.TextChoices):
    """The Reference Security Incident Taxonomy (RSIT), its 11 classes."""

    ABUSIVE_CONTENT = "abusive-content", "不適切なコンテンツ（スパム等）"
    MALICIOUS_CODE = "malicious-code", "不正プログラム（マルウェア・ランサムウェア）"
    INFORMATION_GATHERING = "information-gathering", "情報収集（スキャン等）"
    INTRUSION_ATTEMPTS = "intrusion-attempts", "侵入の試み"
    INTRUSIONS = "intrusions", "侵入（不正アクセス）"
    AVAILABILITY = "availability", "可用性の侵害（DoS・障害）"
    INFORMATION_CONTENT_SECURITY = "information-content-security", "情報の漏えい・改ざん"
    FRAUD = "fraud", "詐欺（なりすまし・フィッシング）"
    VULNERABLE = "vulnerable", "脆弱性"
    OTHER = "other", "その他"
    TEST = "test", "試験"


class Tlp(models.TextChoices):
    """Traffic Light Protocol 2.0."""

    CLEAR = "clear", "TLP:CLEAR"
    GREEN = "green", "TLP:GREEN"
    AMBER = "amber", "TLP:AMBER"
    AMBER_STRICT = "amber+strict", "TLP:AMBER+STRICT"
    RED = "red", "TLP:RED"


# What may leave the ward in the community feed (TAXII, export of shareable incidents).
SHAREABLE_TLP = (Tlp.CLEAR, Tlp.GREEN, Tlp.AMBER)


class Incident(models.Model):
    class Severity(models.IntegerChoices):
        CRITICAL = 1, "1 緊急"
        HIGH = 2, "2 重大"
        MEDIUM = 3, "3 中"
        LOW = 4, "4 軽微"

    class Pap(models.TextChoices):
        CLEAR = "clear", "PAP:CLEAR"
        GREEN = "green", "PAP:GREEN"
        AMBER = "amber", "PAP:AMBER"
        RED = "red", "PAP:RED"

    class Status(models.TextChoices):
        NEW = "new", "新規"
        TRIAGE = "triage", "初動・トリアージ"
        CONTAINMENT = "containment", "封じ込め"
        ERADICATION = "eradication", "根絶"
        RECOVERY = "recovery", "復旧"
        REVIEW = "review", "事後レビュー"
        CLOSED = "closed", "終結"
        FALSE_POSITIVE = "false_positive", "誤検知"
        DUPLICATE = "duplicate", "重複"

    number = models.CharField("管理番号", max_length=20, unique=True)
    title = models.CharField("件名", max_length=200)
    description = models.TextField("概要", blank=True)
    category = models.CharField("分類（RSIT）", max_length=40, choices=Category.choices)
    severity = models.PositiveSmallIntegerField("深刻度", choices=Severity.choices, default=Severity.MEDIUM)
    tlp = models.CharField("TLP", max_length=20, choices=Tlp.choices, default=Tlp.AMBER)
    pap = models.CharField("PAP", max_length=10, choices=Pap.choices, default=Pap.AMBER)
    status = models.CharField("状態", max_length=20, choices=Status.choices, default=Status.NEW)
    systems = models.ManyToManyField(
        "governance.System", verbose_name="影響を受けたシステム", blank=True, related_name="incidents"
    )
    departments = models.ManyToManyField(
        Department, verbose_name="関係部署", blank=True, related_name="incidents"
    )
    personal_info = models.BooleanField("個人情報が関係する", default=False)
    specific_personal_info = models.BooleanField("特定個人情報が関係する", default=False)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="担当者",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="handled_incidents",
    )
    team = models.CharField("対応チーム", max_length=100, blank=True, default="江東区CSIRT")
    occurred_at = models.DateTimeField("発生日時", null=True, blank=True)
    detected_at = models.DateTimeField("検知日時")
    reported_at = models.DateTimeField("CSIRTへの報告日時", null=True, blank=True)
    contained_at = models.DateTimeField("封じ込め日時", null=True, blank=True)
    resolved_at = models.DateTimeField("解決日時", null=True, blank=True)
    lessons = models.TextField("教訓（事後レビュー）", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-detected_at", "-pk"]
        verbose_name = verbose_name_plural = "インシデント"
        permissions = [
            ("report_incident", "インシデントを報告する（各課）"),
            ("handle_incident", "インシデントに対応する（CSIRT）"),
            ("share_stix", "脅威情報を共有する（STIX・TAXII）"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status not in (self.Status.CLOSED, self.Status.FALSE_POSITIVE, self.Status.DUPLICATE)

    @property
    def shareable(self) -> bool:
        return self.tlp in SHAREABLE_TLP


class Task(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField("作業", max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="担当",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    due_at = models.DateTimeField("期限", null=True, blank=True)
    done_at = models.DateTimeField("完了", null=True, blank=True)

    class Meta:
        ordering = ["done_at", "due_at", "pk"]
        verbose_name = verbose_name_plural = "対応作業"

    def __str__(self) -> str:
        return self.title


class Observable(models.Model):
    class Kind(models.TextChoices):
        IPV4 = "ipv4", "IPv4アドレス"
        IPV6 = "ipv6", "IPv6アドレス"
        DOMAIN = "domain", "ドメイン名"
        URL = "url", "URL"
        MD5 = "md5", "ハッシュ（MD5）"
        SHA1 = "sha1", "ハッシュ（SHA-1）"
        SHA256 = "sha256", "ハッシュ（SHA-256）"
        EMAIL = "email", "メールアドレス"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="observables")
    kind = models.CharField("種類", max_length=10, choices=Kind.choices)
    value = models.CharField("値", max_length=2000)
    is_ioc = models.BooleanField("IOC（侵害の痕跡）", default=False)
    note = models.CharField("メモ", max_length=300, blank=True)
    stix_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "value"]
        verbose_name = verbose_name_plural = "観測情報"
        constraints = [
            models.UniqueConstraint(fields=["incident", "kind", "value"], name="security_observable_once")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"


class TimelineEntry(models.Model):
    class Kind(models.TextChoices):
        AUTO = "auto", "自動記録"
        MANUAL = "manual", "記録"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="timeline")
    at = models.DateTimeField("日時")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField("内容")

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = verbose_name_plural = "時系列"

    def __str__(self) -> str:
        return self.text[:40]


class Notification(models.Model):
    """Telling an outside body: required by the rules for the incident's category and severity, and
    when it was done and by whom."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="notifications")
    body = models.CharField("報告先", max_length=40)
    notified_at = models.DateTimeField("報告日時")
    notified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField("メモ", max_length=300, blank=True)

    class Meta:
        ordering = ["notified_at"]
        verbose_name = verbose_name_plural = "外部への報告"
        constraints = [
            models.UniqueConstraint(fields=["incident", "body"], name="security_notification_once")
        ]

    def __str__(self) -> str:
        return f"{self.incident.number} → {self.body}"


class Exercise(models.Model):
    title = models.CharField("訓練名", max_length=200)
    scenario = models.TextField("シナリオ")
    held_on = models.DateField("実施日")
    participants = models.TextField("参加者", blank=True, help_text="部署・団体など")
    participant_count = models.PositiveIntegerField("参加人数", default=0)
    findings = models.TextField("訓練で分かったこと", blank=True)
    follow_up = models.TextField("改善の取組", blank=True)

    class Meta:
        ordering = ["-held_on"]
        verbose_name = verbose_name_plural = "訓練"

    def __str__(self) -> str:
        return self.title


class WatchEntry(models.Model):
    """An indicator received from a partner (a STIX indicator, or an observable of observed-data):
    the same value from several sources is one entry."""

    kind = models.CharField("種類", max_length=10, choices=Observable.Kind.choices)
    value = models.CharField("値", max_length=2000)
    name = models.CharField("名称", max_length=300, blank=True)
    pattern = models.TextField("STIXパターン", blank=True)
    sources = models.JSONField("提供元", default=list)
    stix_ids = models.JSONField("STIX ID", default=list)
    tlp = models.CharField("TLP", max_length=20, choices=Tlp.choices, blank=True)
    first_seen = models.DateTimeField("初回受信")
    last_seen = models.DateTimeField("最終受信")
    times_seen = models.PositiveIntegerField("受信回数", default=1)

    class Meta:
        ordering = ["-last_seen"]
        verbose_name = verbose_name_plural = "ウォッチリスト"
        constraints = [models.UniqueConstraint(fields=["kind", "value"], name="security_watch_once")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.value}"


class StixImport(models.Model):
    """One received bundle: what was kept, what was not understood, what was refused."""

    source = models.CharField("提供元", max_length=200)
    bundle_id = models.CharField(max_length=100, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    objects_total = models.PositiveIntegerField(default=0)
    indicators_new = models.PositiveIntegerField(default=0)
    indicators_merged = models.PositiveIntegerField(default=0)
    skipped = models.JSONField("取り込まなかったもの", default=list)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = verbose_name_plural = "STIXの受信"

    def __str__(self) -> str:
        return f"{self.source} {self.received_at:%Y-%m-%d}"


class TaxiiCollection(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    alias = models.SlugField(unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    readers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="taxii_collections",
        help_text="このコレクションを読める連携先（APIトークンで認証）",
    )

    class Meta:
        verbose_name = verbose_name_plural = "TAXIIコレクション"

    def __str__(self) -> str:
        return self.title


class TaxiiObject(models.Model):
    """A STIX object as served by TAXII: one row per version; date_added orders the feed."""

    collection = models.ForeignKey(TaxiiCollection, on_delete=models.CASCADE, related_name="stix_objects")
    stix_id = models.CharField(max_length=100)
    stix_type = models.CharField(max_length=60)
    version = models.CharField(max_length=40)  # the object's modified (or created) timestamp
    data = models.JSONField()
    tlp = models.CharField(max_length=20, choices=Tlp.choices, blank=True)
    incident = models.ForeignKey(Incident, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    date_added = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["date_added", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "stix_id", "version"], name="security_taxii_version_once"
            )
        ]

    def __str__(self) -> str:
        return self.stix_id
