"""The open data catalog: datasets (CKAN "packages") published by departments (CKAN "organizations"),
their resources with every uploaded version kept, categories (CKAN "groups"), tags, the search index
and download counts."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kotodx.core.models import Department

NAME_VALIDATOR = RegexValidator(
    r"^[a-z0-9_-]{2,100}$", "半角英小文字・数字・ハイフン・アンダースコアで2〜100文字にしてください。"
)

LICENSES = {
    "CC-BY-4.0": (
        "クリエイティブ・コモンズ 表示 4.0 国際（CC BY 4.0）",
        "https://creativecommons.org/licenses/by/4.0/deed.ja",
    ),
    "CC0-1.0": (
        "CC0 1.0 全世界 パブリック・ドメイン提供",
        "https://creativecommons.org/publicdomain/zero/1.0/deed.ja",
    ),
    "PDL-1.0": (
        "公共データ利用規約（第1.0版）",
        "https://www.digital.go.jp/resources/open_data/public_data_license_v1.0",
    ),
    "ODbL-1.0": ("Open Data Commons Open Database License", "https://opendatacommons.org/licenses/odbl/1-0/"),
}
OPEN_LICENSES = set(LICENSES)
# The names people read on the pages, in the page's language. LICENSES keeps the Japanese names that the
# CKAN API and DCAT publish whatever the page's language.
LICENSE_LABELS = {
    "CC-BY-4.0": _("クリエイティブ・コモンズ 表示 4.0 国際（CC BY 4.0）"),
    "CC0-1.0": _("CC0 1.0 全世界 パブリック・ドメイン提供"),
    "PDL-1.0": _("公共データ利用規約（第1.0版）"),
    "ODbL-1.0": "Open Data Commons Open Database License",
}


class Group(models.Model):
    """A category (CKAN group), e.g. 子育て, 防災, 観光."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField("名前（英数字）", max_length=100, unique=True, validators=[NAME_VALIDATOR])
    title = models.CharField("分類名", max_length=100)
    description = models.TextField("説明", blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]
        verbose_name = verbose_name_plural = "分類"

    def __str__(self) -> str:
        return self.title


class Tag(models.Model):
    name = models.CharField("タグ", max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = verbose_name_plural = "タグ"

    def __str__(self) -> str:
        return self.name


class Dataset(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("下書き（非公開）")
        ACTIVE = "active", _("公開中")
        DELETED = "deleted", _("削除済み")

    class Frequency(models.TextChoices):
        IRREGULAR = "随時", _("随時")
        DAILY = "毎日", _("毎日")
        WEEKLY = "毎週", _("毎週")
        MONTHLY = "毎月", _("毎月")
        QUARTERLY = "四半期", _("四半期ごと")
        YEARLY = "毎年", _("毎年")
        NEVER = "更新なし", _("更新なし")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField("URL名（英数字）", max_length=100, unique=True, validators=[NAME_VALIDATOR])
    title = models.CharField("タイトル", max_length=200)
    notes = models.TextField("説明", blank=True)
    department = models.ForeignKey(
        Department, verbose_name="公開部署", on_delete=models.PROTECT, related_name="datasets"
    )
    tags = models.ManyToManyField(Tag, verbose_name="タグ", blank=True, related_name="datasets")
    groups = models.ManyToManyField(Group, verbose_name="分類", blank=True, related_name="datasets")
    license_id = models.CharField(
        "ライセンス", max_length=20, default="CC-BY-4.0", choices=[(k, v[0]) for k, v in LICENSES.items()]
    )
    attribution = models.CharField("出典の表示", max_length=200, default="江東区")
    update_frequency = models.CharField(
        "更新頻度", max_length=10, choices=Frequency.choices, default=Frequency.IRREGULAR
    )
    spatial = models.CharField("対象地域", max_length=200, default="東京都江東区", blank=True)
    temporal_start = models.DateField("対象期間（開始）", null=True, blank=True)
    temporal_end = models.DateField("対象期間（終了）", null=True, blank=True)
    maintainer = models.CharField("問い合わせ先", max_length=200, blank=True)
    maintainer_email = models.EmailField("問い合わせ先メール", blank=True)
    standard_dataset = models.CharField("準拠する自治体標準オープンデータセット", max_length=50, blank=True)
    url = models.URLField("関連ページ", blank=True)
    version = models.CharField("版", max_length=50, blank=True)
    extras = models.JSONField("追加項目", default=list, blank=True)
    state = models.CharField("状態", max_length=10, choices=State.choices, default=State.DRAFT, db_index=True)
    issued = models.DateTimeField("公開日", null=True, blank=True)
    metadata_created = models.DateTimeField("作成日時", auto_now_add=True)
    metadata_modified = models.DateTimeField("更新日時", auto_now=True, db_index=True)

    class Meta:
        ordering = ["-metadata_modified"]
        verbose_name = verbose_name_plural = "データセット"
        permissions = [("publish_dataset", "データセットを公開できる")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        return self.state == self.State.ACTIVE

    @property
    def license_title(self) -> str:
        return LICENSES.get(self.license_id, (self.license_id, ""))[0]

    @property
    def license_url(self) -> str:
        return LICENSES.get(self.license_id, ("", ""))[1]

    @property
    def license_label(self) -> str:
        """The licence's name in the page's language (license_title stays Japanese for CKAN and DCAT)."""
        return str(LICENSE_LABELS.get(self.license_id, self.license_title))

    @property
    def license_link(self) -> str:
        """The licence's page in the page's language where the licensor has one (Creative Commons)."""
        url = self.license_url
        if url.endswith("/deed.ja") and (get_language() or "ja") != "ja":
            url = url[: -len("ja")] + "en"
        return url

    @property
    def formats(self) -> list[str]:
        return sorted(
            {r.format.upper() for r in self.resources.all() if r.format and r.state == Resource.State.ACTIVE}
        )

    @property
    def standard_dataset_title(self) -> str:
        from kotodx.opendata.validation import schema_names

        return dict(schema_names()).get(self.standard_dataset, self.standard_dataset)

    @property
    def five_star(self) -> int:
        """Tim Berners-Lee's 5-star scheme from the formats offered (3 for an open tabular format)."""
        formats = {r.format.upper() for r in self.resources.all() if r.state == Resource.State.ACTIVE}
        if not formats or self.license_id not in OPEN_LICENSES:
            return 0
        if formats & {"RDF", "TTL", "JSON-LD", "JSONLD"}:
            return 4
        if formats & {"CSV", "JSON", "GEOJSON", "XML", "TSV"}:
            return 3
        if formats & {"XLSX", "XLS", "ODS"}:
            return 2
        return 1


class Resource(models.Model):
    class State(models.TextChoices):
        ACTIVE = "active", "公開"
        DELETED = "deleted", "削除済み"

    class Validation(models.TextChoices):
        NONE = "", _("未検証")
        PENDING = "pending", _("検証中")
        VALID = "valid", _("適合")
        INVALID = "invalid", _("エラーあり")
        OVERRIDDEN = "overridden", _("エラーを承知で公開")
        ERROR = "error", _("検証できませんでした")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="resources")
    position = models.PositiveIntegerField(default=0)
    name = models.CharField("名前", max_length=200)
    description = models.TextField("説明", blank=True)
    url = models.URLField("外部のURL", max_length=1000, blank=True)
    format = models.CharField("形式", max_length=20, blank=True)
    mimetype = models.CharField(max_length=100, blank=True)
    size = models.BigIntegerField(null=True, blank=True)
    hash = models.CharField(max_length=80, blank=True)
    encoding = models.CharField("文字コード", max_length=30, blank=True)
    schema = models.CharField("スキーマ", max_length=50, blank=True)
    validation_status = models.CharField(
        "検証", max_length=20, choices=Validation.choices, blank=True, default=""
    )
    validation_override_reason = models.TextField("エラーを承知で公開した理由", blank=True)
    current_version = models.ForeignKey(
        "ResourceVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    datastore_table = models.CharField(max_length=63, blank=True)
    datastore_fields = models.JSONField(default=list, blank=True)
    row_count = models.PositiveIntegerField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.ACTIVE)
    created = models.DateTimeField(auto_now_add=True)
    last_modified = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["dataset", "position", "created"]
        verbose_name = verbose_name_plural = "リソース"

    def __str__(self) -> str:
        return self.name

    @property
    def is_upload(self) -> bool:
        return not self.url

    @property
    def datastore_active(self) -> bool:
        return bool(self.datastore_table)


class ResourceVersion(models.Model):
    """One uploaded file of a resource. The published one is Resource.current_version; a new file is
    validated first, and the previous version stays published until a valid one replaces it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("検証待ち")
        VALID = "valid", _("適合")
        INVALID = "invalid", _("エラーあり")
        UNREADABLE = "unreadable", _("読めないファイル")
        PUBLISHED = "published", _("公開中")
        RETIRED = "retired", _("過去の版")

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField("版")
    file = models.FileField(upload_to="opendata/%Y/%m/")
    original_name = models.CharField("ファイル名", max_length=255)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    encoding = models.CharField(max_length=20, blank=True)
    encoding_label = models.CharField("文字コード", max_length=30, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    report = models.JSONField(null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["resource", "-number"]
        constraints = [models.UniqueConstraint(fields=["resource", "number"], name="resource_version_unique")]

    def __str__(self) -> str:
        return f"{self.resource} 第{self.number}版"


class SearchTerm(models.Model):
    """The inverted index of the Japanese search: one row per dataset and term, weighted by where the
    term occurs (title 10, tag 5, resource name 3, organisation 2, description 1)."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="search_terms")
    term = models.CharField(max_length=100)
    weight = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["dataset", "term"], name="search_term_unique")]
        # A word's datasets and weights read from the index alone (3x faster than a lookup per row).
        indexes = [models.Index(fields=["term", "dataset", "weight"], name="search_term_lookup")]

    def __str__(self) -> str:
        return self.term


class DownloadCount(models.Model):
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="downloads")
    month = models.DateField("月")
    count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-month"]
        constraints = [models.UniqueConstraint(fields=["resource", "month"], name="download_count_unique")]

    def __str__(self) -> str:
        return f"{self.resource} {self.month:%Y-%m}: {self.count}"


class CatalogVersion(models.Model):
    """One row whose value changes with every write of what a search reads (datasets, resources, tags,
    categories, their links, the search index, departments). Database triggers change it (see
    opendata.generation), so cached search results of every process know when they are stale."""

    id = models.PositiveSmallIntegerField(primary_key=True)
    value = models.BigIntegerField()

    def __str__(self) -> str:
        return str(self.value)
