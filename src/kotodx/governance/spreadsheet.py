"""The 情報システム台帳 as a spreadsheet: export to XLSX/CSV, and import from the XLSX or CSV (UTF-8 or
Shift_JIS) a ward already keeps — checked row by row, nothing written until the file is clean or the
user chooses to import only the clean rows. Headers and values are the Japanese labels people type;
codes are accepted too, dates in 西暦 or 和暦 (令和6年4月1日, R6.4.1)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
import zipfile
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from kotodx.core.csvutil import safe_cell, write_rows
from kotodx.core.fiscal import parse_date
from kotodx.core.models import Department, User
from kotodx.governance import services
from kotodx.governance.models import STANDARD_AREAS, Guideline, System
from kotodx.opendata.validation import FileProblem, decode_csv

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000

COLUMNS: list[tuple[str, str]] = [
    ("name", "システム名"),
    ("department", "所管部署"),
    ("purpose", "目的・業務"),
    ("vendor", "事業者"),
    ("contract_start", "契約開始日"),
    ("contract_end", "契約終了日"),
    ("annual_cost", "年間経費（円）"),
    ("users", "利用者数"),
    ("hosting", "設置形態"),
    ("network", "ネットワーク区分"),
    ("confidentiality", "機密性"),
    ("integrity", "完全性"),
    ("availability", "可用性"),
    ("personal_info", "個人情報"),
    ("specific_personal_info", "特定個人情報"),
    ("standard_area", "標準化対象業務"),
    ("migration", "移行状況"),
    ("department_bought", "部署調達"),
    ("stage", "ライフサイクル段階"),
]
REQUIRED = {"name", "department", "hosting", "network"}
TRUE = {"あり", "有", "○", "〇", "はい", "yes", "true", "1", "y", "該当"}
FALSE = {"なし", "無", "×", "いいえ", "no", "false", "0", "n", "", "非該当", "-", "－"}


def _norm(text: Any) -> str:
    return unicodedata.normalize("NFKC", "" if text is None else str(text)).strip()


def _text(value: Any) -> str:
    """Free text as typed (only the ends trimmed): names keep their full-width characters."""
    return "" if value is None else str(value).strip()


HEADER_KEYS = {_norm(label): key for key, label in COLUMNS} | {key: key for key, _ in COLUMNS}
HEADER_KEYS |= {"年間経費": "annual_cost", "ネットワーク区分(三層の対策)": "network", "部署": "department"}


@dataclass
class RowProblem:
    row: int
    column: str
    message: str


@dataclass
class ImportPlan:
    rows: list[tuple[int, dict[str, Any], System | None]] = field(default_factory=list)  # clean rows
    problems: list[RowProblem] = field(default_factory=list)
    total: int = 0

    @property
    def bad_rows(self) -> int:
        return len({p.row for p in self.problems if p.row})

    @property
    def new(self) -> int:
        return sum(1 for _, _, existing in self.rows if existing is None)

    @property
    def updated(self) -> int:
        return len(self.rows) - self.new


# --- Export -----------------------------------------------------------------------------------------


def _cell(system: System, key: str) -> Any:
    value = getattr(system, key)
    if key == "department":
        return system.department.name
    if key == "stage":
        return system.stage_name
    if isinstance(value, bool):
        return "あり" if value else "なし"
    if isinstance(value, dt.date):
        return value.isoformat()
    display = getattr(system, f"get_{key}_display", None)
    if display is not None and key not in ("confidentiality", "integrity", "availability", "standard_area"):
        return display() if value else ""
    return "" if value is None else value


def export_rows(systems: Any) -> tuple[list[str], list[list[Any]]]:
    header = [label for _, label in COLUMNS]
    return header, [[_cell(s, key) for key, _ in COLUMNS] for s in systems]


def export_csv(systems: Any) -> bytes:
    header, rows = export_rows(systems)
    out = io.StringIO()
    write_rows(out, header, rows)
    return out.getvalue().encode("utf-8")


def export_xlsx(systems: Any) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    header, rows = export_rows(systems)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "情報システム台帳"
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in rows:
        ws.append([safe_cell(v) if isinstance(v, str) else v for v in r])
    ws.freeze_panes = "A2"
    for col, width in zip(
        "ABCDEFGHIJKLMNOPQRS",
        [28, 16, 30, 20, 12, 12, 14, 10, 16, 20, 8, 8, 8, 8, 10, 16, 12, 8, 14],
        strict=True,
    ):
        ws.column_dimensions[col].width = width
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# --- Import -----------------------------------------------------------------------------------------


def read_table(filename: str, data: bytes) -> list[list[Any]]:
    """Rows of the first sheet of an XLSX, or of a CSV in UTF-8 (BOM or not) or Shift_JIS."""
    if not data:
        raise FileProblem("ファイルが空です（0バイト）。")
    if len(data) > MAX_BYTES:
        raise FileProblem(f"ファイルが大きすぎます（{MAX_BYTES // 1024 // 1024}MBまで）。")
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem("古いExcel形式（.xls）です。Excelで「.xlsx」か CSV で保存し直してください。")
    text = decode_csv(data).text
    try:
        return [row for row in csv.reader(io.StringIO(text))]
    except csv.Error as exc:
        raise FileProblem(f"CSVとして読めません（{exc}）。") from exc


def _read_xlsx(data: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise FileProblem(
            "Excelファイル（.xlsx）として読めません。ファイルが壊れていないか確かめてください。"
        ) from exc
    ws = wb.worksheets[0] if wb.worksheets else None
    if ws is None:
        raise FileProblem("シートがありません。")
    rows = []
    for row in ws.iter_rows(values_only=True):
        rows.append(list(row))
        if len(rows) > MAX_ROWS + 1:
            break
    wb.close()
    return rows


def _choice(value: Any, choices: list[tuple[str, str]], column: str) -> str:
    v = _norm(value)
    for code, label in choices:
        if v in (_norm(label), code):
            return code
    allowed = "、".join(label for code, label in choices if label and code)
    raise ValueError(f"「{v}」は{column}として選べません（{allowed}）。")


def _bool(value: Any, column: str) -> bool:
    if isinstance(value, bool):
        return value
    v = _norm(value).lower()
    if v in TRUE:
        return True
    if v in FALSE:
        return False
    raise ValueError(f"「{_norm(value)}」は{column}の値として読めません（あり・なし で入力してください）。")


def _int(value: Any, column: str, *, low: int = 0, high: int | None = None) -> int | None:
    if value is None or _norm(value) == "":
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    v = _norm(value).replace(",", "").removesuffix("円").removesuffix("人").strip()
    try:
        n = int(v)
    except ValueError:
        raise ValueError(f"「{_norm(value)}」は{column}の数値として読めません。") from None
    if n < low or (high is not None and n > high):
        raise ValueError(
            f"{column}は{low}〜{high}で入力してください。"
            if high
            else f"{column}は{low}以上で入力してください。"
        )
    return n


def _date(value: Any, column: str) -> dt.date | None:
    if value is None or _norm(value) == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return parse_date(_norm(value))
    except ValueError as exc:
        raise ValueError(f"{column}「{_norm(value)}」を日付として読めません（{exc}）。") from None


def _departments() -> dict[str, Department]:
    out: dict[str, Department] = {}
    for d in Department.objects.all():
        out[_norm(d.name)] = d
        out[d.code] = d
    return out


def plan_import(filename: str, data: bytes, *, actor: User) -> ImportPlan:
    """Read and check every row; nothing is written. Problems name the row (as the spreadsheet numbers
    it), the column and the value."""
    table = read_table(filename, data)
    plan = ImportPlan()
    while table and not any(_norm(c) for c in table[0]):
        table.pop(0)
    if not table:
        raise FileProblem(
            "見出しの行がありません。1行目に「システム名」「所管部署」などの列名を入れてください。"
        )
    header = [HEADER_KEYS.get(_norm(c)) for c in table[0]]
    missing = [label for key, label in COLUMNS if key in REQUIRED and key not in header]
    if missing:
        raise FileProblem(f"必要な列がありません: {'、'.join(missing)}。1行目の列名を確かめてください。")
    if len(table) - 1 > MAX_ROWS:
        raise FileProblem(f"行が多すぎます（{MAX_ROWS:,}行まで）。")
    depts = _departments()
    guideline = services.guideline_current()
    stage_choices = [(s["code"], s["name"]) for s in guideline.stages]
    existing = {s.name: s for s in System.objects.select_related("department")}
    seen: dict[str, int] = {}
    labels = dict(COLUMNS)
    for number, raw in enumerate(table[1:], start=2):
        if not any(_norm(c) for c in raw):
            continue
        plan.total += 1
        cells = {key: raw[i] if i < len(raw) else None for i, key in enumerate(header) if key}
        row: dict[str, Any] = {}
        problems: list[RowProblem] = []

        def bad(key: str, message: str, number: int = number, problems: list[RowProblem] = problems) -> None:
            problems.append(RowProblem(number, labels[key], message))

        for key, _ in COLUMNS:
            value = cells.get(key)
            label = labels[key]
            try:
                if key in REQUIRED and _norm(value) == "":
                    raise ValueError(f"{label}が空です。")
                if key == "name":
                    row[key] = _text(value)[:200]
                elif key == "department":
                    dept = depts.get(_norm(value))
                    if dept is None:
                        raise ValueError(
                            f"部署「{_norm(value)}」は登録されていません。部署名か部署コードで入力してください。"
                        )
                    row[key] = dept
                elif key in ("purpose", "vendor"):
                    row[key] = _text(value)
                elif key in ("contract_start", "contract_end"):
                    row[key] = _date(value, label)
                elif key in ("annual_cost", "users"):
                    row[key] = _int(value, label)
                elif key == "hosting":
                    row[key] = _choice(value, System.Hosting.choices, label)
                elif key == "network":
                    row[key] = _choice(value, System.Network.choices, label)
                elif key == "confidentiality":
                    row[key] = _int(value, label, low=1, high=3) or 2
                elif key in ("integrity", "availability"):
                    row[key] = _int(value, label, low=1, high=2) or 1
                elif key in ("personal_info", "specific_personal_info", "department_bought"):
                    row[key] = _bool(value, label)
                elif key == "standard_area":
                    v = _norm(value)
                    if v and v not in STANDARD_AREAS:
                        raise ValueError(f"「{v}」は標準化対象の20業務にありません。")
                    row[key] = v
                elif key == "migration":
                    row[key] = (
                        _choice(value, System.Migration.choices, label)
                        if _norm(value) not in ("", "対象外")
                        else ""
                    )
                elif key == "stage":
                    row[key] = _choice(value, stage_choices, label) if _norm(value) else stage_choices[0][0]
            except ValueError as exc:
                bad(key, str(exc))
        name = row.get("name", "")
        if name:
            if name in seen:
                bad("name", f"システム名「{name}」が {seen[name]} 行目と重複しています。")
            seen.setdefault(name, number)
        if (
            row.get("contract_start")
            and row.get("contract_end")
            and row["contract_end"] < row["contract_start"]
        ):
            bad("contract_end", "契約終了日が契約開始日より前です。")
        if row.get("standard_area") and not row.get("migration"):
            row["migration"] = System.Migration.NOT_STARTED
        current = existing.get(name)
        if "department" in row:
            if current is not None and not services.can_edit_system(actor, current):
                bad("name", f"「{name}」は他の部署のシステムとして登録済みです。変更できません。")
            elif not services.can_edit_system(actor, department_id=row["department"].pk):
                bad(
                    "department",
                    f"{row['department'].name}のシステムは登録できません（自部署のシステムだけ登録できます）。",
                )
        if current is not None and row.get("stage") and row["stage"] != current.stage:
            bad(
                "stage",
                f"登録済みのシステムの段階（{current.stage_name}）は、取込みでは変えられません。関門の審査を経て進めてください。",
            )
        if problems:
            plan.problems.extend(problems)
        else:
            plan.rows.append((number, row, current))
    if plan.total == 0:
        raise FileProblem("データの行がありません。")
    return plan


@transaction.atomic
def apply_import(plan: ImportPlan, *, actor: User, only_clean: bool = False) -> int:
    """Write the checked rows, all in one transaction. With problems, nothing is written unless the
    user asked for the clean rows only."""
    if plan.problems and not only_clean:
        raise ValidationError("問題のある行があるため、取り込みませんでした。")
    if not actor.has_perm("governance.change_system"):
        raise PermissionDenied("台帳を変更する権限がありません。")
    guideline: Guideline = services.guideline_current()
    for _, row, current in plan.rows:
        data = dict(row)
        if current is not None:
            data.pop("stage", None)
            services.system_save(system=current, data=data, actor=actor)
        else:
            data.setdefault("stage", guideline.stages[0]["code"])
            services.system_save(data=data, actor=actor)
    return len(plan.rows)
