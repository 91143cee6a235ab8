"""Demo layers: the ward outline and town points (real, MLIT/Geolonia), Koto's facility CSVs from the
open data demo (parks, libraries, children's clubs; kept in sync with their resources), and clearly
labelled demo layers of public Wi-Fi spots, Mynaportal support PCs and an internal layer."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any, TextIO

from shapely.geometry import Point, shape

from kotodx.core.models import Department, User
from kotodx.gis import services
from kotodx.gis.models import Layer
from kotodx.opendata.models import Resource

DATA = Path(__file__).parent / "data"
V = Layer.Visibility
# Each demo layer's colour on the map; every one has at least 3:1 contrast with white (WCAG 1.4.11).
STYLES = {
    "koto-ward-outline": {"color": "#1a1a1c", "weight": 3, "fillOpacity": 0},
    "koto-towns": {"color": "#595959", "radius": 3},
    "koto-parks": {"color": "#115a36"},
    "koto-libraries": {"color": "#6b0077"},
    "koto-child-centers": {"color": "#8a5300"},
    "koto-wifi-demo": {"color": "#0017c1"},
    "mynaportal-pc-demo": {"color": "#ce0000", "radius": 8},
    "hydrants-internal-demo": {"color": "#00428c", "radius": 4},
}


def _layer(
    name: str,
    title: str,
    dept: str,
    visibility: str,
    source: str,
    *,
    actor: User | None,
    description: str = "",
    is_demo: bool = False,
    attribution: str = "",
    resource: Resource | None = None,
) -> tuple[Layer, bool]:
    layer = Layer.objects.filter(name=name).first()
    if layer is not None:
        return layer, False
    return services.layer_create(
        actor=actor,
        data={
            "name": name,
            "title": title,
            "department": Department.objects.get(code=dept),
            "visibility": visibility,
            "source": source,
            "description": description,
            "is_demo": is_demo,
            "attribution": attribution,
            "source_resource": resource,
            "style": STYLES.get(name, {}),
        },
    ), True


def load(*, actor: User | None, stdout: TextIO, **_: Any) -> None:
    outline, new = _layer(
        "koto-ward-outline",
        "江東区の区域",
        "joho-system",
        V.PUBLIC,
        Layer.Source.BUILTIN,
        actor=actor,
        attribution="「国土数値情報（行政区域データ）」（国土交通省）",
    )
    if new:
        doc = json.loads((DATA / "koto_ward_boundary.geojson").read_text(encoding="utf-8"))
        items, _notes = services.features_from_geojson(json.dumps(doc))
        services.layer_replace_features(layer=outline, items=items, actor=actor)
    towns_layer, new = _layer(
        "koto-towns",
        "町丁目の代表点",
        "joho-system",
        V.PUBLIC,
        Layer.Source.BUILTIN,
        actor=actor,
        attribution="「位置参照情報」（国土交通省）、Geolonia",
    )
    town_points: list[tuple[float, float, str]] = []
    towns = json.loads((DATA / "koto_towns.json").read_text(encoding="utf-8"))
    for t in towns.get("towns", []):
        lat, lng = t.get("lat"), t.get("lng", t.get("lon"))
        if lat is not None and lng is not None:
            town_points.append((float(lng), float(lat), f"{t.get('town', '')}{t.get('koaza', '')}"))
    if new:
        services.layer_replace_features(
            layer=towns_layer,
            actor=actor,
            items=[(Point(x, y), {"名称": name}) for x, y, name in town_points],
        )
    for name, title, dept, dataset in (
        ("koto-parks", "公園", "kasen-koen", "koto-parks"),
        ("koto-libraries", "図書館", "bunka", "koto-libraries"),
        ("koto-child-centers", "児童館・学童クラブ", "kosodate", "koto-child-centers"),
    ):
        resource = Resource.objects.filter(dataset__name=dataset, current_version__isnull=False).first()
        if resource is None:
            continue
        layer, new = _layer(
            name,
            title,
            dept,
            V.PUBLIC,
            Layer.Source.OPENDATA,
            actor=actor,
            resource=resource,
            attribution="江東区（CC BY 4.0）",
            description=f"オープンデータ「{resource.dataset.title}」から作成",
        )
        if new:
            services.layer_sync_from_resource(layer=layer, actor=actor)
    rnd = random.Random(131083)
    area = shape(
        json.loads((DATA / "koto_ward_boundary.geojson").read_text(encoding="utf-8"))["features"][0][
            "geometry"
        ]
    )
    demo_sets = [
        ("koto-wifi-demo", "公衆無線LANスポット（デモ）", "joho-system", V.PUBLIC, 40, "Koto_Free_Wi-Fi"),
        ("mynaportal-pc-demo", "マイナポータル用支援パソコン（デモ）", "koseki-jumin", V.PUBLIC, 8, "支援PC"),
        ("hydrants-internal-demo", "消火栓の点検記録（デモ・庁内）", "bosai", V.WARD, 60, "消火栓"),
    ]
    for name, title, dept, visibility, n, label in demo_sets:
        layer, new = _layer(
            name,
            title,
            dept,
            visibility,
            Layer.Source.GEOJSON,
            actor=actor,
            is_demo=True,
            description="デモ用に作った架空のデータです。区の実際の設置場所ではありません。",
        )
        if new:
            picks = rnd.sample([p for p in town_points if area.contains(Point(p[0], p[1]))], n)
            services.layer_replace_features(
                layer=layer,
                actor=actor,
                items=[
                    (
                        Point(x + rnd.uniform(-0.001, 0.001), y + rnd.uniform(-0.001, 0.001)),
                        {"名称": f"{town}{label}", "住所": f"江東区{town}", "デモ": "はい"},
                    )
                    for x, y, town in picks
                ],
            )
    stdout.write(
        f"レイヤ {Layer.objects.count()} 件（公開 {Layer.objects.filter(visibility=V.PUBLIC).count()} 件）\n"
    )
