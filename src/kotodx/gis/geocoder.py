"""Koto City's address geocoder: 町丁目 (town and 丁目) addresses to points and back.

What the integrated GIS (統合型GIS) uses to put an address written by a resident or found in an open
data file on the map, and to name the town of a clicked point:

- :func:`normalize` rewrites an address to one canonical spelling ("東京都江東区東陽四丁目11-28" for
  東陽4-11-28, 東陽４丁目１１番２８号, 東陽四丁目11番地28 …);
- :func:`geocode` finds the town's representative point (町丁目 level, or the centroid of the town's
  丁目 points when the 丁目 is not given, or the ward's centre when only 江東区 is recognised) and
  returns ``None`` for anything that is not an address in Koto City;
- :func:`reverse` names the town whose representative point is nearest to a point inside the ward;
- :func:`to_metric` and :func:`distance_m` measure in metres (EPSG:6677, JGD2011 plane rectangular
  CS IX, which covers Tokyo).

No network and no database: the data ship with the app in ``kotodx/gis/data``, loaded on first use
and kept in memory (``functools.lru_cache``). After the first call, :func:`geocode` is a few dict
look-ups (well under a millisecond).

Data and credits (CC BY 4.0, repeat them where results are published):
- town points: 「位置参照情報」（国土交通省）, via Geolonia japanese-addresses;
- ward outline: 「国土数値情報（行政区域データ）」（国土交通省）, N03 2021-01-01, simplified.

Coordinates are JGD2011 (EPSG:6668) longitude/latitude in degrees; functions that take both say in
which order (``reverse(lat, lon)`` like a map click, ``to_metric(lon, lat)`` like GeoJSON).
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import MultiPolygon, Point, Polygon, shape

__all__ = [
    "ATTRIBUTION",
    "LEVELS",
    "Match",
    "distance_m",
    "geocode",
    "normalize",
    "reverse",
    "to_metric",
    "towns",
    "ward_outline",
]

DATA_DIR = Path(__file__).resolve().parent / "data"
TOWNS_FILE = DATA_DIR / "koto_towns.json"
BOUNDARY_FILE = DATA_DIR / "koto_ward_boundary.geojson"

PREFECTURE = "東京都"
WARD = "江東区"
GEOGRAPHIC_CRS = "EPSG:6668"  # JGD2011, degrees
METRIC_CRS = "EPSG:6677"  # JGD2011 / Japan Plane Rectangular CS IX, metres
OUTLINE_TOLERANCE_M = 200.0  # the outline is simplified: points on quays and water edges still count
MAX_INPUT_LENGTH = 500  # longer text is not an address

LEVELS = ("chome", "town", "ward")
ATTRIBUTION = (
    "「位置参照情報」（国土交通省）、Geolonia「japanese-addresses」（CC BY 4.0）、"
    "「国土数値情報（行政区域データ）」（国土交通省）を加工して作成"
)


@dataclass(frozen=True)
class Match:
    """A geocoded address.

    ``level`` says how precise ``lat``/``lon`` are: ``"chome"`` the representative point of a 町丁目 in
    the data (towns without 丁目 such as 冬木 or 石島 are matched at this level too), ``"town"`` the
    centroid of the town's 丁目 points (丁目 not given, or not one the town has), ``"ward"`` the ward's
    centre (only 江東区 recognised, or a town the data have no point for: 海の森).
    """

    lat: float
    lon: float
    town: str  # the town as in the data ("東陽四丁目"), the town name at level "town" ("東陽"), or ""
    level: str
    normalized: str  # "東京都江東区東陽四丁目2-3"
    rest: str  # what followed the town (番地以下), normalised: "2-3"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# ---------------------------------------------------------------------------------------------------
# Numbers written in kanji

_KANJI_DIGITS = {c: n for n, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "壱": 1, "弐": 2, "参": 3}
_KANJI_UNITS = {"十": 10, "拾": 10, "百": 100, "千": 1000}
_KANJI_NUMBER = "〇零一壱二弐三参四五六七八九十拾百千"


def kanji_to_int(text: str) -> int | None:
    """``"二十八"`` → 28, ``"百一"`` → 101, ``"二〇一"`` → 201 (digit by digit); ``None`` if not a number."""
    if not text or any(c not in _KANJI_DIGITS and c not in _KANJI_UNITS for c in text):
        return None
    if all(c in _KANJI_DIGITS for c in text):
        return int("".join(str(_KANJI_DIGITS[c]) for c in text))
    total, current, last_unit = 0, None, 10_000
    for c in text:
        if c in _KANJI_DIGITS:
            if current is not None:
                return None  # "二三十" is not a number
            current = _KANJI_DIGITS[c]
        else:
            unit = _KANJI_UNITS[c]
            if unit >= last_unit:
                return None  # "十百"
            total += (1 if current is None else current) * unit
            current, last_unit = None, unit
    return total + (current or 0)


def int_to_kanji(n: int) -> str:
    """1 → 一, 10 → 十, 28 → 二十八 (how 丁目 are written in the town names), for 1 ≤ n ≤ 99."""
    digits = "〇一二三四五六七八九"
    if not 1 <= n <= 99:
        raise ValueError(f"丁目の番号は1〜99です: {n}")
    tens, ones = divmod(n, 10)
    return ("" if tens == 0 else ("十" if tens == 1 else digits[tens] + "十")) + (
        digits[ones] if ones else ""
    )


# ---------------------------------------------------------------------------------------------------
# Text clean-up

# One character for another, only to compare town names (the output keeps the data's spelling).
_FOLD = str.maketrans(
    "ヶヵがガ之ノ乃龜濱濵邊邉嶋嶌髙冨淸澤條",  # ケ variants, の variants, old and variant kanji
    "ケケケケののの亀浜浜辺辺島島高富清沢条",
)
# Dashes and long-vowel marks typed instead of a hyphen (after NFKC: ｰ is ー, － is -).
_DASHES = "-‐‑‒–—―−ー─━﹣⁃"
_DASH_BETWEEN_DIGITS = re.compile(rf"(?<=[0-9])[{_DASHES}]+(?=[0-9])")
_SPACES = re.compile(r"[\s\u200b\ufeff]+")
_POSTCODE = re.compile(r"〒?[0-9]{3}-?[0-9]{4}")
_PREFIX = re.compile(r"(?:日本国?(?=東京))?(?:東京都|東京(?=江東区))?")
_AFTER_NAME_NOT_A_TOWN = frozenset("町村市区郡")  # 大島 + 町 is 東京都大島町 (伊豆大島), not 大島 in Koto

# 丁目 after a town name: "4丁目" "四丁目" "4丁" (before a number), or "4-" / "4" (hyphen notation).
_CHOME_WORD = re.compile(rf"([0-9]+|[{_KANJI_NUMBER}]+)丁(?:目|(?=[0-9]))")
_CHOME_DIGITS = re.compile(r"([0-9]+)(?![0-9番号])[-の]?")

_REST_KANJI = re.compile(rf"(?:^|(?<=[番地の\-]))[{_KANJI_NUMBER}]+(?=番|号|の[0-9{_KANJI_NUMBER}]|-|$)")
_REST_BANCHI = re.compile(r"(?<=[0-9])(?:番地の?|番の?|の|号)(?=[0-9])")
_REST_TRAILING = re.compile(r"(?<=[0-9])(?:番地|番|号)(?![0-9室棟館])")


def _clean(text: str) -> str:
    """NFKC (full-width letters and digits, half-width kana), no spaces, one kind of hyphen."""
    text = unicodedata.normalize("NFKC", text)
    text = _SPACES.sub("", text)
    return _DASH_BETWEEN_DIGITS.sub("-", text)


def _normalize_rest(rest: str) -> str:
    """番地以下: "11番28号" "11番地28" "2番地の3" "十一番二十八号" → "11-28" / "2-3"."""
    rest = rest.lstrip(_DASHES)  # "東陽4丁目-11-28"
    if not rest:
        return ""

    def digits(m: re.Match[str]) -> str:
        n = kanji_to_int(m.group(0))
        return m.group(0) if n is None else str(n)

    rest = _REST_KANJI.sub(digits, rest)
    rest = _DASH_BETWEEN_DIGITS.sub("-", rest)
    rest = _REST_BANCHI.sub("-", rest)
    return _REST_TRAILING.sub("", rest)


# ---------------------------------------------------------------------------------------------------
# The data


@dataclass(frozen=True)
class _Town:
    name: str
    lat: float | None
    lon: float | None


@dataclass
class _Base:
    """A town name without its 丁目 ("東陽"), with the 町丁目 entries of the data under it."""

    name: str
    whole: _Town | None = None  # a town without 丁目 ("冬木")
    chome: dict[int, _Town] = field(default_factory=dict)
    special: dict[tuple[int, str], _Town] = field(default_factory=dict)  # 青海二丁目地先
    lat: float | None = None  # the centroid of the 丁目 points
    lon: float | None = None


@dataclass(frozen=True)
class _Index:
    towns: tuple[_Town, ...]
    bases: dict[str, _Base]  # by folded name
    longest: int


_TOWN_NAME = re.compile(rf"^(.+?)([{_KANJI_NUMBER}]+)丁目(.*)$")


@lru_cache(maxsize=1)
def _town_data() -> dict[str, Any]:
    with TOWNS_FILE.open(encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


@lru_cache(maxsize=1)
def _index() -> _Index:
    entries = tuple(
        _Town(
            name=row["town"] + (row.get("koaza") or ""),
            lat=None if row["lat"] is None else float(row["lat"]),
            lon=None if row["lng"] is None else float(row["lng"]),
        )
        for row in _town_data()["towns"]
    )
    bases: dict[str, _Base] = {}
    for town in entries:
        m = _TOWN_NAME.match(town.name)
        number = kanji_to_int(m.group(2)) if m else None
        if m is None or number is None:
            base = bases.setdefault(town.name.translate(_FOLD), _Base(town.name))
            base.whole = town
            continue
        base = bases.setdefault(m.group(1).translate(_FOLD), _Base(m.group(1)))
        if m.group(3):
            base.special[(number, m.group(3))] = town
        else:
            base.chome[number] = town
    for base in bases.values():
        points = [(t.lon, t.lat) for t in base.chome.values() if t.lon is not None and t.lat is not None]
        if points:  # small enough an area for the mean of the degrees to be the centroid
            base.lon = round(sum(p[0] for p in points) / len(points), 6)
            base.lat = round(sum(p[1] for p in points) / len(points), 6)
    return _Index(towns=entries, bases=bases, longest=max(len(k) for k in bases))


def towns() -> list[dict[str, Any]]:
    """The town table: ``{"name", "lat", "lon"}`` for each of the 159 町丁目 (lat/lon ``None`` for 海の森)."""
    return [{"name": t.name, "lat": t.lat, "lon": t.lon} for t in _index().towns]


@lru_cache(maxsize=1)
def ward_outline() -> MultiPolygon:
    """The outline of Koto City, a MultiPolygon in EPSG:6668 lon/lat (simplified MLIT N03 data)."""
    with BOUNDARY_FILE.open(encoding="utf-8") as fh:
        collection = json.load(fh)
    parts: list[Polygon] = []
    for feature in collection["features"]:
        geom = shape(feature["geometry"])
        parts.extend(geom.geoms if isinstance(geom, MultiPolygon) else [geom])
    outline = MultiPolygon(parts)
    shapely.prepare(outline)
    return outline


@lru_cache(maxsize=1)
def _metric_outline() -> Any:
    """The outline in EPSG:6677 metres, grown by :data:`OUTLINE_TOLERANCE_M`, prepared for tests."""

    def project(coords: np.ndarray) -> np.ndarray:
        x, y = _transformer().transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    grown = shapely.transform(ward_outline(), project).buffer(OUTLINE_TOLERANCE_M)
    shapely.prepare(grown)
    return grown


@lru_cache(maxsize=1)
def _ward_centre() -> tuple[float, float]:
    """(lon, lat): the centroid of the outline, or a point surely inside it if the centroid is not."""
    outline = ward_outline()
    centre = outline.centroid
    if not outline.contains(centre):
        centre = outline.representative_point()
    return round(centre.x, 6), round(centre.y, 6)


@lru_cache(maxsize=1)
def _town_points() -> tuple[tuple[_Town, ...], np.ndarray]:
    """The towns that have a point, and their points in EPSG:6677 metres (an N×2 array)."""
    located = tuple(t for t in _index().towns if t.lat is not None and t.lon is not None)
    x, y = _transformer().transform([t.lon for t in located], [t.lat for t in located])
    return located, np.column_stack([np.asarray(x, dtype=float), np.asarray(y, dtype=float)])


# ---------------------------------------------------------------------------------------------------
# Metres


@lru_cache(maxsize=1)
def _transformer() -> Transformer:
    return Transformer.from_crs(GEOGRAPHIC_CRS, METRIC_CRS, always_xy=True)


def to_metric(lon: float, lat: float) -> tuple[float, float]:
    """JGD2011 lon/lat (EPSG:6668) → (easting, northing) in metres in EPSG:6677."""
    x, y = _transformer().transform(lon, lat)
    return float(x), float(y)


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """The distance in metres between two lon/lat points, measured on the EPSG:6677 plane.

    Within the ward the plane's scale error is about 1/10,000, far below what a town point means.
    """
    x1, y1 = to_metric(lon1, lat1)
    x2, y2 = to_metric(lon2, lat2)
    return math.hypot(x2 - x1, y2 - y1)


# ---------------------------------------------------------------------------------------------------
# Addresses


@dataclass(frozen=True)
class _Parsed:
    level: str
    town: str  # as Match.town
    display: str  # the town part of the normalised address ("東陽四丁目", "東陽九丁目", "")
    rest: str
    lat: float
    lon: float

    @property
    def normalized(self) -> str:
        return PREFECTURE + WARD + self.display + self.rest


def _match_base(folded: str, pos: int) -> _Base | None:
    """The longest town name at ``pos`` (南砂 before 南, 新木場 before 新), or ``None``."""
    index = _index()
    for length in range(min(index.longest, len(folded) - pos), 0, -1):
        base = index.bases.get(folded[pos : pos + length])
        if base is not None:
            end = pos + length
            if end < len(folded) and folded[end] in _AFTER_NAME_NOT_A_TOWN:
                continue  # "大島町", "南砂町": another place, or no town of the data
            return base
    return None


@lru_cache(maxsize=4096)
def _parse(text: str) -> _Parsed | None:
    if not text or len(text) > MAX_INPUT_LENGTH:
        return None
    s = _clean(text)
    pos = 0
    postcode = _POSTCODE.match(s)
    if postcode:
        pos = postcode.end()
    prefix = _PREFIX.match(s, pos)  # all optional: always matches
    if prefix is not None:
        pos = prefix.end()
    ward_seen = s.startswith(WARD, pos)
    if ward_seen:
        pos += len(WARD)
    folded = s.translate(_FOLD)
    base = _match_base(folded, pos)
    if base is None and ward_seen and s.startswith("立", pos):
        # "江東区立白河1-5-4": 江東区立 (ward-run) slips in from facility names
        base = _match_base(folded, pos + 1)
        pos += 1 if base is not None else 0
    if base is None:
        if not ward_seen:
            return None
        lon, lat = _ward_centre()
        return _Parsed("ward", "", "", _normalize_rest(s[pos:]), lat, lon)

    pos += len(base.name)
    if base.whole is not None and not base.chome:
        return _whole_town(base.whole, _normalize_rest(s[pos:]))

    m = _CHOME_WORD.match(s, pos) or _CHOME_DIGITS.match(s, pos)
    number = None
    if m is not None:
        number = int(m.group(1)) if m.group(1).isdigit() else kanji_to_int(m.group(1))
    if m is None or number is None or not 1 <= number <= 99:
        if base.whole is not None:
            return _whole_town(base.whole, _normalize_rest(s[pos:]))
        return _town_level(base, base.name, _normalize_rest(s[pos:]))

    pos = m.end()
    display = base.name + int_to_kanji(number) + "丁目"
    for (special_number, suffix), special in base.special.items():
        if special_number == number and s.startswith(suffix, pos):  # 青海二丁目地先
            return _whole_town(special, _normalize_rest(s[pos + len(suffix) :]))
    rest = _normalize_rest(s[pos:])
    town = base.chome.get(number)
    if town is None:  # a 丁目 the town does not have
        return _town_level(base, display, rest)
    return _whole_town(town, rest)


def _whole_town(town: _Town, rest: str) -> _Parsed:
    if town.lat is None or town.lon is None:  # 海の森: a town of the ward without a point in the data
        lon, lat = _ward_centre()
        return _Parsed("ward", town.name, town.name, rest, lat, lon)
    return _Parsed("chome", town.name, town.name, rest, town.lat, town.lon)


def _town_level(base: _Base, display: str, rest: str) -> _Parsed:
    if base.lat is None or base.lon is None:
        lon, lat = _ward_centre()
        return _Parsed("ward", base.name, display, rest, lat, lon)
    return _Parsed("town", base.name, display, rest, base.lat, base.lon)


def normalize(text: str) -> str:
    """The canonical spelling of an address.

    For an address in Koto City: "東京都江東区" + the town as the data write it + the 番地以下 with
    hyphens. 東陽4-2-3, 江東区東陽４丁目２番３号, 東京都江東区 東陽四丁目2番地の3 and 東陽四丁目２番地３ all
    give "東京都江東区東陽四丁目2-3" (the same string as :attr:`Match.normalized`).
    Anything else gets the general clean-up only (NFKC, no spaces, hyphens, 番地/号 → hyphens).
    """
    parsed = _parse(text)
    if parsed is not None:
        return parsed.normalized
    return _normalize_rest(_clean(text))


def geocode(text: str) -> Match | None:
    """The point of an address in Koto City, or ``None`` (another ward or city, not an address, empty)."""
    parsed = _parse(text)
    if parsed is None:
        return None
    return Match(
        lat=parsed.lat,
        lon=parsed.lon,
        town=parsed.town,
        level=parsed.level,
        normalized=parsed.normalized,
        rest=parsed.rest,
    )


def reverse(lat: float, lon: float) -> dict[str, Any] | None:
    """The town whose representative point is nearest to (lat, lon), with ``distance_m`` to it.

    ``None`` when the point is outside the ward outline by more than :data:`OUTLINE_TOLERANCE_M`.
    Returns ``{"town", "lat", "lon", "distance_m"}`` (lat/lon: the town's point).
    """
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return None
    x, y = to_metric(lon, lat)
    if not (math.isfinite(x) and math.isfinite(y)) or not _metric_outline().contains(Point(x, y)):
        return None
    located, points = _town_points()
    distances = np.hypot(points[:, 0] - x, points[:, 1] - y)
    nearest = int(np.argmin(distances))
    town = located[nearest]
    return {
        "town": town.name,
        "lat": town.lat,
        "lon": town.lon,
        "distance_m": round(float(distances[nearest]), 1),
    }
