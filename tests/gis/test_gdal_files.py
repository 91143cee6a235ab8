"""Layers from GeoPackage, zipped Shapefile (with and without .cpg) and other GDAL files, read in memory by
pyogrio: coordinates from the file's CRS to JGD2011 lon/lat, Japanese attributes intact, bad files refused
with the reason, the CLI and the staff page using the same reader."""

import io
import json
import zipfile

import numpy as np
import pyogrio.raw
import pytest
import shapely
from django.core.management import call_command

from kotodx.gis import services
from kotodx.gis.models import Layer

# 豊洲 (139.7925, 35.6535) in EPSG:6677 (x = easting, y = northing), see docs/reference.md
TOYOSU_6677 = (-3697.352, -38441.570)


def write(path, driver, crs="EPSG:6677", points=(TOYOSU_6677, (-3600.0, -38400.0)), **kw):
    geoms = np.array([shapely.to_wkb(shapely.Point(*p)) for p in points], dtype=object)
    names = np.array(["豊洲公園", "近くの図書館"][: len(points)], dtype=object)
    seats = np.array([120, 45][: len(points)])
    pyogrio.raw.write(
        str(path),
        geoms,
        [names, seats],
        ["名称", "席数"],
        crs=crs,
        driver=driver,
        geometry_type="Point",
        **kw,
    )
    return path


def zipped(folder, drop=()):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for f in sorted(folder.iterdir()):
            if f.suffix not in drop:
                zf.write(f, f.name)
    return buf.getvalue()


def test_geopackage_in_a_metric_crs_becomes_lon_lat(tmp_path):
    data = write(tmp_path / "parks.gpkg", "GPKG").read_bytes()
    items, notes, source = services.features_from_file("parks.gpkg", data)
    assert source == Layer.Source.FILE and len(items) == 2
    point, props = items[0]
    assert abs(point.x - 139.7925) < 1e-6 and abs(point.y - 35.6535) < 1e-6
    assert props == {"名称": "豊洲公園", "席数": 120}


def test_zipped_shapefile_with_and_without_cpg(tmp_path):
    (tmp_path / "utf8").mkdir()
    write(tmp_path / "utf8" / "a.shp", "ESRI Shapefile", encoding="UTF-8")
    items, notes, _ = services.features_from_file("a.zip", zipped(tmp_path / "utf8"))
    assert items[1][1]["名称"] == "近くの図書館" and not notes
    # Shift_JIS attributes and no .cpg, as many municipal Shapefiles come
    (tmp_path / "sjis").mkdir()
    write(tmp_path / "sjis" / "b.shp", "ESRI Shapefile", encoding="cp932")
    items, notes, _ = services.features_from_file("b.zip", zipped(tmp_path / "sjis", drop={".cpg"}))
    assert items[0][1]["名称"] == "豊洲公園" and "Shift_JIS" in notes[0]


def test_file_without_crs_is_read_as_lon_lat_and_said_so(tmp_path):
    data = write(tmp_path / "nocrs.gpkg", "GPKG", crs=None, points=((139.8, 35.66),)).read_bytes()
    items, notes, _ = services.features_from_file("nocrs.gpkg", data)
    assert items[0][0].x == 139.8 and "座標系の指定がない" in " ".join(notes)


@pytest.mark.parametrize(
    ("name", "make", "says"),
    [
        ("broken.gpkg", lambda p: b"not a geopackage at all", "読めません"),
        ("a.shp", lambda p: b"\x00" * 100, "ZIP にして"),
        ("a.zip", lambda p: b"PK not really", "ZIP ファイルとして読めません"),
        ("a.zip", lambda p: zipped_text(), "Shapefile（.shp）がありません"),
        ("a.xlsx", lambda p: b"x", "対応していない種類"),
        ("empty.gpkg", lambda p: b"", "空です"),
        (
            "far.gpkg",
            lambda p: write(p / "far.gpkg", "GPKG", "EPSG:4326", ((2.35, 48.85),)).read_bytes(),
            "日本の範囲外",
        ),
    ],
)
def test_bad_files_are_refused_with_the_reason(tmp_path, name, make, says):
    with pytest.raises(services.ImportProblem) as info:
        services.features_from_file(name, make(tmp_path))
    assert says in " ".join(info.value.messages)


def zipped_text():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("readme.txt", "no shapefile here")
    return buf.getvalue()


def test_cli_imports_a_geopackage_and_the_ogc_api_serves_it(tmp_path, personas, capsys):
    path = write(tmp_path / "parks.gpkg", "GPKG")
    call_command(
        "gis",
        "import",
        str(path),
        "--layer",
        "gpkg-parks",
        "--department",
        personas.dept_a.code,
        "--visibility",
        "public",
    )
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1]) == {
        "layer": "gpkg-parks",
        "features": 2,
    }
    from tests.conftest import client_for

    body = client_for(None).get("/ogc/collections/gpkg-parks/items").json()
    lon, lat = body["features"][0]["geometry"]["coordinates"]
    assert abs(lon - 139.7925) < 1e-6 and abs(lat - 35.6535) < 1e-6
    assert Layer.objects.get(name="gpkg-parks").source == Layer.Source.FILE
