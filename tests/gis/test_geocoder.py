"""The Koto City geocoder on real data: the ward's own park and library addresses geocode to the town the
ward's coordinates are in; every notation of an address normalises the same; other places and nonsense
give None; reverse geocoding, metres (EPSG:6677) and the ``kotodx gis`` command."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
from dataclasses import FrozenInstanceError
from pathlib import Path

import pytest
from pyproj import Geod
from shapely.geometry import MultiPolygon, Point

from kotodx.gis import geocoder

DATA = Path(__file__).resolve().parents[1] / "data"  # tests/data/SOURCES.md
KOTO = DATA / "opendata" / "koto"
GIS = DATA / "gis"
FACILITY_FILES = ("koto-library.csv", "koto-park.csv")

TOYOSU = (139.7925, 35.6535)  # lon, lat (reference.md)
TOYOSU_6677 = (-3697.352, -38441.570)


def facility_rows() -> list[dict[str, str]]:
    rows = []
    for name in FACILITY_FILES:
        with (KOTO / name).open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                if row["住所"].strip():  # koto-library.csv ends with a blank row
                    rows.append({"file": name, **row})
    return rows


# --- the shipped data ---------------------------------------------------------------------------------


def test_town_data_is_the_159_geolonia_entries_with_attribution():
    shipped = json.loads((geocoder.TOWNS_FILE).read_text(encoding="utf-8"))
    source = json.loads((GIS / "geolonia_japanese-addresses_api_ja_tokyo_koto-ku.json").read_text("utf-8"))
    assert len(shipped["towns"]) == len(source) == 159
    for ours, theirs in zip(shipped["towns"], source, strict=True):
        assert (ours["town"], ours["koaza"], ours["lat"], ours["lng"]) == (
            theirs["town"],
            theirs["koaza"],
            theirs["lat"],
            theirs["lng"],
        )
        assert ours["has_coordinates"] is (theirs["lat"] is not None)
    missing = [t["town"] for t in shipped["towns"] if not t["has_coordinates"]]
    assert missing == ["海の森一丁目", "海の森二丁目", "海の森三丁目"]
    for credit in ("位置参照情報", "国土交通省", "Geolonia", "CC BY 4.0"):
        assert credit in shipped["attribution"]


def test_boundary_is_the_mlit_outline_with_its_credit():
    shipped = json.loads(geocoder.BOUNDARY_FILE.read_text(encoding="utf-8"))
    source = json.loads((GIS / "koto_ward_boundary_N03-21_s0010.geojson").read_text(encoding="utf-8"))
    assert shipped["features"] == source["features"]
    assert "「国土数値情報（行政区域データ）」（国土交通省）" in shipped["attribution"]


def test_towns_table():
    table = geocoder.towns()
    assert len(table) == 159
    assert all(set(row) == {"name", "lat", "lon"} for row in table)
    assert {"name": "東陽四丁目", "lat": 35.671936, "lon": 139.817849} in table
    assert sum(row["lat"] is None for row in table) == 3


def test_ward_outline_is_koto_in_lon_lat():
    outline = geocoder.ward_outline()
    assert isinstance(outline, MultiPolygon) and len(outline.geoms) == 9 and outline.is_valid
    minx, miny, maxx, maxy = outline.bounds
    assert 139.75 < minx < maxx < 139.88 and 35.55 < miny < maxy < 35.72  # lon, lat order
    assert outline.contains(Point(139.817849, 35.671936))  # 東陽四丁目 (the ward office)
    # Koto City is about 43 km² (MLIT N03 2021); measured on the EPSG:6677 plane
    from shapely import transform

    metric = transform(outline, lambda xy: [geocoder.to_metric(x, y) for x, y in xy])
    assert 42e6 < metric.area < 44e6


# --- the ward's own facility addresses ----------------------------------------------------------------


def test_facility_addresses_geocode_near_the_wards_coordinates():
    rows = facility_rows()
    assert len(rows) == 12 + 171
    matched, distances = 0, []
    for row in rows:
        match = geocoder.geocode(row["住所"])
        if match is None:
            continue
        matched += 1
        # the town name (without its 丁目) is written in the address
        base = match.town.split("丁目")[0].rstrip("一二三四五六七八九十")
        assert base and base in row["住所"], (row["住所"], match.town)
        d = geocoder.distance_m(match.lon, match.lat, float(row["経度"]), float(row["緯度"]))
        assert d < 1500, (row["名称"], row["住所"], match.town, round(d))
        distances.append(d)
    # measured: 183 of 183 geocode at level "chome"; median 181 m, max 1,098 m (新砂三丁目)
    assert matched / len(rows) >= 0.95
    assert sorted(distances)[len(distances) // 2] < 400


@pytest.mark.parametrize(
    ("address", "town", "rest"),
    [
        ("江東区清澄2-11-5", "清澄二丁目", "11-5"),
        ("江東区南砂6-7-52", "南砂六丁目", "7-52"),
        ("江東区東雲2-7-5-201", "東雲二丁目", "7-5-201"),
        ("江東区新木場1-10-3", "新木場一丁目", "10-3"),  # not 木場一丁目
        ("江東区木場3-6-9", "木場三丁目", "6-9"),
        ("江東区門前仲町1-20-1先", "門前仲町一丁目", "20-1先"),
        ("江東区石島18-23", "石島", "18-23"),  # no 丁目: the first number is the 番地
        ("江東区冬木1-12、冬木6-23", "冬木", "1-12、冬木6-23"),
        ("江東区千田16-5", "千田", "16-5"),
        ("江東区立白河1-5-4", "白河一丁目", "5-4"),  # the slip in koto-park.csv
        ("江東区辰巳1-10", "辰巳一丁目", "10"),
        ("江東区若洲3-2-1", "若洲三丁目", "2-1"),
    ],
)
def test_real_addresses_give_the_right_town(address, town, rest):
    match = geocoder.geocode(address)
    assert match is not None and (match.town, match.level, match.rest) == (town, "chome", rest)


def test_every_town_of_the_data_is_found_by_name_and_by_hyphen_notation():
    for row in geocoder.towns():
        name = row["name"]
        match = geocoder.geocode("江東区" + name)
        assert match is not None and match.town == name, name
        assert match.level == ("ward" if row["lat"] is None else "chome")
        if row["lat"] is not None:
            assert (match.lat, match.lon) == (row["lat"], row["lon"])
    # 丁目 in digits, hyphen notation: 南砂/北砂/東砂/新砂, 新木場/木場, 東雲/東陽 … each to its own
    digits = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
    for row in geocoder.towns():
        name = row["name"]
        if name.endswith("丁目") and row["lat"] is not None:
            base, number = name[:-3], digits[name[-3]]
            match = geocoder.geocode(f"{base}{number}-3-5")
            assert match is not None and (match.town, match.rest) == (name, "3-5"), name
            assert match.normalized == f"東京都江東区{name}3-5"


# --- notations ------------------------------------------------------------------------------------------

WARD_OFFICE = "東京都江東区東陽四丁目11-28"


@pytest.mark.parametrize(
    "address",
    [
        "東京都江東区東陽四丁目11番28号",
        "江東区東陽4-11-28",
        "東陽４丁目１１－２８",
        "東陽四丁目11番地28",
        "江東区 東陽 4-11-28",
        "東京都　江東区　東陽４－１１－２８",
        "〒135-8383 東京都江東区東陽4丁目11番28号",
        "江東区東陽四丁目十一番二十八号",
        "江東区東陽4丁目11-28",
        "江東区東陽4丁目-11-28",
        "東京都江東区東陽4−11−28",
    ],
)
def test_notations_of_one_address_normalise_the_same(address):
    assert geocoder.normalize(address) == WARD_OFFICE
    match = geocoder.geocode(address)
    assert match is not None
    assert (match.town, match.level, match.rest, match.normalized) == (
        "東陽四丁目",
        "chome",
        "11-28",
        WARD_OFFICE,
    )


@pytest.mark.parametrize(
    "address",
    ["東陽4-2-3", "東陽四丁目２番地３", "東陽4丁目2番3号", "東陽四丁目2番地の3", "江東区東陽4の2の3"],
)
def test_banchi_notations(address):
    assert geocoder.normalize(address) == "東京都江東区東陽四丁目2-3"


@pytest.mark.parametrize("dash", ["－", "‐", "―", "ー", "ｰ", "−", "-"])
def test_hyphen_look_alikes_between_digits(dash):
    match = geocoder.geocode(f"江東区亀戸7{dash}39{dash}9")
    assert match is not None and match.normalized == "東京都江東区亀戸七丁目39-9"


@pytest.mark.parametrize(
    "spelling", ["夢の島2-1-1", "夢ノ島2-1-1", "夢之島2-1-1", "江東区夢の島二丁目1番1号"]
)
def test_no_variants(spelling):
    match = geocoder.geocode(spelling)
    assert match is not None and match.normalized == "東京都江東区夢の島二丁目1-1"


def test_old_kanji_forms():
    match = geocoder.geocode("江東区龜戸1-1")
    assert match is not None and match.town == "亀戸一丁目"


def test_normalize_leaves_other_places_readable():
    assert geocoder.normalize("千代田区 丸の内１丁目１番１号") == "千代田区丸の内1丁目1-1"


# --- levels ---------------------------------------------------------------------------------------------


def test_town_only_is_level_town_at_the_centroid_of_its_chome():
    match = geocoder.geocode("江東区豊洲")
    assert match is not None
    assert (match.level, match.town, match.normalized, match.rest) == ("town", "豊洲", "東京都江東区豊洲", "")
    points = [(r["lat"], r["lon"]) for r in geocoder.towns() if r["name"].startswith("豊洲")]
    assert len(points) == 6
    assert match.lat == pytest.approx(sum(p[0] for p in points) / 6, abs=1e-6)
    assert match.lon == pytest.approx(sum(p[1] for p in points) / 6, abs=1e-6)


def test_a_chome_the_town_does_not_have_is_level_town():
    match = geocoder.geocode("江東区東陽9-1-1")
    assert match is not None
    assert (match.level, match.town, match.normalized) == ("town", "東陽", "東京都江東区東陽九丁目1-1")


def test_ward_only_is_level_ward_inside_the_outline():
    match = geocoder.geocode("東京都江東区")
    assert match is not None and (match.level, match.town, match.normalized) == ("ward", "", "東京都江東区")
    assert geocoder.ward_outline().contains(Point(match.lon, match.lat))
    umi = geocoder.geocode("江東区海の森2丁目")  # a town of the ward the data have no point for
    assert umi is not None and (umi.level, umi.town) == ("ward", "海の森二丁目")


@pytest.mark.parametrize(
    "address",
    [
        "千代田区丸の内1-1",
        "東京都千代田区丸の内1-1",
        "港区台場1-1-1",
        "東京都大島町元町1-1",  # 伊豆大島, not 大島 in Koto
        "千葉県浦安市舞浜1-1",
        "江戸川区中央1-4-1",
    ],
)
def test_other_places_are_none(address):
    assert geocoder.geocode(address) is None


@pytest.mark.parametrize("text", ["", "   ", "あいうえお", "12345", "江東", "hello world", "東陽" * 1000])
def test_nonsense_is_none(text):
    assert geocoder.geocode(text) is None


def test_match_is_frozen_and_serialises():
    match = geocoder.geocode("江東区東陽4-11-28")
    assert match is not None
    assert match.to_dict() == {
        "lat": 35.671936,
        "lon": 139.817849,
        "town": "東陽四丁目",
        "level": "chome",
        "normalized": WARD_OFFICE,
        "rest": "11-28",
    }
    with pytest.raises(FrozenInstanceError):
        match.town = "x"  # type: ignore[misc]


def test_geocode_is_fast_after_the_first_call():
    addresses = [row["住所"] for row in facility_rows()]
    geocoder.geocode(addresses[0])  # loads the data
    geocoder._parse.cache_clear()  # time the parsing, not the cache
    start = time.perf_counter()
    for address in addresses:
        geocoder.geocode(address)
    per_call = (time.perf_counter() - start) / len(addresses)
    assert per_call < 0.001, per_call  # measured: about 0.01 ms


# --- reverse and metres ---------------------------------------------------------------------------------


def test_reverse_of_toyosu():
    lon, lat = TOYOSU
    town = geocoder.reverse(lat, lon)
    # 豊洲公園 (豊洲2-3-6) is at 35.653427, 139.793231 in koto-park.csv: the point is in 豊洲二丁目
    assert town is not None and town["town"] == "豊洲二丁目"
    assert set(town) == {"town", "lat", "lon", "distance_m"}
    expected = geocoder.distance_m(lon, lat, town["lon"], town["lat"])
    assert town["distance_m"] == pytest.approx(expected, abs=0.1) and 150 < town["distance_m"] < 250


def test_reverse_of_every_town_point_is_that_town():
    for row in geocoder.towns():
        if row["lat"] is None:
            continue
        town = geocoder.reverse(row["lat"], row["lon"])
        assert town is not None and town["town"] == row["name"] and town["distance_m"] == 0


def test_reverse_tolerates_the_water_edge_but_not_farther():
    # 青海二丁目地先's point is about 100 m outside the simplified outline
    assert geocoder.reverse(35.594021, 139.812206)["town"] == "青海二丁目地先"  # type: ignore[index]
    for row in facility_rows():  # 竪川親水公園 is 33 m outside it
        assert geocoder.reverse(float(row["緯度"]), float(row["経度"])) is not None, row["名称"]


@pytest.mark.parametrize(
    ("lat", "lon"),
    [
        (35.6536, 139.9019),  # 浦安市役所 (Chiba)
        (35.55, 139.85),  # Tokyo Bay, far out
        (35.6706, 139.7720),  # 中央区役所
        (35.7107, 139.8016),  # 墨田区役所
        (35.69, 139.87),  # 江戸川区, across the 荒川
        (0.0, 0.0),
        (float("nan"), 139.8),
    ],
)
def test_reverse_outside_the_ward_is_none(lat, lon):
    assert geocoder.reverse(lat, lon) is None


def test_to_metric_matches_the_reference():
    x, y = geocoder.to_metric(*TOYOSU)
    assert x == pytest.approx(TOYOSU_6677[0], abs=0.01)
    assert y == pytest.approx(TOYOSU_6677[1], abs=0.01)


def test_distance_m_agrees_with_the_geodesic():
    office = (139.817849, 35.671936)  # 東陽四丁目
    kameido = (139.836644, 35.696879)  # 亀戸七丁目
    d = geocoder.distance_m(*office, *kameido)
    _, _, geodesic = Geod(ellps="GRS80").inv(*office, *kameido)
    assert 3000 < d < 3400
    assert d == pytest.approx(geodesic, rel=5e-4)  # plane CS IX scale factor 0.9999
    assert geocoder.distance_m(*kameido, *office) == pytest.approx(d)
    assert geocoder.distance_m(*office, *office) == 0


# --- the command ----------------------------------------------------------------------------------------


@pytest.fixture
def kotodx(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "KOTODX_PRODUCTION"}}
    env = {k: v for k, v in env.items() if not k.startswith("DJANGO_")}
    env["KOTODX_DATA_DIR"] = str(tmp_path / "var")
    script = Path(sys.executable).with_name("kotodx")  # the venv's console script

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(script), "gis", *args], env=env, capture_output=True, text=True, timeout=120
        )

    return run


def test_cli_geocode(kotodx):
    result = kotodx("geocode", "東京都江東区東陽４丁目１１番２８号")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "lat": 35.671936,
        "lon": 139.817849,
        "town": "東陽四丁目",
        "level": "chome",
        "normalized": WARD_OFFICE,
    }
    assert "東陽四丁目" in result.stdout  # ensure_ascii=False

    result = kotodx("geocode", "千代田区丸の内1-1")
    assert result.returncode == 1 and result.stdout == ""
    assert "見つかりませんでした" in result.stderr and "Traceback" not in result.stderr


def test_cli_reverse(kotodx):
    result = kotodx("reverse", "35.6535", "139.7925")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["town"] == "豊洲二丁目"
    result = kotodx("reverse", "35.55", "139.85")
    assert result.returncode == 1 and "区域外" in result.stderr and result.stdout == ""
