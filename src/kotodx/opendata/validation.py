"""The validation engine of the open data catalog: what ckanext-validation does for CKAN, in Japanese.

A department uploads a CSV; before it is published, this module tells the person who made it in a
spreadsheet what to fix, by row and column as the spreadsheet shows them (the header is row 1):

- ``decode_csv`` finds the encoding (UTF-8, UTF-8 with BOM, Shift_JIS as cp932) and refuses files that
  are not text at all (Excel, PDF, images, archives, UTF-16, EUC-JP), saying what they look like.
- ``validate_csv`` checks the structure of the table (header, blank rows, cells per row, quoting), then
  the columns against the Table Schemas of the 自治体標準オープンデータセット shipped in ``schemas/``
  (the schema is guessed from the header when none is given). Cells are checked by frictionless; this
  module adds what frictionless cannot do: the check digit of 全国地方公共団体コード, real dates written
  as 2021-06-14 or 2021/6/14, and coordinates swapped between 緯度 and 経度.

Columns are matched by name, in any order; columns a schema does not define are allowed. Values are
checked without surrounding spaces (half- or full-width), which are reported as a note.

Problems whose ``code`` is in ``NON_BLOCKING`` are notes: shown, but the file is still valid (blank rows
at the end of the file, spaces around values, older column names, optional columns left out, ...).

Two properties extend Table Schema in our schema files (other Table Schema tools ignore them):
``x-aliases`` lists older column names accepted for a field (e.g. NO for ID), ``x-column-required``
says the column must exist although its cells may be empty (e.g. 災害種別_洪水: "1" or empty).
The check digit is checked in every column named 全国地方公共団体コード, ``…_全国地方公共団体コード``,
市区町村コード or 都道府県コード又は市区町村コード, whether or not the file matches a schema.
"""

from __future__ import annotations

import codecs
import copy
import csv
import datetime as dt
import functools
import io
import json
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import frictionless

from kotodx.core.numbers import municipal_check_digit, municipal_code_valid

MAX_BYTES = 100 * 1024 * 1024
PROGRESS_EVERY = 1000
GUESS_THRESHOLD = 0.6
SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"

NON_BLOCKING = frozenset(
    {
        "blank-row",  # blank rows at the end of the file: ignored
        "whitespace",  # spaces before or after values: checked without them
        "column-alias",  # an older column name accepted for a standard column (NO for ID, ...)
        "header-variant",  # a column name that differs from the standard only in full/half-width characters
        "missing-optional-columns",  # optional columns of the schema that the file leaves out
        "extra-columns",  # columns that the schema does not define (allowed)
        "empty-column",  # a column at the right end without name and without values
        "no-schema",  # the header matches no standard schema: only the structure was checked
    }
)

LATITUDE, LONGITUDE = "緯度", "経度"
_JAPAN = {LATITUDE: (20.0, 46.0), LONGITUDE: (122.0, 154.0)}
_MUNICIPAL_NAMES = {"全国地方公共団体コード", "市区町村コード", "都道府県コード又は市区町村コード"}
_DATE = re.compile(r"^(\d{4})([-/])(\d{1,2})\2(\d{1,2})$")
_CONSTRAINT_NOTE = re.compile(r'constraint "(\w+)" is "(.*)"', re.DOTALL)
_SAME_ROW_NOTE = re.compile(r"row at position (\d+)")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


class FileProblem(Exception):
    """The file cannot be read as a CSV at all; ``str()`` says why, in Japanese."""


@dataclass(frozen=True)
class Decoded:
    encoding: str  # Python codec: "utf-8", "utf-8-sig" or "cp932"
    label: str  # for people: "UTF-8", "UTF-8（BOM付き）", "Shift_JIS"
    text: str


@dataclass
class Problem:
    row: int | None  # spreadsheet row (header = 1); None for file and header problems
    column: str | None  # the column name as in the file
    code: str
    message: str  # Japanese, naming the row, the column, the value and what was expected

    @property
    def blocking(self) -> bool:
        return self.code not in NON_BLOCKING

    def to_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "code": self.code,
            "message": self.message,
            "blocking": self.blocking,
        }


@dataclass
class Report:
    valid: bool
    encoding_label: str
    schema: str | None
    schema_title: str | None
    row_count: int
    columns: list[str]
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.blocking]

    @property
    def notes(self) -> list[Problem]:
        return [p for p in self.problems if not p.blocking]

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "encoding_label": self.encoding_label,
            "schema": self.schema,
            "schema_title": self.schema_title,
            "row_count": self.row_count,
            "columns": list(self.columns),
            "error_count": len(self.errors),
            "note_count": len(self.notes),
            "problems": [p.to_dict() for p in self.problems],
        }


def format_report(report: Report) -> str:
    """The report as the catalog shows it to people (the console command prints the same)."""
    schema = (
        f"{report.schema}（{report.schema_title}）"
        if report.schema
        else "なし（標準のスキーマに一致しません）"
    )
    verdict = "適合" if report.valid else f"エラーあり（{len(report.errors)}件）"
    lines = [
        f"文字コード: {report.encoding_label}",
        f"スキーマ: {schema}",
        f"データ行数: {report.row_count:,}",
        f"列数: {len(report.columns)}",
        f"結果: {verdict}",
    ]
    for title, problems in (("エラー", report.errors), ("注意", report.notes)):
        if problems:
            lines += ["", f"{title}（{len(problems)}件）:"]
            lines += [f"  - {p.message}" for p in problems]
    return "\n".join(lines)


# --- Decoding -----------------------------------------------------------------------------------------

_SIGNATURES: list[tuple[bytes, str]] = [
    (b"%PDF-", "PDFファイル"),
    (b"\x89PNG\r\n\x1a\n", "PNG画像"),
    (b"\xff\xd8\xff", "JPEG画像"),
    (b"GIF87a", "GIF画像"),
    (b"GIF89a", "GIF画像"),
    (b"II*\x00", "TIFF画像"),
    (b"MM\x00*", "TIFF画像"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "Excelファイル（xls）などの旧形式のOfficeファイル"),
    (b"\x1f\x8b", "gzip圧縮ファイル"),
    (b"Rar!\x1a\x07", "RAR圧縮ファイル"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip圧縮ファイル"),
    (b"{\\rtf", "リッチテキスト（RTF）ファイル"),
]
_SPREADSHEETS = ("Excel", "LibreOffice Calc")
_NOT_SHIFT_JIS = re.compile("[\x80\uf8f0-\uf8f3]")


def _size(n: int) -> str:
    if n < 1024:
        return f"{n:,}バイト"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f}KB"
    return f"{n / 1024 / 1024:.1f}MB"


def _zip_kind(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        names = []
    tops = {name.split("/", 1)[0] for name in names}
    if "xl" in tops:
        return "Excelファイル（xlsx）"
    if "word" in tops:
        return "Wordファイル（docx）"
    if "ppt" in tops:
        return "PowerPointファイル（pptx）"
    if b"opendocument.spreadsheet" in data[:200]:
        return "LibreOffice Calcファイル（ods）"
    return "ZIP圧縮ファイル"


def _binary_kind(data: bytes) -> str | None:
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    for signature, kind in _SIGNATURES:
        if data.startswith(signature):
            return kind
    return None


def _looks_like_euc_jp(data: bytes, cp932_text: str | None) -> bool:
    try:
        data.decode("euc_jp")
    except UnicodeDecodeError:
        return False
    if cp932_text is None:
        return True
    non_ascii = [c for c in cp932_text if ord(c) > 127]
    halfwidth_kana = sum(1 for c in non_ascii if "\uff61" <= c <= "\uff9f")
    return bool(non_ascii) and halfwidth_kana / len(non_ascii) > 0.5


def check_size(size: int) -> None:
    """FileProblem when a file of this many bytes is over MAX_BYTES (callers may ask before reading it)."""
    if size > MAX_BYTES:
        raise FileProblem(f"ファイルが大きすぎます（{_size(size)}）。{_size(MAX_BYTES)}までにしてください。")


def decode_csv(data: bytes) -> Decoded:
    """The text of a CSV file and its encoding; FileProblem when it is no readable text."""
    if not data:
        raise FileProblem("ファイルが空です（0バイト）。")
    check_size(len(data))
    kind = _binary_kind(data)
    if kind is not None:
        if kind.startswith(_SPREADSHEETS):
            raise FileProblem(
                f"{kind}のようです。CSV形式で保存してください"
                "（Excelでは「名前を付けて保存」で「CSV UTF-8（コンマ区切り）」を選びます）。"
            )
        raise FileProblem(f"{kind}のようです。CSVファイルではありません。")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileProblem(
            "UTF-16（Excelの「Unicode テキスト」など）で保存されたファイルのようです。"
            "UTF-8 か Shift_JIS のCSV形式で保存してください。"
        )
    if b"\x00" in data:
        raise FileProblem(
            "文字ではないデータ（NULバイト）を含むバイナリファイルのようです。CSVファイルを選んでください。"
        )
    if data.startswith(codecs.BOM_UTF8):
        try:
            decoded = Decoded("utf-8-sig", "UTF-8（BOM付き）", data.decode("utf-8-sig"))
        except UnicodeDecodeError as exc:
            raise FileProblem(
                f"UTF-8（BOM付き）のファイルのはずですが、{exc.start + 1:,}バイト目が"
                "UTF-8の文字になっていません。UTF-8 か Shift_JIS で保存し直してください。"
            ) from exc
    else:
        try:
            decoded = Decoded("utf-8", "UTF-8", data.decode("utf-8"))
        except UnicodeDecodeError:
            try:
                text = data.decode("cp932")
            except UnicodeDecodeError:
                text = None
            if text is not None and _NOT_SHIFT_JIS.search(text):
                text = None  # bytes 0x80, 0xA0, 0xFD-0xFF: cp932 maps them, but no Shift_JIS text has them
            if _looks_like_euc_jp(data, text):
                raise FileProblem(
                    "EUC-JPで保存されたファイルのようです。UTF-8 か Shift_JIS で保存してください。"
                ) from None
            if text is None:
                raise FileProblem(
                    "文字コードを判別できません（UTF-8でもShift_JISでもありません）。"
                    "UTF-8 か Shift_JIS のCSV形式で保存してください。"
                ) from None
            decoded = Decoded("cp932", "Shift_JIS", text)
    head = decoded.text.lstrip(" \t\r\n\u3000\ufeff")[:100].lower()
    if not head:
        raise FileProblem("ファイルに文字がありません（空白や改行だけです）。")
    if head.startswith(("<!doctype html", "<html")):
        raise FileProblem(
            "HTMLファイル（ウェブページ）のようです。ダウンロードに失敗していないか確かめ、CSVファイルを選んでください。"
        )
    if head.startswith("<?xml"):
        raise FileProblem("XMLファイルのようです。CSVファイルではありません。")
    return decoded


# --- Schemas ------------------------------------------------------------------------------------------


@functools.cache
def _schemas() -> dict[str, dict[str, Any]]:
    found = {}
    for path in sorted(SCHEMA_DIR.glob("*.json")):
        descriptor = json.loads(path.read_text(encoding="utf-8"))
        found[descriptor.get("name") or path.stem] = descriptor
    return found


def schema_names() -> list[tuple[str, str]]:
    """(name, Japanese title) of every shipped schema, sorted by name."""
    return sorted((name, d.get("title", name)) for name, d in _schemas().items())


def load_schema(name: str) -> dict[str, Any]:
    """The Table Schema descriptor of a shipped schema (a copy); KeyError for an unknown name."""
    return copy.deepcopy(_schemas()[name])


def _norm(name: str) -> str:
    return unicodedata.normalize("NFKC", name).strip()


def _field_names(f: dict[str, Any]) -> list[str]:
    return [f["name"], *f.get("x-aliases", [])]


def guess_schema(columns: list[str]) -> str | None:
    """The shipped schema whose columns the header covers best (at least 60 % of them), else None."""
    have = {_norm(c) for c in columns if c and c.strip()}
    best: tuple[float, int, str] | None = None
    for name, descriptor in _schemas().items():
        fields = descriptor.get("fields", [])
        if not fields:
            continue
        matched = sum(1 for f in fields if any(_norm(n) in have for n in _field_names(f)))
        score = (matched / len(fields), matched, name)
        if score[0] >= GUESS_THRESHOLD and (best is None or score[:2] > best[:2]):
            best = score
    return best[2] if best else None


def _is_required(f: dict[str, Any]) -> bool:
    return bool(f.get("constraints", {}).get("required")) or bool(f.get("x-column-required"))


def _is_municipal(label: str) -> bool:
    return label in _MUNICIPAL_NAMES or label.endswith("_全国地方公共団体コード")


# --- Cell checks frictionless cannot do ------------------------------------------------------------------


_is_valid_code = municipal_code_valid


def _municipal_problem(value: str) -> str | None:
    """None for a valid 6-digit code, else what is wrong (without the row/column prefix)."""
    if _is_valid_code(value):
        return None
    if len(value) == 6 and value.isascii() and value.isdigit():
        right = value[:5] + municipal_check_digit(value[:5])
        return (
            f"「{value}」は全国地方公共団体コードとして正しくありません"
            f"（6桁目の検査数字が合いません。「{value[:5]}」なら「{right}」です）。"
        )
    message = (
        f"「{_show(value)}」は6桁の全国地方公共団体コードではありません（検査数字を含む6桁、例: 131083）。"
    )
    folded = unicodedata.normalize("NFKC", value)
    if folded != value and _is_valid_code(folded):
        return message + "全角の数字を半角にしてください。"
    if re.fullmatch(r"\d{6}\.0+", folded) and _is_valid_code(folded[:6]):
        return message + f"小数点以下を付けず「{folded[:6]}」にしてください。"
    if len(folded) == 5 and folded.isascii() and folded.isdigit():
        # Either the check digit is missing (13108 → 131083) or Excel dropped a leading 0 (92011 → 092011).
        dropped = _is_valid_code("0" + folded)
        five = 1 <= int(folded[:2]) <= 47  # starts with a prefecture's number
        with_digit = f"「{folded}{municipal_check_digit(folded)}」"
        if dropped and five:
            return (
                message + f"検査数字を付けた{with_digit}か、先頭の「0」が消えた「0{folded}」のどちらかです。"
            )
        if dropped:
            return (
                message
                + f"先頭の「0」が消えているようです（「0{folded}」）。Excelで開くと消えることがあります。"
            )
        if five:
            return message + f"5桁のコードなら、検査数字を付けた{with_digit}です。"
    return message


def _date_problem(value: str) -> str | None:
    match = _DATE.match(value)
    if match:
        try:
            dt.date(int(match[1]), int(match[3]), int(match[4]))
            return None
        except ValueError:
            return f"「{_show(value)}」は存在しない日付です。"
    hint = (
        "年月日は「-」か「/」で区切り、西暦で書いてください。"
        if re.search(r"[年月日]|令和|平成", value)
        else ""
    )
    return f"「{_show(value)}」は日付ではありません（例: 2021-06-14 または 2021/6/14）。{hint}"


def _wide_number_problem(value: str, kind: str) -> str | None:
    """Python (and so frictionless) reads full-width digits as numbers: "４００" is 400. A CSV for machines
    must use ASCII digits, so these are reported here (other non-numbers are frictionless's type errors)."""
    if value.isascii():
        return None
    try:
        float(value)
    except ValueError:
        return None
    what = "整数" if kind == "integer" else "数値"
    return f"「{_show(value)}」は{what}ではありません。全角の数字や記号を半角にしてください。"


def _number_hint(value: str) -> str:
    folded = unicodedata.normalize("NFKC", value)
    if folded != value and _NUMBER.match(folded):
        return "全角の数字や記号を半角にしてください。"
    if "," in value:
        return "値に「,」が入っています。"
    if re.match(r"^[+-]?\d+(\.\d+)?\D+$", folded):
        return "単位などの文字を付けず、数字だけにしてください。"
    return ""


def _show(value: str, limit: int = 60) -> str:
    value = value.replace("\r", "").replace("\n", "↵")
    return value if len(value) <= limit else value[:limit] + "…"


def _prefix(row: int | None, column: str | None) -> str:
    if row is not None and column is not None:
        return f"{row}行目「{column}」: "
    if row is not None:
        return f"{row}行目: "
    if column is not None:
        return f"「{column}」: "
    return ""


def _blank(cells: list[str]) -> bool:
    return all(not c.strip() for c in cells)


# --- CSV records ---------------------------------------------------------------------------------------

_CSV_MESSAGES = {
    "expected after": '「"」で囲んだ値の後ろに文字があります。値の中の「"」は「""」と2つ重ねてください。',
    "unexpected end of data": '「"」で始まった値が閉じられていません（ファイルの最後まで続いています）。',
    "field larger than field limit": '値が長すぎます。「"」の閉じ忘れかもしれません。',
}


class _Records:
    """(spreadsheet row number, cells) of each CSV record. Parsed strictly; where the quoting breaks, the
    place is kept in ``syntax`` and the rest is read leniently (as spreadsheets do)."""

    def __init__(self, text: str):
        self.text = text
        self.syntax: tuple[int, str] | None = None

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        done = 0
        try:
            for cells in csv.reader(io.StringIO(self.text, newline=""), strict=True):
                done += 1
                yield done, cells
            return
        except csv.Error as exc:
            self.syntax = (done + 1, str(exc))
        number = 0
        try:
            for cells in csv.reader(io.StringIO(self.text, newline="")):
                number += 1
                if number > done:
                    yield number, cells
        except csv.Error:
            return


def _csv_problem(row: int, error: str) -> Problem:
    text = next((m for k, m in _CSV_MESSAGES.items() if k in error), f"CSVとして読めません（{error}）。")
    return Problem(row, None, "csv-syntax", f"{row}行目: {text}")


# --- The validation -------------------------------------------------------------------------------------


@dataclass
class _Column:
    index: int
    label: str  # as in the file, without surrounding spaces
    spec: dict[str, Any] | None = None  # the schema's field for this column
    kind: str = "string"  # the frictionless type of its cells
    municipal: bool = False
    date: bool = False

    @property
    def name(self) -> str:
        """The column's name for people: as in the file (its position when the header cell is empty)."""
        return self.label or f"（{self.index + 1}列目）"

    @property
    def standard(self) -> str:
        return self.spec["name"] if self.spec else self.label


@dataclass
class _Whitespace:
    count: int = 0
    first_row: int = 0
    example: str = ""


@dataclass
class _Run:
    """The state of one validate_csv call."""

    decoded: Decoded
    schema: str | None
    progress: Callable[[int], None] | None
    max_problems: int
    problems: list[Problem] = field(default_factory=list)
    columns: list[_Column] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    width: int = 0  # the header up to its last named column
    header_row: int = 1
    line_of: list[int] = field(default_factory=list)  # the spreadsheet row of each row given to frictionless
    swapped: set[int] = field(default_factory=set)  # rows whose 緯度 and 経度 look exchanged
    whitespace: dict[int, _Whitespace] = field(default_factory=dict)
    unnamed_with_values: set[int] = field(default_factory=set)
    last_data_row: int = 0
    trailing_blank: list[int] = field(default_factory=list)
    rows_done: int = 0  # data rows read (blank rows not counted)
    checking: bool = True
    read_all: bool = False

    def add(self, row: int | None, column: str | None, code: str, message: str) -> None:
        self.problems.append(Problem(row, column, code, message))

    # -- the header -------------------------------------------------------------------------------------

    def header(self, records: _Records) -> None:
        number, cells = next(((n, c) for n, c in records if not _blank(c)), (0, []))
        if not number:
            raise FileProblem("ファイルに表がありません（空の行だけです）。")
        labels = [c.strip() for c in cells]
        self.schema = self.schema or guess_schema(labels)
        if self.schema is None:  # a title above the header? (a schema's header within the next 10 rows)
            for n, c in records:
                if number < n <= number + 10 and (name := guess_schema([x.strip() for x in c])):
                    number, cells, labels, self.schema = n, c, [x.strip() for x in c], name
                    break
                if n > number + 10:
                    break
        if number != 1:
            self.add(
                None,
                None,
                "header-not-first",
                f"列名が1行目ではなく{number}行目にあります。表題や空の行を削除して、列名を1行目にしてください"
                f"（{number}行目を列名として確認しました）。",
            )
        self.header_row, self.labels = number, labels
        self.width = max((i + 1 for i, label in enumerate(labels) if label), default=0)
        for i, raw in enumerate(cells[: self.width]):
            if raw != raw.strip():
                self._note_whitespace(i, number, raw)

    def match_columns(self) -> None:
        """Pair the file's columns with the schema's fields by name (any order), and say what is missing."""
        spec = load_schema(self.schema) if self.schema else None
        fields: list[dict[str, Any]] = spec.get("fields", []) if spec else []
        by_name = {f["name"]: f for f in fields}
        by_norm = {_norm(n): f for f in fields for n in _field_names(f)}
        used: set[str] = set()
        seen: dict[str, int] = {}
        for i, label in enumerate(self.labels[: self.width]):
            column = _Column(i, label)
            if not label:
                message = f"{i + 1}列目の列名が空です。列名を入れるか、不要な列を削除してください。"
                self.add(None, column.name, "blank-header", message)
            elif label in seen:
                message = (
                    f"列名「{label}」が{seen[label] + 1}列目と{i + 1}列目にあります。同じ列名は使えません。"
                )
                self.add(None, label, "duplicate-header", message)
            else:
                seen[label] = i
                f = by_name.get(label) or by_norm.get(_norm(label))
                if f is not None and f["name"] not in used:
                    used.add(f["name"])
                    column.spec = f
                    self._note_variant(label, f)
            if column.spec:
                column.kind = column.spec.get("type", "string")
                column.date = column.kind == "date"
            elif label in _JAPAN:
                column.kind = "number"
            column.municipal = _is_municipal(column.standard) or _is_municipal(label)
            self.columns.append(column)
        if spec is None:
            titles = "・".join(t for _, t in schema_names())
            message = (
                f"列名が標準データセット（{titles}）のどれとも一致しないため、"
                "表の形と、緯度・経度・全国地方公共団体コードの列だけを確認しました。"
            )
            self.add(None, None, "no-schema", message)
            return
        for f in fields:
            if f["name"] not in used and _is_required(f):
                aliases = "・".join(f"「{a}」" for a in f.get("x-aliases", []))
                also = f"（旧様式の列名{aliases}でも構いません）" if aliases else ""
                self.add(None, f["name"], "missing-column", f"必須の列「{f['name']}」がありません{also}。")
        optional = [f["name"] for f in fields if f["name"] not in used and not _is_required(f)]
        if optional:
            message = f"標準の様式にある次の列がありません（任意の項目です）: {'、'.join(optional)}"
            self.add(None, None, "missing-optional-columns", message)
        extra = list(dict.fromkeys(c.label for c in self.columns if c.spec is None and c.label))
        if extra:
            message = f"標準の様式にない列があります（そのまま公開できます）: {'、'.join(extra)}"
            self.add(None, None, "extra-columns", message)

    def _note_variant(self, label: str, f: dict[str, Any]) -> None:
        if label == f["name"]:
            return
        if _norm(label) in {_norm(a) for a in f.get("x-aliases", [])}:
            why, code = f"新しい様式の列名は「{f['name']}」です", "column-alias"
        else:
            why, code = "全角・半角の違いがあります", "header-variant"
        self.add(None, label, code, f"列「{label}」を標準の列「{f['name']}」として確認しました（{why}）。")

    def frictionless_schema(self) -> frictionless.Schema:
        """The schema frictionless checks the cells with: the file's columns, in the file's order."""
        fields = []
        for c in self.columns:
            d: dict[str, Any] = {"name": f"c{c.index}", "type": "string"}
            constraints = dict((c.spec or {}).get("constraints", {}))
            if c.date:  # checked here (Y-M-D or Y/M/D, a real date); frictionless checks only `required`
                constraints = {k: v for k, v in constraints.items() if k == "required"}
            elif c.spec:
                d["type"] = c.kind
                if "format" in c.spec:
                    d["format"] = c.spec["format"]
            elif c.kind == "number":  # 緯度・経度 in a file without a schema
                d["type"] = "number"
                constraints = {"minimum": _JAPAN[c.label][0], "maximum": _JAPAN[c.label][1]}
            if constraints:
                d["constraints"] = constraints
            fields.append(d)
        return frictionless.Schema.from_descriptor({"fields": fields})

    # -- the rows ----------------------------------------------------------------------------------------

    def _note_whitespace(self, index: int, row: int, raw: str) -> None:
        w = self.whitespace.setdefault(index, _Whitespace())
        if not w.count:
            w.first_row, w.example = row, raw
        w.count += 1

    def _check_row(self, number: int, cells: list[str]) -> None:
        """The checks frictionless cannot do: check digits, dates, swapped coordinates."""
        if len(self.problems) > 2 * self.max_problems + 100:
            return  # enough: the report is cut at max_problems anyway
        point: dict[str, str] = {}
        for c in self.columns[: len(cells)]:
            value = cells[c.index]
            if not value:
                continue
            if c.municipal:
                message = _municipal_problem(value)
            elif c.date:
                message = _date_problem(value)
            elif c.kind in ("number", "integer"):
                message = _wide_number_problem(value, c.kind)
            else:
                message = None
            if message:
                code = "municipal-code" if c.municipal else "type-error"
                self.add(number, c.name, code, _prefix(number, c.name) + message)
            if c.standard in _JAPAN:
                point[c.standard] = value
        try:
            lat, lon = float(point[LATITUDE]), float(point[LONGITUDE])
        except (KeyError, ValueError):
            return
        (lat_min, lat_max), (lon_min, lon_max) = _JAPAN[LATITUDE], _JAPAN[LONGITUDE]
        inside = lat_min <= lat <= lat_max and lon_min <= lon <= lon_max
        if not inside and lon_min <= lat <= lon_max and lat_min <= lon <= lat_max:
            self.swapped.add(number)

    def rows(self, records: Iterator[tuple[int, list[str]]], *, header: bool = True) -> Iterator[list[str]]:
        """The header (c0, c1, ...) and the data rows for frictionless: blank rows left out, values without
        surrounding spaces, the empty cells of unnamed columns at the right end cut off."""
        if header:
            yield [f"c{c.index}" for c in self.columns]
        pending: list[int] = []
        for number, cells in records:
            if number <= self.header_row:
                continue
            if _blank(cells):
                pending.append(number)
                continue
            if self.checking:
                for blank in pending:
                    message = f"{blank}行目が空の行です。表の途中に空の行を入れないでください。"
                    self.add(blank, None, "blank-row-middle", message)
            pending = []
            self.last_data_row = number
            self.rows_done += 1
            if self.progress is not None and self.rows_done % PROGRESS_EVERY == 0:
                self.progress(self.rows_done)
            if not self.checking:
                continue
            if len(cells) > self.width:
                if not _blank(cells[self.width :]):
                    last = min(len(cells), len(self.labels))
                    self.unnamed_with_values.update(i for i in range(self.width, last) if cells[i].strip())
                elif len(cells) <= len(self.labels):
                    cells = cells[: self.width]
            clean = [value.strip() for value in cells]
            for i, (raw, value) in enumerate(zip(cells[: self.width], clean, strict=False)):
                if value and value != raw:
                    self._note_whitespace(i, number, raw)
            self._check_row(number, clean)
            self.line_of.append(number)
            yield clean
        self.trailing_blank = pending
        self.read_all = True
        if self.progress is not None and self.rows_done % PROGRESS_EVERY:
            self.progress(self.rows_done)

    # -- frictionless's findings, in Japanese ----------------------------------------------------------------

    def _row(self, row_number: int | None) -> int | None:
        if not row_number:
            return None
        k = row_number - 2  # frictionless counts its header as row 1 too, but it never saw the blank rows
        return self.line_of[k] if 0 <= k < len(self.line_of) else row_number

    def _column(self, field_name: str | None) -> _Column | None:
        if (
            field_name
            and field_name[:1] == "c"
            and field_name[1:].isdigit()
            and int(field_name[1:]) < len(self.columns)
        ):
            return self.columns[int(field_name[1:])]
        return None

    def translate(self, errors: list[Any]) -> None:
        extra: dict[int, int] = {}
        missing: dict[int, list[str]] = {}
        for err in errors:
            kind = str(getattr(err, "type", "") or "table-error")
            row = self._row(getattr(err, "row_number", None))
            column = self._column(getattr(err, "field_name", None))
            name = column.name if column else None
            cell = _show(str(getattr(err, "cell", "") or ""))
            note = str(getattr(err, "note", "") or "")
            if kind == "extra-cell" and row is not None:
                extra[row] = extra.get(row, 0) + 1
                continue
            if kind == "missing-cell" and row is not None:
                missing.setdefault(row, []).append(name or "")
                continue
            if kind == "type-error" and column is not None:
                message = self._type_message(column, cell)
            elif kind == "constraint-error" and column is not None:
                message = self._constraint_message(column, cell, note, row)
            elif kind == "unique-error" and column is not None:
                same = _SAME_ROW_NOTE.search(note)
                other = f"{self._row(int(same[1]))}行目" if same else "ほかの行"
                message = f"「{cell}」は{other}と重複しています（「{name}」の値は重複できません）。"
            else:
                message = f"確認できない問題があります（{getattr(err, 'message', '') or kind}）。"
            self.add(row, name, kind, _prefix(row, name) + message)
        named = len(self.columns)
        for row, count in extra.items():
            message = (
                f"{row}行目: 列名は{named}列ですが、この行は{named + count}列あります。"
                '値の中に半角の「,」があると列がずれます（「,」を含む値は「"」で囲んでください）。'
            )
            self.add(row, None, "extra-cell", message)
        for row, names in missing.items():
            message = (
                f"{row}行目: 列名は{named}列ですが、この行は{named - len(names)}列しかありません"
                f"（「{names[0]}」から後の値がありません）。"
            )
            self.add(row, None, "missing-cell", message)

    def _type_message(self, column: _Column, cell: str) -> str:
        kinds = {"number": "数値", "integer": "整数", "time": "時刻", "boolean": "真偽値", "year": "西暦年"}
        message = f"「{cell}」は{kinds.get(column.kind, column.kind)}ではありません。"
        return message + (_number_hint(cell) if column.kind in ("number", "integer") else "")

    def _constraint_message(self, column: _Column, cell: str, note: str, row: int | None) -> str:
        match = _CONSTRAINT_NOTE.search(note)
        constraint = match[1] if match else ""
        constraints = (column.spec or {}).get("constraints", {})
        if constraint == "required":
            return "値がありません（必須の項目です）。"
        if constraint in ("minimum", "maximum") and column.standard in _JAPAN:
            low, high = _JAPAN[column.standard]
            swapped = "緯度と経度が入れ替わっているようです。" if row in self.swapped else ""
            return f"「{cell}」は日本の{column.standard}の範囲（{low:g}〜{high:g}）にありません。{swapped}"
        if constraint in ("minimum", "maximum", "minLength", "maxLength"):
            limit = constraints.get(constraint, match[2] if match else "")
            unit = "文字" if constraint.endswith("Length") else ""
            side = "以上" if constraint.startswith("min") else "以下"
            return f"「{cell}」は{limit}{unit}{side}にしてください。"
        if constraint == "pattern":
            example = (column.spec or {}).get("example")
            return f"「{cell}」は形式が正しくありません" + (f"（例: {example}）。" if example else "。")
        if constraint == "enum":
            allowed = "、".join(f"「{v}」" for v in constraints.get("enum", []))
            blank = "" if constraints.get("required") else "、または空欄"
            return f"「{cell}」は使えない値です（使える値: {allowed}{blank}）。"
        return f"「{cell}」は決まりに合いません（{note}）。"

    # -- the end ----------------------------------------------------------------------------------------

    def finish(self, syntax: tuple[int, str] | None) -> None:
        if syntax:
            self.problems.append(_csv_problem(*syntax))
        if self.trailing_blank:
            first, last = self.trailing_blank[0], self.trailing_blank[-1]
            rows = f"{first}行目" if first == last else f"{first}〜{last}行目"
            message = f"{rows}は空の行です（空白だけの行を含みます）。ファイルの最後の空の行は無視しました。"
            self.add(first, None, "blank-row", message)
        for index in sorted(self.unnamed_with_values):
            message = f"{index + 1}列目に値がありますが、列名が空です。列名を入れるか、値を削除してください。"
            self.add(None, f"（{index + 1}列目）", "blank-header", message)
        if len(self.labels) > self.width and not self.unnamed_with_values:
            message = f"{self.width + 1}列目から右は列名も値もない空の列です。無視しました。"
            self.add(None, None, "empty-column", message)
        for index, w in self.whitespace.items():
            name = self.labels[index] or f"（{index + 1}列目）"
            where = "列名" if w.first_row == self.header_row else f"{w.first_row}行目「{_show(w.example)}」"
            side = "前" if w.example[:1].isspace() else "後ろ"
            kind = "全角スペース" if "\u3000" in w.example else "空白"
            message = (
                f"「{name}」: 値の{side}に{kind}があります（{w.count:,}件、最初は{where}）。"
                "空白を除いて確認しました。"
            )
            self.add(w.first_row, name, "whitespace", message)

    def report(self, row_count: int) -> Report:
        def order(p: Problem) -> tuple[int, bool, bool, int]:
            index = self.labels.index(p.column) if p.column in self.labels else -1
            return (p.row or 0, not p.blocking, p.column is not None, index)

        problems = sorted(self.problems, key=order)
        errors = [p for p in problems if p.blocking]
        if len(errors) > self.max_problems:
            last = errors[self.max_problems - 1]
            kept = {id(p) for p in errors[: self.max_problems]}
            problems = [p for p in problems if not p.blocking or id(p) in kept]
            message = (
                f"問題が多いため、最初の{self.max_problems:,}件（{last.row or 1}行目まで）だけを示しました。"
                "まずこれらを直してから、もう一度確かめてください。"
            )
            problems.append(Problem(None, None, "too-many-problems", message))
        spec = load_schema(self.schema) if self.schema else None
        return Report(
            valid=not any(p.blocking for p in problems),
            encoding_label=self.decoded.label,
            schema=self.schema,
            schema_title=spec.get("title") if spec else None,
            row_count=row_count,
            columns=list(self.labels[: self.width]),
            problems=problems,
        )


def validate_csv(
    data: bytes,
    *,
    schema: str | None = None,
    progress: Callable[[int], None] | None = None,
    max_problems: int = 1000,
) -> Report:
    """Check a CSV file. FileProblem when it cannot be read at all, KeyError for an unknown schema name;
    else the report (``progress(rows_done)`` is called every PROGRESS_EVERY rows and at the end)."""
    decoded = decode_csv(data)
    if schema is not None:
        load_schema(schema)
    run = _Run(decoded=decoded, schema=schema, progress=progress, max_problems=max(1, max_problems))
    records = _Records(decoded.text)
    run.header(records)
    run.match_columns()
    stream = iter(records)
    feed = run.rows(stream)
    resource = frictionless.Resource(data=lambda: feed, schema=run.frictionless_schema(), format="inline")
    result = resource.validate(limit_errors=run.max_problems + 1)
    run.translate([e for task in result.tasks for e in task.errors] + list(result.errors))
    if not run.read_all:  # frictionless stopped at its error limit: count the rows it did not read
        run.checking = False
        for _ in run.rows(stream, header=False):
            pass
    run.finish(records.syntax)
    return run.report(run.last_data_row - run.header_row if run.last_data_row else 0)
