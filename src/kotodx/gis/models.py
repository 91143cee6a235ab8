"""Shared spatial layers and their features. Geometries are WKB in JGD2011 lon/lat (EPSG:6668) with a
bounding box per feature, indexed by an R*Tree on SQLite and a GiST box index on PostgreSQL (migration
0002), so a bbox query is an index lookup on both."""

from __future__ import annotations

from django.db import models

from kotodx.core.models import Department


class Layer(models.Model):
    class Visibility(models.TextChoices):
        PUBLIC = "public", "公開（区民も見られる）"
        WARD = "ward", "庁内（全職員）"
        DEPARTMENT = "department", "所管部署のみ"

    class Source(models.TextChoices):
        GEOJSON = "geojson", "GeoJSON ファイル"
        CSV = "csv", "CSV（緯度・経度または住所）"
        FILE = "file", "GeoPackage・Shapefile など"
        OPENDATA = "opendata", "オープンデータのリソース"
        BUILTIN = "builtin", "区の基盤データ"

    name = models.SlugField("コレクションID", max_length=80, unique=True)
    title = models.CharField("レイヤ名", max_length=200)
    description = models.TextField("説明", blank=True)
    department = models.ForeignKey(
        Department, verbose_name="所管部署", on_delete=models.PROTECT, related_name="layers"
    )
    visibility = models.CharField(
        "公開範囲", max_length=20, choices=Visibility.choices, default=Visibility.DEPARTMENT
    )
    geometry_type = models.CharField("ジオメトリの種類", max_length=30, blank=True)
    schema = models.JSONField(
        "属性", default=list, blank=True, help_text='[{"name": "名称", "type": "string"}]'
    )
    style = models.JSONField("表示スタイル", default=dict, blank=True)
    source = models.CharField("データの出所", max_length=20, choices=Source.choices, default=Source.GEOJSON)
    source_resource = models.ForeignKey(
        "opendata.Resource", null=True, blank=True, on_delete=models.SET_NULL, related_name="layers"
    )
    source_version = models.PositiveIntegerField(null=True, blank=True)
    is_demo = models.BooleanField("デモデータ", default=False)
    attribution = models.CharField("出典", max_length=300, blank=True)
    feature_count = models.PositiveIntegerField(default=0)
    minx = models.FloatField(null=True, blank=True)
    miny = models.FloatField(null=True, blank=True)
    maxx = models.FloatField(null=True, blank=True)
    maxy = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        verbose_name = verbose_name_plural = "レイヤ"
        permissions = [("manage_layer", "レイヤを作成・更新できる")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        return self.visibility == self.Visibility.PUBLIC

    @property
    def extent(self) -> list[float] | None:
        if self.minx is None:
            return None
        return [self.minx, self.miny, self.maxx, self.maxy]  # type: ignore[list-item]


class Feature(models.Model):
    # The R*Tree on SQLite is kept by triggers (migration 0002): a migration that makes SQLite rebuild this
    # table drops them. Change the table only with SeparateDatabaseAndState or re-create the triggers.
    layer = models.ForeignKey(Layer, on_delete=models.CASCADE, related_name="features")
    fid = models.PositiveIntegerField("地物ID")
    geometry = models.BinaryField("ジオメトリ（WKB, EPSG:6668）")
    minx = models.FloatField()
    miny = models.FloatField()
    maxx = models.FloatField()
    maxy = models.FloatField()
    properties = models.JSONField("属性", default=dict)

    class Meta:
        ordering = ["layer", "fid"]
        constraints = [models.UniqueConstraint(fields=["layer", "fid"], name="feature_fid_unique")]

    def __str__(self) -> str:
        return f"{self.layer.name}/{self.fid}"
