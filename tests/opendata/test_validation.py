"""The validation engine on Koto's real files and on broken copies of them (made in tmp folders)."""

from __future__ import annotations

import csv
import io
import json
import random
import zipfile
from pathlib import Path

import frictionless
import pytest

from kotodx.opendata import validation
from kotodx.opendata.validation import FileProblem, decode_csv, validate_csv
from tests.opendata.conftest import KOTO

SIX = {
    "aed": "AED設置箇所一覧",
    "childcare-facilities": "子育て施設一覧",
    "evacuation-sites": "指定緊急避難場所一覧",
    "public-facilities": "公共施設一覧",
    "public-toilets": "公衆トイレ一覧",
    "public-wifi": "公衆無線LANアクセスポイント一覧",
}


def rows_of(name: str) -> list[list[str]]:
    text = (KOTO / name).read_text(encoding="utf-8")
    return list(csv.reader(io.StringIO(text, newline="")))


def to_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def copy_of(tmp_path: Path, name: str, data: bytes) -> bytes:
    """Broken copies are written to a tmp folder and read back, as an upload would be."""
    path = tmp_path / name
    path.write_bytes(data)
    return path.read_bytes()


def found(report: validation.Report) -> set[tuple[str, int | None, str | None]]:
    return {(p.code, p.row, p.column) for p in report.problems}


def messages(report: validation.Report) -> list[str]:
    return [p.message for p in report.problems]


# --- Koto's real files -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "rows", "notes"),
    [
        ("koto-park.csv", 171, set()),
        (
            "koto-library.csv",
            12,
            {
                ("whitespace", 2, "郵便番号"),  # "136-0076 " and four more
                ("whitespace", 3, "アクセス方法"),
                ("whitespace", 3, "画像"),  # URLs ending in a full-width space
                ("blank-row", 14, None),  # the last row: commas and one full-width space
            },
        ),
        ("koto-child-center.csv", 18, {("whitespace", 2, "郵便番号")}),
    ],
)
def test_kotos_facility_files_pass_the_public_facilities_schema(name, rows, notes):
    report = validate_csv((KOTO / name).read_bytes())
    assert report.schema == "public-facilities" and report.schema_title == "公共施設一覧"
    assert report.encoding_label == "UTF-8"
    assert report.valid, messages(report)
    assert report.row_count == rows
    assert report.columns == rows_of(name)[0] and len(report.columns) == 39
    assert found(report) == notes
    assert all(not p.blocking for p in report.problems)


def test_kotos_whitespace_and_trailing_blank_row_are_named_exactly():
    report = validate_csv((KOTO / "koto-library.csv").read_bytes())
    text = "\n".join(messages(report))
    assert "「郵便番号」: 値の後ろに空白があります（5件、最初は2行目「136-0076 」）。" in text
    assert (
        "「画像」: 値の後ろに全角スペースがあります（4件、最初は3行目「https://www.koto-lib.tokyo.jp/tabid92.html\u3000」）"
        in text
    )
    assert "14行目は空の行です" in text
    assert report.to_dict()["note_count"] == 4 and report.to_dict()["error_count"] == 0


def test_shift_jis_file_is_detected_and_gives_the_same_result_as_utf8():
    sjis = (KOTO / "koto-library.sjis.csv").read_bytes()
    decoded = decode_csv(sjis)
    assert (decoded.encoding, decoded.label) == ("cp932", "Shift_JIS")
    assert decoded.text == (KOTO / "koto-library.csv").read_text(encoding="utf-8")
    a, b = validate_csv(sjis).to_dict(), validate_csv((KOTO / "koto-library.csv").read_bytes()).to_dict()
    assert a.pop("encoding_label") == "Shift_JIS" and b.pop("encoding_label") == "UTF-8"
    assert a == b


def test_utf8_with_bom_is_labelled_and_checked_like_without(tmp_path):
    plain = (KOTO / "koto-park.csv").read_bytes()
    data = copy_of(tmp_path, "park-bom.csv", b"\xef\xbb\xbf" + plain)
    decoded = decode_csv(data)
    assert (decoded.encoding, decoded.label) == ("utf-8-sig", "UTF-8（BOM付き）")
    assert not decoded.text.startswith("\ufeff")
    report = validate_csv(data)
    assert report.encoding_label == "UTF-8（BOM付き）"
    assert report.valid and report.row_count == 171 and report.schema == "public-facilities"


def test_a_file_of_no_standard_layout_is_still_checked_for_structure():
    report = validate_csv((KOTO / "koto-gomi.csv").read_bytes())
    assert report.schema is None and report.valid and report.row_count == 58
    assert found(report) == {("no-schema", None, None), ("whitespace", 43, "じゅうしょ")}  # "ひらの　"


def test_a_chosen_schema_that_does_not_fit_names_every_missing_required_column():
    report = validate_csv((KOTO / "koto-gomi.csv").read_bytes(), schema="aed")
    assert not report.valid
    missing = [p.column for p in report.problems if p.code == "missing-column"]
    assert missing == ["全国地方公共団体コード", "ID", "名称", "緯度", "経度", "設置位置"]
    assert "必須の列「名称」がありません。" in messages(report)
    # 住所 is the older name of 所在地_連結表記: accepted, with a note.
    assert ("column-alias", None, "住所") in found(report)


# --- Broken copies ---------------------------------------------------------------------------------------


def test_a_stray_comma_in_a_latitude_shifts_the_row_and_is_named_with_its_row(tmp_path):
    lines = (KOTO / "koto-park.csv").read_bytes().decode("utf-8").split("\r\n")
    cells = lines[11].split(",")  # spreadsheet row 12
    cells[10] = "35.6,7"  # 緯度, unquoted: the row gets one cell too many
    lines[11] = ",".join(cells)
    report = validate_csv(copy_of(tmp_path, "park.csv", "\r\n".join(lines).encode()))
    assert not report.valid
    assert ("extra-cell", 12, None) in found(report)
    assert "12行目: 列名は39列ですが、この行は40列あります。" in "\n".join(messages(report))
    # 緯度 reads 35.6 now, and the 7 lands in 経度:
    assert "12行目「経度」: 「7」は日本の経度の範囲（122〜154）にありません。" in messages(report)
    assert {p.row for p in report.errors} == {12}


def test_a_quoted_value_with_a_comma_is_a_type_error_in_its_cell(tmp_path):
    rows = rows_of("koto-park.csv")
    rows[11][10] = "35.6,7"
    report = validate_csv(copy_of(tmp_path, "park.csv", to_csv(rows)))
    assert [p.code for p in report.errors] == ["type-error"]
    assert report.errors[0].message.startswith("12行目「緯度」: 「35.6,7」は数値ではありません。")
    assert (report.errors[0].row, report.errors[0].column) == (12, "緯度")


def test_a_blank_row_in_the_middle_is_an_error_a_blank_row_at_the_end_is_not(tmp_path):
    rows = rows_of("koto-park.csv")
    middle = [*rows[:6], [""] * 39, *rows[6:]]
    report = validate_csv(copy_of(tmp_path, "middle.csv", to_csv(middle)))
    assert not report.valid
    assert [(p.code, p.row) for p in report.errors] == [("blank-row-middle", 7)]
    assert report.errors[0].message.startswith("7行目が空の行です。")
    end = [*rows, [""] * 10 + ["\u3000"] + [""] * 28, [" "] * 39]
    report = validate_csv(copy_of(tmp_path, "end.csv", to_csv(end)))
    assert report.valid and report.row_count == 171
    assert found(report) == {("blank-row", 173, None)}
    assert "173〜174行目は空の行です" in report.problems[0].message


def test_municipal_codes_need_six_digits_and_the_right_check_digit(tmp_path):
    rows = rows_of("koto-park.csv")
    rows[2][0] = "13108"  # row 3: the 5-digit code without its check digit
    rows[3][0] = "131084"  # row 4: a wrong check digit
    rows[4][0] = "１３１０８３"  # row 5: full-width digits
    report = validate_csv(copy_of(tmp_path, "codes.csv", to_csv(rows)))
    column = "都道府県コード又は市区町村コード"
    assert [(p.code, p.row, p.column) for p in report.errors] == [
        ("municipal-code", 3, column),
        ("municipal-code", 4, column),
        ("municipal-code", 5, column),
    ]
    first, second, third = (p.message for p in report.errors)
    assert first.startswith(
        f"3行目「{column}」: 「13108」は6桁の全国地方公共団体コードではありません"
        "（検査数字を含む6桁、例: 131083）。"
    )
    assert "検査数字を付けた「131083」です" in first
    assert "「131084」は全国地方公共団体コードとして正しくありません" in second and "「131083」です" in second
    assert "全角の数字を半角にしてください" in third


def test_the_check_digit_follows_jis_x_0402():
    assert validation.municipal_check_digit("13108") == "3"  # 江東区 131083
    assert validation.municipal_check_digit("13101") == "6"  # 千代田区 131016
    # 新宿区 is 131041: 6+15+4+0+8 = 33, remainder 0, and the check digit is 11 − 0 → 1 (not 0).
    assert validation.municipal_check_digit("13104") == "1"
    assert validation.municipal_check_digit("01000") == "6"  # 北海道 010006
    assert validation._municipal_problem("131041") is None
    assert "先頭の「0」が消えているようです（「092011」）" in validation._municipal_problem("92011")


def test_columns_in_another_order_are_matched_by_name(tmp_path):
    rows = rows_of("koto-park.csv")
    order = list(range(39))
    random.Random(131083).shuffle(order)
    shuffled = [[row[i] for i in order] for row in rows]
    report = validate_csv(copy_of(tmp_path, "shuffled.csv", to_csv(shuffled)))
    assert report.schema == "public-facilities"
    assert report.valid and report.problems == [] and report.row_count == 171
    assert report.columns == [rows[0][i] for i in order]
    # ...and errors are still found in the right column:
    shuffled[5][order.index(10)] = "北緯35度"
    report = validate_csv(copy_of(tmp_path, "shuffled2.csv", to_csv(shuffled)))
    assert [(p.code, p.row, p.column) for p in report.errors] == [("type-error", 6, "緯度")]


def test_a_missing_required_column_is_named(tmp_path):
    rows = [row[:4] + row[5:] for row in rows_of("koto-park.csv")]  # without 名称
    report = validate_csv(copy_of(tmp_path, "no-name.csv", to_csv(rows)))
    assert report.schema == "public-facilities"
    assert [(p.code, p.column, p.message) for p in report.errors] == [
        ("missing-column", "名称", "必須の列「名称」がありません。")
    ]


def test_swapped_latitude_and_longitude_are_out_of_range_and_said_to_be_swapped(tmp_path):
    rows = rows_of("koto-park.csv")
    rows[6][10], rows[6][11] = "139.804491", "35.677882"
    rows[7][10], rows[7][11] = "135", "35"
    report = validate_csv(copy_of(tmp_path, "swapped.csv", to_csv(rows)))
    assert [(p.code, p.row, p.column) for p in report.errors] == [
        ("constraint-error", 7, "緯度"),
        ("constraint-error", 7, "経度"),
        ("constraint-error", 8, "緯度"),
        ("constraint-error", 8, "経度"),
    ]
    assert report.errors[2].message == (
        "8行目「緯度」: 「135」は日本の緯度の範囲（20〜46）にありません。"
        "緯度と経度が入れ替わっているようです。"
    )
    assert report.errors[3].message.startswith(
        "8行目「経度」: 「35」は日本の経度の範囲（122〜154）にありません。"
    )


def test_values_that_break_the_schema_say_what_is_expected(tmp_path):
    rows = rows_of("koto-park.csv")
    rows[8][1] = rows[7][1]  # row 9: NO repeats row 8
    rows[9][38] = "2021/2/30"  # 最終確認日 that does not exist
    rows[10][38] = "令和3年1月1日"
    rows[11][26] = "有"  # 駐車場_有無 is 0 or 1 here
    rows[12][17] = "9時"  # 開始時間
    rows[13][29] = "４００"  # 料金(基本) in full-width digits
    rows[14][4] = ""  # 名称 is required
    report = validate_csv(copy_of(tmp_path, "values.csv", to_csv(rows)))
    assert messages(report) == [
        "9行目「NO」: 「7」は8行目と重複しています（「NO」の値は重複できません）。",
        "10行目「最終確認日」: 「2021/2/30」は存在しない日付です。",
        "11行目「最終確認日」: 「令和3年1月1日」は日付ではありません（例: 2021-06-14 または 2021/6/14）。"
        "年月日は「-」か「/」で区切り、西暦で書いてください。",
        "12行目「駐車場_有無」: 「有」は使えない値です（使える値: 「0」、「1」、または空欄）。",
        "13行目「開始時間」: 「9時」は形式が正しくありません（例: 9:00）。",
        "14行目「料金(基本)」: 「４００」は数値ではありません。全角の数字や記号を半角にしてください。",
        "15行目「名称」: 値がありません（必須の項目です）。",
    ]


def test_rows_with_missing_cells_are_reported_once_per_row(tmp_path):
    rows = rows_of("koto-park.csv")
    rows[3] = rows[3][:30]
    report = validate_csv(copy_of(tmp_path, "short.csv", to_csv(rows)))
    assert [(p.code, p.row) for p in report.errors] == [("missing-cell", 4)]
    assert report.errors[0].message == (
        "4行目: 列名は39列ですが、この行は30列しかありません（「料金(詳細)」から後の値がありません）。"
    )


def test_header_problems_blank_duplicate_and_a_title_above_the_header(tmp_path):
    rows = rows_of("koto-park.csv")
    broken = [list(r) for r in rows]
    broken[0][6] = ""  # 名称_通称 without a name
    broken[0][9] = "名称"  # 方書 renamed to a name already used
    report = validate_csv(copy_of(tmp_path, "header.csv", to_csv(broken)))
    assert ("blank-header", None, "（7列目）") in found(report)
    assert ("duplicate-header", None, "名称") in found(report)
    assert not report.valid
    titled = [["江東区立公園一覧"], [], *rows]
    report = validate_csv(copy_of(tmp_path, "titled.csv", to_csv(titled)))
    assert report.schema == "public-facilities" and report.row_count == 171
    assert [p.code for p in report.errors] == ["header-not-first"]
    assert "列名が1行目ではなく3行目にあります" in report.errors[0].message


def test_an_empty_trailing_column_is_a_note(tmp_path):
    text = (KOTO / "koto-park.csv").read_bytes().decode("utf-8")
    data = "\r\n".join(line + "," if line else line for line in text.split("\r\n")).encode()
    report = validate_csv(copy_of(tmp_path, "trailing.csv", data))
    assert report.valid and len(report.columns) == 39
    assert found(report) == {("empty-column", None, None)}


def test_an_unclosed_quote_is_reported_where_it_starts(tmp_path):
    rows = rows_of("koto-child-center.csv")
    text = to_csv(rows).decode().replace(",森下児童館,", ',"森下児童館,', 1)
    report = validate_csv(copy_of(tmp_path, "quote.csv", text.encode()))
    assert not report.valid
    syntax = [p for p in report.problems if p.code == "csv-syntax"]
    assert len(syntax) == 1 and syntax[0].row == 2 and "閉じられていません" in syntax[0].message


# --- Files that are not CSV at all ----------------------------------------------------------------------


def _zip(names: list[str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02", "PNG画像"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "PDFファイル"),
        (_zip(["131083_park.csv"]), "ZIP圧縮ファイル"),
        (
            _zip(["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/worksheets/sheet1.xml"]),
            "Excelファイル（xlsx）のようです。CSV形式で保存してください",
        ),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "Excelファイル（xls）"),
        (b"<!DOCTYPE html>\n<html lang=ja><title>404</title></html>", "HTMLファイル"),
    ],
)
def test_files_of_another_kind_renamed_csv_are_refused_by_kind(tmp_path, data, kind):
    with pytest.raises(FileProblem) as problem:
        validate_csv(copy_of(tmp_path, "renamed.csv", data))
    assert kind in str(problem.value)


def test_empty_binary_and_undecodable_files_are_refused(tmp_path):
    cases = {
        "empty.csv": (b"", "ファイルが空です"),
        "blank.csv": (b"\r\n \r\n", "空白や改行だけ"),
        "commas.csv": (b",,,\r\n,,,\r\n", "空の行だけ"),
        "random.csv": (random.Random(7).randbytes(4096) + b"\x00", "NULバイト"),
        "utf16.csv": ((KOTO / "koto-gomi.csv").read_text(encoding="utf-8").encode("utf-16"), "UTF-16"),
        "euc.csv": ((KOTO / "koto-park.csv").read_text(encoding="utf-8").encode("euc_jp"), "EUC-JP"),
        "latin.csv": (b"name,\xff\xfe\xfd\r\n", "文字コードを判別できません"),
    }
    for name, (data, words) in cases.items():
        with pytest.raises(FileProblem) as problem:
            validate_csv(copy_of(tmp_path, name, data))
        assert words in str(problem.value), name


def test_a_file_over_max_bytes_is_refused(tmp_path, monkeypatch):
    data = (KOTO / "koto-park.csv").read_bytes()
    monkeypatch.setattr(validation, "MAX_BYTES", len(data) - 1)
    with pytest.raises(FileProblem) as problem:
        validate_csv(copy_of(tmp_path, "park.csv", data))
    assert str(problem.value).startswith("ファイルが大きすぎます（70.6KB）。70.6KBまでにしてください。")
    monkeypatch.setattr(validation, "MAX_BYTES", len(data))
    assert validate_csv(data).valid


# --- Limits, progress, the report ------------------------------------------------------------------------


def _many_parks(copies: int) -> tuple[bytes, int]:
    rows = rows_of("koto-park.csv")
    out, number = [rows[0]], 0
    for _ in range(copies):
        for row in rows[1:]:
            number += 1
            out.append([row[0], str(number), *row[2:]])
    return to_csv(out), number


def test_progress_is_called_every_thousand_rows_and_at_the_end():
    data, count = _many_parks(15)  # 2,565 rows
    calls: list[int] = []
    report = validate_csv(data, progress=calls.append)
    assert report.valid and report.row_count == count
    assert calls == [1000, 2000, count]


def test_collecting_stops_after_max_problems_and_says_so():
    data, count = _many_parks(6)
    data = data.replace(b"\r\n131083,", b"\r\n13108,")  # every row's code loses its check digit
    calls: list[int] = []
    report = validate_csv(data, max_problems=25, progress=calls.append)
    assert not report.valid and report.row_count == count
    assert len(report.errors) == 26 and report.errors[-1].code == "too-many-problems"
    assert "最初の25件（26行目まで）だけを示しました" in report.errors[-1].message
    assert calls[-1] == count  # the rows after the limit are still counted


def test_the_report_is_json_and_notes_do_not_make_it_invalid():
    report = validate_csv((KOTO / "koto-library.csv").read_bytes())
    data = json.loads(json.dumps(report.to_dict(), ensure_ascii=False))
    assert data["valid"] is True and data["schema"] == "public-facilities" and data["row_count"] == 12
    assert {p["code"] for p in data["problems"]} <= validation.NON_BLOCKING
    assert all(p["blocking"] is False for p in data["problems"])
    assert {"row", "column", "code", "message", "blocking"} == set(data["problems"][0])
    text = validation.format_report(report)
    assert "文字コード: UTF-8" in text and "データ行数: 12" in text and "結果: 適合" in text


# --- The schemas ----------------------------------------------------------------------------------------


def test_the_six_schemas_are_listed_with_japanese_titles():
    assert validation.schema_names() == sorted(SIX.items())
    with pytest.raises(KeyError):
        validation.load_schema("../settings")
    with pytest.raises(KeyError):
        validate_csv((KOTO / "koto-park.csv").read_bytes(), schema="no-such-schema")


@pytest.mark.parametrize("name", sorted(SIX))
def test_each_schema_is_a_valid_table_schema_in_japanese(name):
    descriptor = validation.load_schema(name)
    assert descriptor["name"] == name and descriptor["title"] == SIX[name]
    assert frictionless.Schema.validate_descriptor(descriptor).valid
    schema = frictionless.Schema.from_descriptor(descriptor)
    assert len(schema.fields) == len({f.name for f in schema.fields}) >= 20
    for f in descriptor["fields"]:
        assert any("\u3040" <= ch <= "\u9fff" for ch in f["title"]), f["name"]
        if f["name"] == "緯度":
            assert (f["type"], f["constraints"]["minimum"], f["constraints"]["maximum"]) == ("number", 20, 46)
        if f["name"] == "経度":
            assert (f["type"], f["constraints"]["minimum"], f["constraints"]["maximum"]) == (
                "number",
                122,
                154,
            )


def test_schema_columns_follow_the_standards():
    facilities = validation.load_schema("public-facilities")
    assert [f["name"] for f in facilities["fields"]] == rows_of("koto-park.csv")[0]
    aed = [f["name"] for f in validation.load_schema("aed")["fields"]]
    assert aed[:6] == ["全国地方公共団体コード", "ID", "地方公共団体名", "名称", "名称_カナ", "名称_英字"]
    assert aed[-2:] == ["外部利用不可", "備考"] and len(aed) == 39 and "小児対応設備の有無" in aed

    def required(name: str) -> set[str]:
        return {f["name"] for f in validation.load_schema(name)["fields"] if validation._is_required(f)}

    assert {"名称", "所在地_連結表記", "設置位置"} <= required("public-toilets")
    hazards = {
        f"災害種別_{h}"
        for h in (
            "洪水",
            "崖崩れ、土石流及び地滑り",
            "高潮",
            "地震",
            "津波",
            "大規模な火事",
            "内水氾濫",
            "火山現象",
        )
    }
    assert {
        "名称",
        "所在地_連結表記",
        "電話番号",
        "全国地方公共団体コード",
        "指定避難所との重複",
    } | hazards <= required("evacuation-sites")


def test_guessing_needs_sixty_percent_of_a_schemas_columns():
    header = rows_of("koto-park.csv")[0]
    assert validation.guess_schema(header) == "public-facilities"
    assert validation.guess_schema(header[:24]) == "public-facilities"  # 24 of 39 = 62 %
    assert validation.guess_schema(header[:23]) is None  # 59 %
    assert validation.guess_schema(rows_of("koto-gomi.csv")[0]) is None


def test_an_older_evacuation_layout_is_accepted_with_notes_and_its_values_checked(tmp_path):
    hazards = [
        "洪水",
        "崖崩れ、土石流及び地滑り",
        "高潮",
        "地震",
        "津波",
        "大規模な火事",
        "内水氾濫",
        "火山現象",
    ]
    header = [
        "市区町村コード",
        "NO",
        "名称",
        "住所",
        "電話番号",
        "緯度",
        "経度",
        *[f"災害種別_{h}" for h in hazards],
        "指定避難所との重複",
        "想定収容人数",
    ]
    rows = [
        header,
        [
            "131083",
            "1",
            "江東区役所",
            "東京都江東区東陽4-11-28",
            "03-3647-9111",
            "35.672851",
            "139.817414",
            "1",
            "",
            "1",
            "1",
            "",
            "1",
            "1",
            "",
            "1",
            "500",
        ],
        [
            "131083",
            "2",
            "木場公園",
            "東京都江東区平野4-6-1",
            "03-5245-1770",
            "35.67",
            "139.81",
            "○",
            "",
            "",
            "1",
            "",
            "1",
            "",
            "",
            "",
            "約1万人",
        ],
    ]
    report = validate_csv(copy_of(tmp_path, "hinan.csv", to_csv(rows)), schema="evacuation-sites")
    assert report.schema == "evacuation-sites"
    assert {
        ("column-alias", None, "市区町村コード"),
        ("column-alias", None, "NO"),
        ("column-alias", None, "住所"),
    } <= (found(report))
    assert [p.message for p in report.errors] == [
        "3行目「災害種別_洪水」: 「○」は使えない値です（使える値: 「1」、または空欄）。",
        "3行目「想定収容人数」: 「約1万人」は整数ではありません。",
    ]
    without = [r[:7] + r[8:] for r in rows]  # the column 災害種別_洪水 left out
    report = validate_csv(copy_of(tmp_path, "hinan2.csv", to_csv(without)), schema="evacuation-sites")
    assert ("missing-column", None, "災害種別_洪水") in found(report)


def test_toilet_counts_are_numbers_and_facilities_have_or_have_not(tmp_path):
    header = [
        "全国地方公共団体コード",
        "ID",
        "名称",
        "所在地_連結表記",
        "設置位置",
        "緯度",
        "経度",
        "男性トイレ総数",
        "女性トイレ総数",
        "多機能トイレ数",
        "車椅子使用者用トイレ有無",
        "オストメイト設置トイレ有無",
    ]
    rows = [
        header,
        [
            "131083",
            "1",
            "木場公園トイレ",
            "東京都江東区平野4-6-1",
            "公園北口",
            "35.67",
            "139.81",
            "3",
            "3",
            "1",
            "有",
            "無",
        ],
        [
            "131083",
            "2",
            "猿江恩賜公園トイレ",
            "東京都江東区住吉2-2",
            "",
            "35.69",
            "139.82",
            "2個",
            "2",
            "1",
            "あり",
            "無",
        ],
    ]
    report = validate_csv(copy_of(tmp_path, "toilets.csv", to_csv(rows)), schema="public-toilets")
    assert report.schema == "public-toilets"
    assert [p.message for p in report.errors] == [
        "3行目「設置位置」: 値がありません（必須の項目です）。",
        "3行目「男性トイレ総数」: 「2個」は整数ではありません。"
        "単位などの文字を付けず、数字だけにしてください。",
        "3行目「車椅子使用者用トイレ有無」: 「あり」は使えない値です"
        "（使える値: 「有」、「無」、または空欄）。",
    ]
