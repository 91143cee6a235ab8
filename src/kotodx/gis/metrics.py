"""Figures the integrated GIS gives the plan hub (individual measures 5, 11, 13)."""

from __future__ import annotations

from kotodx.core.fiscal import FiscalYear
from kotodx.gis.models import Layer
from kotodx.plan.metrics import metric


@metric("gis.public_layers", label="公開している地図レイヤ数", unit="レイヤ")
def public_layers(fy: FiscalYear) -> int:
    return Layer.objects.filter(visibility=Layer.Visibility.PUBLIC).count()


@metric("gis.shared_layers", label="全庁で共有している地図レイヤ数", unit="レイヤ")
def shared_layers(fy: FiscalYear) -> int:
    return Layer.objects.exclude(visibility=Layer.Visibility.DEPARTMENT).count()


def _features(prefix: str) -> int | None:
    layers = Layer.objects.filter(name__startswith=prefix)
    return sum(layer.feature_count for layer in layers) if layers.exists() else None


@metric("gis.wifi_spots", label="公衆無線LANスポット数（地図レイヤ）", unit="か所")
def wifi_spots(fy: FiscalYear) -> int | None:
    return _features("koto-wifi")


@metric("gis.mynaportal_pcs", label="マイナポータル用支援パソコンの設置場所数（地図レイヤ）", unit="か所")
def mynaportal_pcs(fy: FiscalYear) -> int | None:
    return _features("mynaportal-pc")
