"""Reading a plan file (docs/plan-format.md): YAML with every problem reported by line number."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from kotodx.core.fiscal import FiscalYear, WarekiError
from kotodx.core.numbers import NumberError, municipal_code_valid, parse_decimal


class PlanFileError(ValueError):
    """A plan file that cannot be loaded; ``problems`` lists each as "N行目: …"."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class _Map(dict[Any, Any]):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.line = 0
        self.key_lines: dict[str, int] = {}


class _LineLoader(yaml.SafeLoader):
    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> _Map:
        mapping = _Map(super().construct_mapping(node, deep=True))
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {str(k.value): k.start_mark.line + 1 for k, _ in node.value}
        return mapping


def _construct_map(loader: _LineLoader, node: yaml.MappingNode) -> _Map:
    return loader.construct_mapping(node)


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)


@dataclass
class KpiData:
    code: str
    name: str
    unit: str
    direction: str
    baseline_value: Decimal | None
    baseline_fy: int | None
    targets: dict[int, Decimal]
    source: str
    continues: str | None
    description: str
    line: int


@dataclass
class IndividualMeasureData:
    number: int
    name: str
    direction: str
    departments: list[str]
    continues: str | None
    kpis: list[KpiData]
    line: int


@dataclass
class MeasureData:
    number: int
    name: str
    individual_measures: list[IndividualMeasureData]


@dataclass
class GuidelineData:
    number: int
    name: str
    description: str
    needs_confirmation: bool
    measures: list[MeasureData]


@dataclass
class PlanData:
    code: str
    title: str
    municipality: str
    municipality_code: str
    start_fy: int
    end_fy: int
    vision: str
    purpose: str
    source: str
    predecessor: str | None
    is_example: bool
    kpis_are_examples: bool
    departments: list[dict[str, str]]
    guidelines: list[GuidelineData] = field(default_factory=list)
    departments_elsewhere: list[tuple[str, int]] = field(default_factory=list)

    def individual_measures(self) -> list[IndividualMeasureData]:
        return [im for g in self.guidelines for m in g.measures for im in m.individual_measures]


CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class _Reader:
    def __init__(self) -> None:
        self.problems: list[str] = []
        # (department code, line) used by an individual measure but not listed in the file's departments:
        # they must already exist in the database (checked when loading).
        self.departments_elsewhere: set[tuple[str, int]] = set()

    def problem(self, line: int, message: str) -> None:
        self.problems.append(f"{line}行目: {message}")

    def _line(self, m: Any, key: str | None = None) -> int:
        if isinstance(m, _Map):
            return m.key_lines.get(key, m.line) if key else m.line
        return 0

    def mapping(self, value: Any, where: str, line: int) -> _Map:
        if not isinstance(value, _Map):
            self.problem(line, f"{where} は「キー: 値」の形で書いてください。")
            return _Map()
        return value

    def text(self, m: _Map, key: str, where: str, *, required: bool = True, max_len: int = 10000) -> str:
        value = m.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.problem(self._line(m, key), f"{where}の「{key}」がありません。")
            return ""
        if not isinstance(value, str | int | float):
            self.problem(self._line(m, key), f"{where}の「{key}」は文字列で書いてください。")
            return ""
        text = str(value).strip()
        if len(text) > max_len:
            self.problem(self._line(m, key), f"{where}の「{key}」が長すぎます（{max_len}文字まで）。")
        return text

    def number(self, m: _Map, key: str, where: str) -> int:
        value = m.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            self.problem(
                self._line(m, key), f"{where}の「{key}」は1以上の整数で書いてください（いま: {value!r}）。"
            )
            return 0
        return value

    def fiscal_year(self, m: _Map, key: str, where: str, value: Any = None) -> int | None:
        value = m.get(key) if value is None else value
        if value is None or value == "":
            self.problem(self._line(m, key), f"{where}の「{key}」（年度）がありません。")
            return None
        try:
            return FiscalYear.parse(value if isinstance(value, str) else int(value)).year
        except (WarekiError, TypeError, ValueError):
            self.problem(self._line(m, key), f"{where}の年度「{value}」が読めません（例: 2024、令和6年度）。")
            return None

    def decimal(self, m: _Map, key: str, where: str, value: Any) -> Decimal | None:
        try:
            return parse_decimal(value)
        except NumberError as exc:
            self.problem(self._line(m, key), f"{where}: {exc}")
            return None

    def items(self, m: _Map, key: str, where: str) -> list[Any]:
        value = m.get(key)
        if not isinstance(value, list) or not value:
            self.problem(self._line(m, key), f"{where}の「{key}」は1件以上のリストで書いてください。")
            return []
        return value

    # --- the document ---------------------------------------------------------------------------

    def plan(self, doc: Any) -> PlanData | None:
        root = self.mapping(doc, "ファイル全体", 1)
        p = self.mapping(root.get("plan"), "plan", self._line(root, "plan"))
        code = self.text(p, "code", "plan", max_len=60)
        if code and not CODE_RE.match(code):
            self.problem(
                self._line(p, "code"), f"計画コード「{code}」は半角英小文字・数字・ハイフンで書いてください。"
            )
        start = self.fiscal_year(p, "start_fy", "plan")
        end = self.fiscal_year(p, "end_fy", "plan")
        if start and end and end < start:
            self.problem(self._line(p, "end_fy"), "終了年度が開始年度より前です。")
        muni_code = self.text(p, "municipality_code", "plan", required=False)
        if muni_code and not municipal_code_valid(muni_code):
            self.problem(
                self._line(p, "municipality_code"),
                f"全国地方公共団体コード「{muni_code}」が正しくありません（6桁、検査数字付き）。",
            )
        data = PlanData(
            code=code,
            title=self.text(p, "title", "plan", max_len=200),
            municipality=self.text(p, "municipality", "plan", max_len=100),
            municipality_code=muni_code,
            start_fy=start or 0,
            end_fy=end or 0,
            vision=self.text(p, "vision", "plan"),
            purpose=self.text(p, "purpose", "plan", required=False),
            source=self.text(p, "source", "plan", required=False, max_len=200),
            predecessor=self.text(p, "predecessor", "plan", required=False) or None,
            is_example=bool(p.get("is_example", False)),
            kpis_are_examples=bool(p.get("kpis_are_examples", False)),
            departments=[],
        )
        dept_codes: set[str] = set()
        for d in root.get("departments") or []:
            dm = self.mapping(d, "departments の項目", self._line(root, "departments"))
            dcode, dname = self.text(dm, "code", "部署"), self.text(dm, "name", "部署")
            if dcode:
                dept_codes.add(dcode)
                data.departments.append(
                    {
                        "code": dcode,
                        "name": dname,
                        "division": self.text(dm, "division", "部署", required=False),
                    }
                )
        seen_g, seen_m, seen_im, seen_kpi = set(), set(), set(), set()
        for g_raw in self.items(root, "guidelines", "ファイル"):
            g = self.mapping(g_raw, "指針", self._line(root, "guidelines"))
            gn = self.number(g, "number", "指針")
            if gn in seen_g:
                self.problem(self._line(g, "number"), f"指針{gn}が重複しています。")
            seen_g.add(gn)
            guideline = GuidelineData(
                gn,
                self.text(g, "name", f"指針{gn}", max_len=200),
                self.text(g, "description", f"指針{gn}", required=False),
                bool(g.get("needs_confirmation", False)),
                [],
            )
            data.guidelines.append(guideline)
            for m_raw in self.items(g, "measures", f"指針{gn}"):
                mm = self.mapping(m_raw, "施策", g.line)
                mn = self.number(mm, "number", "施策")
                if mn in seen_m:
                    self.problem(self._line(mm, "number"), f"施策{mn}が重複しています。")
                seen_m.add(mn)
                measure = MeasureData(mn, self.text(mm, "name", f"施策{mn}", max_len=200), [])
                guideline.measures.append(measure)
                for im_raw in self.items(mm, "individual_measures", f"施策{mn}"):
                    im = self.mapping(im_raw, "個別施策", mm.line)
                    imn = self.number(im, "number", "個別施策")
                    where = f"個別施策{imn}"
                    if imn in seen_im:
                        self.problem(self._line(im, "number"), f"{where}が重複しています。")
                    seen_im.add(imn)
                    depts = im.get("departments") or []
                    if not isinstance(depts, list):
                        self.problem(
                            self._line(im, "departments"), f"{where}の所管部署はリストで書いてください。"
                        )
                        depts = []
                    item = IndividualMeasureData(
                        imn,
                        self.text(im, "name", where, max_len=200),
                        self.text(im, "direction", where),
                        [str(x) for x in depts],
                        self.text(im, "continues", where, required=False) or None,
                        [],
                        im.line,
                    )
                    measure.individual_measures.append(item)
                    for k_raw in im.get("kpis") or []:
                        kpi = self.kpi(k_raw, where, im.line, start, end)
                        if kpi is None:
                            continue
                        if kpi.code in seen_kpi:
                            self.problem(kpi.line, f"指標コード「{kpi.code}」が重複しています。")
                        seen_kpi.add(kpi.code)
                        item.kpis.append(kpi)
        for im_data in data.individual_measures():
            for d in im_data.departments:
                if d not in dept_codes:
                    self.departments_elsewhere.add((d, im_data.line))
        data.departments_elsewhere = sorted(self.departments_elsewhere)
        return data

    def kpi(self, raw: Any, where: str, line: int, start: int | None, end: int | None) -> KpiData | None:
        k = self.mapping(raw, f"{where}の指標", line)
        code = self.text(k, "code", f"{where}の指標", max_len=80)
        if code and not CODE_RE.match(code):
            self.problem(
                self._line(k, "code"), f"指標コード「{code}」は半角英小文字・数字・ハイフンで書いてください。"
            )
        kw = f"指標「{code}」"
        direction = k.get("direction", "increase")
        if direction not in ("increase", "decrease"):
            self.problem(
                self._line(k, "direction"),
                f"{kw}の direction は increase か decrease です（いま: {direction}）。",
            )
        baseline = k.get("baseline")
        b_value = b_fy = None
        if baseline is not None:
            bm = self.mapping(baseline, f"{kw}の baseline", self._line(k, "baseline"))
            if "value" in bm:
                b_value = self.decimal(bm, "value", f"{kw}の基準値", bm.get("value"))
            if "fy" in bm:
                b_fy = self.fiscal_year(bm, "fy", f"{kw}の基準")
        targets: dict[int, Decimal] = {}
        raw_targets = k.get("targets") or {}
        if not isinstance(raw_targets, dict):
            self.problem(self._line(k, "targets"), f"{kw}の targets は「年度: 目標値」の形で書いてください。")
            raw_targets = {}
        for fy_raw, value in raw_targets.items():
            fy = self.fiscal_year(k, "targets", f"{kw}の目標", value=fy_raw)
            number = self.decimal(k, "targets", f"{kw}の{fy_raw}年度の目標値", value)
            if fy is not None and number is not None:
                if start and end and not (start <= fy <= end):
                    self.problem(self._line(k, "targets"), f"{kw}の目標年度 {fy} は計画期間の外です。")
                targets[fy] = number
        return KpiData(
            code=code,
            name=self.text(k, "name", kw, max_len=200),
            unit=self.text(k, "unit", kw, max_len=20),
            direction=str(direction),
            baseline_value=b_value,
            baseline_fy=b_fy,
            targets=targets,
            source=self.text(k, "source", kw, required=False, max_len=100) or "manual",
            continues=self.text(k, "continues", kw, required=False) or None,
            description=self.text(k, "description", kw, required=False),
            line=k.line,
        )


def read_plan_text(text: str) -> PlanData:
    """Parse and validate; raises PlanFileError naming every problem with its line."""
    try:
        doc = yaml.load(text, Loader=_LineLoader)  # noqa: S506  (a SafeLoader subclass)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark else 0
        raise PlanFileError([f"{line}行目: YAMLとして読めません（{exc.problem}）。"]) from None
    except yaml.YAMLError as exc:
        raise PlanFileError([f"YAMLとして読めません: {exc}"]) from None
    reader = _Reader()
    data = reader.plan(doc)
    if reader.problems or data is None:
        raise PlanFileError(reader.problems)
    return data


def read_plan_file(path: str | Path) -> PlanData:
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise PlanFileError([f"ファイル {path} がありません。"]) from None
    except UnicodeDecodeError:
        raise PlanFileError([f"ファイル {path} は UTF-8 の文字コードで保存してください。"]) from None
    return read_plan_text(text)
