"""OGC API – Features Part 3 filters: CQL2 text or JSON, parsed and validated by the `cql2` library, then
compiled here into a Python predicate over a feature's properties and geometry.

What it understands: AND/OR/NOT, = <> < <= > >=, LIKE, BETWEEN, IN, IS NULL, CASEI/ACCENTI, and the
spatial predicates S_INTERSECTS, S_DISJOINT, S_WITHIN, S_CONTAINS, S_EQUALS, S_TOUCHES, S_CROSSES,
S_OVERLAPS on the `geometry` queryable. Property values from CSV are text: when one side of a comparison is
a number and the other a numeric text, they are compared as numbers. A comparison with a missing (null)
value is false. A spatial literal in the filter's CRS (`filter-crs`) is turned into CRS84; its bounding box
narrows the index lookup when the whole filter needs it (S_INTERSECTS/S_WITHIN under AND)."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import cql2
import shapely
from shapely.geometry import box, shape
from shapely.geometry.base import BaseGeometry

GEOMETRY = "geometry"
SPATIAL = {
    "s_intersects": "intersects",
    "s_disjoint": "disjoint",
    "s_within": "within",
    "s_contains": "contains",
    "s_equals": "equals",
    "s_touches": "touches",
    "s_crosses": "crosses",
    "s_overlaps": "overlaps",
}
COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b,
    "<>": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


class FilterError(ValueError):
    """A filter that can't be used; the message says why in Japanese."""


class Feature:
    """What a predicate sees: the properties, and the geometry decoded only when a predicate asks."""

    __slots__ = ("properties", "_wkb", "_geom")

    def __init__(self, properties: dict[str, Any], wkb: bytes):
        self.properties, self._wkb, self._geom = properties, wkb, None

    @property
    def geometry(self) -> BaseGeometry:
        if self._geom is None:
            self._geom = shapely.from_wkb(self._wkb)
        return self._geom


Value = Callable[[Feature], Any]


@dataclass
class Filter:
    text: str
    predicate: Callable[[Feature], bool]
    bbox: tuple[float, float, float, float] | None  # CRS84 box every match lies in, when known

    def matches(self, properties: dict[str, Any], wkb: bytes) -> bool:
        return bool(self.predicate(Feature(properties, wkb)))


def parse(
    raw: str,
    *,
    lang: str,
    queryables: dict[str, str],
    to_crs84: Callable[[BaseGeometry], BaseGeometry] | None = None,
) -> Filter:
    """Parse and compile a filter; FilterError names the problem."""
    if not raw.strip():
        raise FilterError("filter が空です。")
    try:
        if lang == "cql2-text":
            expr = cql2.parse_text(raw)
        elif lang == "cql2-json":
            expr = cql2.parse_json(raw)
        else:
            raise FilterError(f"filter-lang は cql2-text か cql2-json にしてください（いま: {lang}）。")
        expr.validate()
        tree = expr.to_json()
    except FilterError:
        raise
    except Exception as exc:  # cql2 raises ParseError/ValidationError/ValueError with a pest trace
        where = re.search(r"--> (\d+):(\d+)", str(exc))
        at = f"（{where.group(1)}行{where.group(2)}文字目の付近）" if where else ""
        raise FilterError(f"filter を {lang} として読めません{at}。書き方を確かめてください。") from None
    compiler = _Compiler(queryables, to_crs84)
    predicate = compiler.boolean(tree)
    return Filter(raw, predicate, _bbox_of(tree, compiler))


class _Compiler:
    def __init__(self, queryables: dict[str, str], to_crs84: Callable[[BaseGeometry], BaseGeometry] | None):
        self.queryables, self.to_crs84 = queryables, to_crs84
        self.literals: dict[int, BaseGeometry] = {}

    # --- booleans -------------------------------------------------------------------------------------
    def boolean(self, node: Any) -> Callable[[Feature], bool]:
        if isinstance(node, bool):
            return lambda f: node
        if not isinstance(node, dict) or "op" not in node:
            raise FilterError("filter の条件は比較や空間の述語にしてください（値だけの条件は使えません）。")
        op, args = node["op"], node.get("args", [])
        if op == "and":
            parts = [self.boolean(a) for a in args]
            return lambda f: all(p(f) for p in parts)
        if op == "or":
            parts = [self.boolean(a) for a in args]
            return lambda f: any(p(f) for p in parts)
        if op == "not":
            inner = self.boolean(args[0])
            return lambda f: not inner(f)
        if op in COMPARE:
            return self._compare(op, args)
        if op == "like":
            return self._like(args)
        if op == "between":
            value, low, high = (self.value(a) for a in args)
            return lambda f: _cmp(v := value(f), low(f), ">=") is True and _cmp(v, high(f), "<=") is True
        if op == "in":
            value = self.value(args[0])
            options = [self.value(a) for a in args[1]] if isinstance(args[1], list) else None
            if options is None:
                raise FilterError("IN の右側は値の並び (1, 2, 3) にしてください。")
            return lambda f: any(_cmp(value(f), o(f), "=") is True for o in options)
        if op == "isNull":
            value = self.value(args[0])
            return lambda f: value(f) in (None, "")
        if op in SPATIAL:
            return self._spatial(SPATIAL[op], args)
        raise FilterError(f"filter の演算子「{op}」には対応していません。")

    def _compare(self, op: str, args: list[Any]) -> Callable[[Feature], bool]:
        left, right = self.value(args[0]), self.value(args[1])
        return lambda f: _cmp(left(f), right(f), op) is True

    def _like(self, args: list[Any]) -> Callable[[Feature], bool]:
        value = self.value(args[0])
        pattern = args[1]
        casei = isinstance(pattern, dict) and pattern.get("op") == "casei"
        if casei:
            pattern = pattern["args"][0]
        if not isinstance(pattern, str):
            raise FilterError("LIKE の右側は文字列のパターン（% と _ が使えます）にしてください。")
        rx = re.compile(_like_regex(pattern), re.IGNORECASE if casei else 0)
        return lambda f: isinstance(v := value(f), str | int | float) and rx.fullmatch(str(v)) is not None

    def _spatial(self, method: str, args: list[Any]) -> Callable[[Feature], bool]:
        left, right = self.geometry(args[0]), self.geometry(args[1])
        return lambda f: bool(getattr(left(f), method)(right(f)))

    # --- values ---------------------------------------------------------------------------------------
    def value(self, node: Any) -> Callable[[Feature], Any]:
        if isinstance(node, dict) and "property" in node:
            name = node["property"]
            if name == GEOMETRY:
                raise FilterError("geometry は空間の述語（S_INTERSECTS など）の中で使ってください。")
            if name not in self.queryables:
                known = "、".join(self.queryables) or "なし"
                raise FilterError(
                    f"filter の「{name}」はこのレイヤの属性にありません（使えるもの: {known}）。"
                )
            if self.queryables[name] in ("number", "integer"):
                return lambda f: _number(f.properties.get(name))
            return lambda f: f.properties.get(name)
        if isinstance(node, dict) and node.get("op") in ("casei", "accenti"):
            inner = self.value(node["args"][0])
            fold = _casefold if node["op"] == "casei" else _strip_accents
            return lambda f: fold(inner(f))
        if isinstance(node, dict) and ("date" in node or "timestamp" in node):
            text = node.get("date") or node.get("timestamp")
            return lambda f: text
        if isinstance(node, dict) and ("op" in node or "type" in node or "bbox" in node):
            if "op" in node and node["op"] in ("+", "-", "*", "/", "^", "%", "div"):
                raise FilterError("filter の算術演算（+ - * /）には対応していません。")
            if "op" in node:
                raise FilterError(f"filter の関数・演算子「{node['op']}」には対応していません。")
            raise FilterError("図形は空間の述語（S_INTERSECTS など）の中で使ってください。")
        if isinstance(node, int | float | str) or node is None:
            return lambda f: node
        raise FilterError(f"filter の値 {json.dumps(node, ensure_ascii=False)[:60]} は使えません。")

    def geometry(self, node: Any) -> Callable[[Feature], BaseGeometry]:
        if isinstance(node, dict) and node.get("property") == GEOMETRY:
            return lambda f: f.geometry
        if isinstance(node, dict) and "property" in node:
            raise FilterError(f"空間の述語には geometry を使ってください（いま: {node['property']}）。")
        geom = self.literal(node)
        return lambda f: geom

    def literal(self, node: Any) -> BaseGeometry:
        """A geometry or BBOX literal, in CRS84."""
        if id(node) in self.literals:
            return self.literals[id(node)]
        try:
            if isinstance(node, dict) and "bbox" in node:
                b = [float(v) for v in node["bbox"]]
                geom = box(*(b[:2] + b[3:5] if len(b) == 6 else b))
            elif isinstance(node, dict) and "type" in node:
                geom = shape(node)
            else:
                raise FilterError("空間の述語には図形（POINT、POLYGON、BBOX など）を渡してください。")
        except FilterError:
            raise
        except Exception:
            raise FilterError("filter の図形を読めません。座標を確かめてください。") from None
        if not geom.is_valid:
            geom = shapely.make_valid(geom)
        if self.to_crs84 is not None:
            geom = self.to_crs84(geom)
        self.literals[id(node)] = geom
        return geom


def _bbox_of(tree: Any, compiler: _Compiler) -> tuple[float, float, float, float] | None:
    """A box that every match must lie in: from S_INTERSECTS/S_WITHIN/S_EQUALS on geometry under AND."""
    if not isinstance(tree, dict):
        return None
    op, args = tree.get("op"), tree.get("args", [])
    if op in ("s_intersects", "s_within", "s_equals"):
        props = [a for a in args if isinstance(a, dict) and a.get("property") == GEOMETRY]
        others = [a for a in args if not (isinstance(a, dict) and "property" in a)]
        if len(props) == 1 and len(others) == 1:
            return tuple(compiler.literal(others[0]).bounds)
        return None
    if op == "and":
        boxes = [b for b in (_bbox_of(a, compiler) for a in args) if b is not None]
        if not boxes:
            return None
        return (
            max(b[0] for b in boxes),
            max(b[1] for b in boxes),
            min(b[2] for b in boxes),
            min(b[3] for b in boxes),
        )
    return None


def _number(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return float(value.replace(",", "").strip())
        except ValueError:
            return value
    return value


def _cmp(a: Any, b: Any, op: str) -> bool | None:
    """Compare two values; None (unknown) when either is null or they can't be compared."""
    if a is None or b is None:
        return None
    if isinstance(a, bool) or isinstance(b, bool):
        a, b = _boolean(a), _boolean(b)
    elif isinstance(a, int | float) and isinstance(b, str):
        b = _number(b)
    elif isinstance(b, int | float) and isinstance(a, str):
        a = _number(a)
    if type(a) is not type(b) and not (isinstance(a, int | float) and isinstance(b, int | float)):
        a, b = str(a), str(b)
    try:
        return COMPARE[op](a, b)
    except TypeError:
        return None


def _boolean(v: Any) -> Any:
    if isinstance(v, str) and v.strip().lower() in ("true", "false", "1", "0"):
        return v.strip().lower() in ("true", "1")
    return v


def _casefold(v: Any) -> Any:
    return unicodedata.normalize("NFKC", v).casefold() if isinstance(v, str) else v


def _strip_accents(v: Any) -> Any:
    if not isinstance(v, str):
        return v
    return "".join(c for c in unicodedata.normalize("NFD", v) if not unicodedata.combining(c))


def _like_regex(pattern: str) -> str:
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if c == "%" else "." if c == "_" else re.escape(c))
        i += 1
    return "".join(out)
