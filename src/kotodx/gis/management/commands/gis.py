"""``kotodx gis``: the integrated GIS on the console.

``kotodx gis geocode "江東区東陽4-11-28"`` prints ``{"lat", "lon", "town", "level", "normalized"}`` as
JSON and exits 0, or says in Japanese on stderr that nothing matched and exits 1.
``kotodx gis reverse LAT LON`` prints the nearest town ``{"town", "lat", "lon", "distance_m"}`` as JSON,
or exits 1 when the point is outside Koto City.

Subcommands are methods named in :attr:`Command.subcommands`; a new one adds its parser in
:meth:`Command.add_arguments` and its method there.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand

from kotodx.gis import geocoder

GEOCODE_FIELDS = ("lat", "lon", "town", "level", "normalized")


class Command(BaseCommand):
    help = "統合型GIS: 住所から位置を求めます（geocode）。位置から町丁目を求めます（reverse）。"
    requires_system_checks: list[str] = []  # reads the shipped data only: no database

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{geocode,reverse,import}")
        geocode = sub.add_parser(
            "geocode",
            help="江東区内の住所の位置をJSONで出力する（終了コード 0: 見つかった、1: 見つからない）",
        )
        geocode.add_argument("address", help="住所（例: 江東区東陽4-11-28）")
        reverse = sub.add_parser(
            "reverse", help="緯度経度に最も近い町丁目をJSONで出力する（終了コード 1: 江東区の外）"
        )
        reverse.add_argument("lat", type=float, help="緯度（JGD2011、度）")
        reverse.add_argument("lon", type=float, help="経度（JGD2011、度）")
        imp = sub.add_parser("import", help="GeoJSON または CSV（緯度・経度か住所）をレイヤとして取り込む")
        imp.add_argument(
            "file",
            help="ファイルのパス（.geojson/.json、.csv（UTF-8 か Shift_JIS）、.gpkg、"
            "Shapefile の .zip、.fgb、.kml）",
        )
        imp.add_argument(
            "--layer", required=True, help="コレクションID（例: koto-aed）。あれば地物を置き換える"
        )
        imp.add_argument("--title", default="", help="レイヤ名（新しく作るとき）")
        imp.add_argument("--department", default="joho-system", help="所管部署のコード")
        imp.add_argument("--visibility", default="department", choices=["public", "ward", "department"])

    @property
    def subcommands(self) -> dict[str, Callable[..., None]]:
        return {"geocode": self.geocode, "reverse": self.reverse, "import": self.import_file}

    def handle(self, *args: Any, **options: Any) -> None:
        self.subcommands[options["subcommand"]](**options)

    def geocode(self, *, address: str, **_: Any) -> None:
        match = geocoder.geocode(address)
        if match is None:
            self.stderr.write(f"「{address}」は江東区内の住所として見つかりませんでした。")
            sys.exit(1)
        data = match.to_dict()
        self._print({k: data[k] for k in GEOCODE_FIELDS})

    def reverse(self, *, lat: float, lon: float, **_: Any) -> None:
        town = geocoder.reverse(lat, lon)
        if town is None:
            self.stderr.write(f"緯度 {lat}、経度 {lon} は江東区の区域外です。")
            sys.exit(1)
        self._print(town)

    def import_file(
        self, *, file: str, layer: str, title: str, department: str, visibility: str, **_: Any
    ) -> None:
        """All or nothing: a file with a problem leaves the layer as it was (exit 1, message on stderr)."""
        from pathlib import Path

        from django.db import transaction

        from kotodx.core.models import Department
        from kotodx.gis import services
        from kotodx.gis.models import Layer
        from kotodx.opendata.validation import FileProblem

        path = Path(file)
        try:
            items, notes, source = services.features_from_file(path.name, path.read_bytes())
            with transaction.atomic():
                target = Layer.objects.filter(name=layer).first() or services.layer_create(
                    actor=None,
                    data={
                        "name": layer,
                        "title": title or layer,
                        "visibility": visibility,
                        "department": Department.objects.get(code=department),
                        "source": source,
                    },
                )
                count = services.layer_replace_features(
                    layer=target, items=items, actor=None, note=f"kotodx gis import {path.name}"
                )
        except (OSError, FileProblem, services.ImportProblem, Department.DoesNotExist) as exc:
            message = " ".join(getattr(exc, "messages", [str(exc)]))
            self.stderr.write(f"{file} を取り込めませんでした: {message}")
            sys.exit(1)
        for note in notes:
            self.stdout.write(f"注意: {note}")
        self._print({"layer": layer, "features": count})

    def _print(self, data: dict[str, Any]) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False))
