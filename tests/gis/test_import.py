"""Importing layers: GeoJSON with bad input, CSV rows, an open data resource kept in sync."""

import json

import pytest

from kotodx.gis import services
from kotodx.gis.models import Feature, Layer
from tests.conftest import client_for


def fc(*geoms):
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "geometry": g, "properties": {"n": i}} for i, g in enumerate(geoms)
            ],
        }
    )


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{not json", "GeoJSON として読めません"),
        ('{"type": "Point", "coordinates": [139.8, 35.6]}', "FeatureCollection か Feature"),
        (fc({"type": "Point", "coordinates": [35.65, 139.8]}), "緯度と経度が逆"),
        (fc({"type": "Point", "coordinates": [2.35, 48.85]}), "日本の範囲外"),
        (fc({"type": "Point", "coordinates": "x"}), "読めません"),
        ('{"type": "FeatureCollection", "features": []}', "1つもありません"),
    ],
)
def test_bad_geojson_is_refused_with_the_reason(text, words):
    with pytest.raises(services.ImportProblem) as info:
        services.features_from_geojson(text)
    assert words in " ".join(info.value.messages)


def test_self_intersecting_polygon_is_repaired_and_said_so():
    bowtie = {
        "type": "Polygon",
        "coordinates": [
            [[139.80, 35.64], [139.82, 35.66], [139.82, 35.64], [139.80, 35.66], [139.80, 35.64]]
        ],
    }
    items, notes = services.features_from_geojson(fc(bowtie))
    assert items[0][0].is_valid and "修復しました" in notes[0] and "Self-intersection" in notes[0]


def test_csv_rows_become_points_and_rows_without_position_are_reported():
    items, notes = services.features_from_rows(
        ["名称", "緯度", "経度"], [["A", "35.65", "139.80"], ["B", "", ""], ["", "", ""]]
    )
    assert len(items) == 1 and items[0][0].x == 139.80 and "3行目" in notes[0]
    with pytest.raises(services.ImportProblem, match="緯度・経度の列も住所の列もない"):
        services.features_from_rows(["名称", "電話"], [["A", "03"]])


def test_failed_import_keeps_the_old_features(personas):
    from shapely.geometry import Point

    from tests.gis.conftest import make_layer

    layer = make_layer("keep", personas.dept_a, "public", [(Point(139.8, 35.65), {"名称": "元"})])
    with pytest.raises(services.ImportProblem):
        items, _ = services.features_from_geojson(fc({"type": "Point", "coordinates": [35.65, 139.8]}))
        services.layer_replace_features(layer=layer, items=items, actor=None)
    assert [f.properties["名称"] for f in Feature.objects.filter(layer=layer)] == ["元"]


def test_layer_from_open_data_follows_new_versions(personas, django_capture_on_commit_callbacks):
    from kotodx.opendata import services as od
    from tests.opendata.conftest import KOTO, make_dataset

    dataset = make_dataset("libs", "図書館一覧", personas.dept_a)
    resource = od.resource_create(dataset=dataset, name="図書館", actor=None)
    data = (KOTO / "koto-library.csv").read_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        od.resource_upload(resource=resource, filename="lib.csv", data=data, actor=None)
    resource.refresh_from_db()
    layer = services.layer_create(
        actor=None,
        data={
            "name": "libs",
            "title": "図書館",
            "department": personas.dept_a,
            "visibility": "public",
            "source": "opendata",
            "source_resource": resource,
        },
    )
    services.layer_sync_from_resource(layer=layer, actor=None)
    assert Layer.objects.get(pk=layer.pk).feature_count == 12
    shorter = "\r\n".join(data.decode("utf-8").split("\r\n")[:6]).encode("utf-8")  # header + 5 libraries
    with django_capture_on_commit_callbacks(execute=True):
        od.resource_upload(resource=resource, filename="lib.csv", data=shorter, actor=None)
    assert Layer.objects.get(pk=layer.pk).feature_count == 5


def test_cli_import_geojson_and_bad_file(personas, tmp_path, capsys):
    from django.core.management import call_command

    good = tmp_path / "aed.geojson"
    good.write_text(fc({"type": "Point", "coordinates": [139.8, 35.65]}), encoding="utf-8")
    call_command(
        "gis", "import", str(good), "--layer", "aed", "--department", "kosodate", "--visibility", "public"
    )
    assert '"features": 1' in capsys.readouterr().out
    bad = tmp_path / "bad.geojson"
    bad.write_text(fc({"type": "Point", "coordinates": [35.65, 139.8]}), encoding="utf-8")
    with pytest.raises(SystemExit) as info:
        call_command("gis", "import", str(bad), "--layer", "aed")
    assert info.value.code == 1 and "緯度と経度が逆" in capsys.readouterr().err
    assert Layer.objects.get(name="aed").feature_count == 1  # the old features stay


def test_features_are_stored_near_their_map_neighbours_and_keep_their_fids(personas):
    """Stored in Z-order (neighbours on the map are neighbours on disk, for bbox reads), fids as given."""
    from shapely.geometry import Point

    layer = services.layer_create(
        actor=None,
        data={"name": "grid", "title": "格子", "department": personas.dept_a, "visibility": "public"},
    )
    # a 4 × 4 grid given row by row, west to east
    items = [
        (Point(139.80 + x * 0.01, 35.60 + y * 0.01), {"x": x, "y": y}) for y in range(4) for x in range(4)
    ]
    services.layer_replace_features(layer=layer, items=items, actor=None)
    stored = list(Feature.objects.filter(layer=layer).order_by("id"))
    assert [f.fid for f in sorted(stored, key=lambda f: f.fid)] == list(range(1, 17))
    assert all(f.properties == items[f.fid - 1][1] for f in stored)  # each fid keeps its own feature
    # on disk, each 2 × 2 quarter of the grid comes together, south-west first
    quarters = [
        {(f.properties["x"] // 2, f.properties["y"] // 2) for f in stored[i : i + 4]} for i in (0, 4, 8, 12)
    ]
    assert quarters == [{(0, 0)}, {(1, 0)}, {(0, 1)}, {(1, 1)}]
    page = (
        client_for(None).get("/ogc/collections/grid/items", {"bbox": "139.795,35.595,139.835,35.615"}).json()
    )
    assert [f["id"] for f in page["features"]] == [1, 2, 3, 4, 5, 6, 7, 8]  # still answered in fid order
