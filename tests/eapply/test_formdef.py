"""The e-application form engine (kotodx.eapply.formdef) with real Django forms: no database, no mocks."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict
from django.template import Context, Engine
from django.utils import timezone
from django.utils.datastructures import MultiValueDict

from kotodx.core.fiscal import format_both, format_wareki
from kotodx.eapply import formdef
from kotodx.eapply.formdef import (
    FIELD_TYPES,
    DefinitionError,
    columns,
    merge_page,
    missing_pages,
    page_answers,
    page_form,
    parse_definition_json,
    prune,
    row,
    summary,
    towns,
    validate_definition,
    visible_pages,
)

DATA = Path(__file__).resolve().parents[1] / "data"  # tests/data/SOURCES.md
SOURCE_TOWNS = DATA / "gis" / "geolonia_japanese-addresses_api_ja_tokyo_koto-ku.json"
TEMPLATES = Path(formdef.__file__).parent / "templates"

KIDS_GROUP: dict[str, Any] = {
    "id": "kids",
    "type": "group",
    "label": "お子さん",
    "min_items": 1,
    "max_items": 3,
    "fields": [
        {"id": "kid_name", "type": "text", "label": "氏名", "required": True, "max_length": 20},
        {"id": "kid_birth", "type": "date", "label": "生年月日", "required": True, "max_date": "today"},
        {"id": "in_nursery", "type": "yesno", "label": "在園"},
        {
            "id": "nursery",
            "type": "text",
            "label": "園名",
            "required": True,
            "show_if": {"field": "in_nursery", "equals": True},
        },
    ],
}

DEFN: dict[str, Any] = {
    "title": "テスト申請",
    "pages": [
        {
            "id": "about",
            "title": "あなたについて",
            "fields": [
                {"id": "name", "type": "text", "label": "氏名", "required": True, "max_length": 10},
                {"id": "works", "type": "yesno", "label": "お勤め", "required": True},
                {
                    "id": "employer",
                    "type": "text",
                    "label": "勤務先",
                    "required": True,
                    "max_length": 5,
                    "show_if": {"field": "works", "equals": True},
                },
                {
                    "id": "status",
                    "type": "radio",
                    "label": "状況",
                    "choices": [
                        {"value": "student", "label": "学生"},
                        {"value": "retired", "label": "退職"},
                        {"value": "other", "label": "その他"},
                    ],
                },
            ],
        },
        {"id": "family", "title": "ご家族", "fields": [copy.deepcopy(KIDS_GROUP)]},
        {
            "id": "work",
            "title": "お勤め先",
            "show_if": {"field": "works", "equals": True},
            "fields": [
                {
                    "id": "work_days",
                    "type": "number",
                    "label": "週の勤務日数",
                    "required": True,
                    "integer": True,
                    "min": 1,
                    "max": 7,
                    "unit": "日",
                },
            ],
        },
        {
            "id": "extra",
            "title": "そのほか",
            "fields": [
                {
                    "id": "other_detail",
                    "type": "text",
                    "label": "その他の内容",
                    "required": True,
                    "show_if": {"field": "status", "equals": "other"},
                },
                {
                    "id": "student_info",
                    "type": "info",
                    "label": "学生の方へ",
                    "text": "学生証の写しを用意してください。",
                    "show_if": {"field": "status", "equals": "student"},
                },
                {"id": "note", "type": "textarea", "label": "連絡事項", "max_length": 20},
            ],
        },
    ],
}


@pytest.fixture
def defn() -> dict[str, Any]:
    return validate_definition(copy.deepcopy(DEFN))


def one_page(*fields: dict[str, Any]) -> dict[str, Any]:
    return validate_definition(
        {"title": "テスト", "pages": [{"id": "p", "title": "ページ", "fields": list(fields)}]}
    )


def submit(
    fields: list[dict[str, Any]] | dict[str, Any],
    data: dict[str, Any],
    files: Any = None,
    answers: dict[str, Any] | None = None,
) -> formdef.PageForm:
    d = one_page(*(fields if isinstance(fields, list) else [fields]))
    return page_form(d, "p", answers or {}, data=data, files=files)


def answer(spec: dict[str, Any], text: Any) -> Any:
    form = submit(spec, {spec["id"]: text})
    assert form.is_valid(), form.errors
    return page_answers(form)[0][spec["id"]]


def error(spec: dict[str, Any], text: Any) -> str:
    form = submit(spec, {spec["id"]: text})
    assert not form.is_valid()
    return " ".join(form.errors[spec["id"]])


def today() -> dt.date:
    return timezone.localdate()


# --- files as the browser sends them ---------------------------------------------------------------------


def pdf_bytes(size: int = 0) -> bytes:
    body = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    return body + b"%" * max(0, size - len(body))


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def exe_bytes() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200 + b"This program"


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("readme.txt", "hello")
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


# --- the field types ---------------------------------------------------------------------------------------


def test_field_types_have_japanese_labels():
    assert set(FIELD_TYPES) == {
        "text",
        "textarea",
        "number",
        "date",
        "select",
        "radio",
        "checkboxes",
        "yesno",
        "email",
        "phone",
        "postal_code",
        "address",
        "file",
        "group",
        "info",
    }
    assert all(any("\u3040" <= ch <= "\u9fff" for ch in label) for label in FIELD_TYPES.values())


TEXT = {"id": "name", "type": "text", "label": "氏名", "required": True, "max_length": 10}
KANA = {
    "id": "kana",
    "type": "text",
    "label": "フリガナ",
    "pattern": "^[ァ-ヶー　 ]+$",
    "pattern_message": "全角カタカナで入力してください。",
}


def test_text_required_and_length_messages_name_the_field():
    assert error(TEXT, "") == "氏名を入力してください。"
    assert error(TEXT, "   ") == "氏名を入力してください。"
    assert error(TEXT, "あ" * 11) == "氏名は10文字以内で入力してください（いまは11文字です）。"
    assert answer(TEXT, "  江東 花子 ") == "江東 花子"
    assert answer(TEXT, "あ" * 10) == "あ" * 10


def test_text_min_length_and_newline():
    spec = {"id": "code", "type": "text", "label": "コード", "min_length": 3}
    assert error(spec, "ab") == "コードは3文字以上で入力してください。"
    assert "改行" in error(spec, "abc\ndef")


def test_text_pattern_with_its_message():
    assert answer(KANA, "コウトウ　ハナコ") == "コウトウ　ハナコ"
    assert error(KANA, "こうとう") == "フリガナは全角カタカナで入力してください。"
    assert error(KANA, "ｺｳﾄｳ") == "フリガナは全角カタカナで入力してください。"
    no_message = {"id": "code", "type": "text", "label": "番号", "pattern": "[0-9]{3}"}
    assert error(no_message, "12a") == "番号の形式が正しくありません。"
    assert error(no_message, "1234") == "番号の形式が正しくありません。"  # the whole answer must match


def test_script_in_a_text_field_is_kept_verbatim_as_text():
    script = '<script>alert("x")</script> & <b>太字</b>'
    assert answer({"id": "note", "type": "text", "label": "備考"}, script) == script
    assert answer({"id": "memo", "type": "textarea", "label": "メモ"}, script) == script


def test_textarea_keeps_lines_and_counts_them_once():
    spec = {"id": "memo", "type": "textarea", "label": "メモ", "max_length": 5}
    assert answer(spec, "あ\r\nい\r\nう") == "あ\nい\nう"
    assert "5文字以内" in error(spec, "あいうえおか")


def test_optional_fields_left_empty_are_none():
    form = submit(
        [
            {"id": "note", "type": "text", "label": "備考"},
            {"id": "age", "type": "number", "label": "年齢"},
            {"id": "ok", "type": "yesno", "label": "同意"},
            {"id": "when", "type": "date", "label": "日付"},
            {"id": "tags", "type": "checkboxes", "label": "分類", "choices": [{"value": "a", "label": "A"}]},
        ],
        {},
    )
    assert form.is_valid(), form.errors
    assert page_answers(form)[0] == {"note": None, "age": None, "ok": None, "when": None, "tags": []}


NUMBER = {
    "id": "copies",
    "type": "number",
    "label": "通数",
    "integer": True,
    "min": 1,
    "max": 10,
    "unit": "通",
}


@pytest.mark.parametrize(("text", "value"), [("3", 3), ("３", 3), ("１０", 10), (" 1 ", 1), ("3.0", 3)])
def test_number_reads_full_width_digits(text, value):
    result = answer(NUMBER, text)
    assert result == value and isinstance(result, int)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0", "通数は1通から10通までで入力してください。"),
        ("11", "通数は1通から10通までで入力してください。"),
        ("2.5", "通数は整数で入力してください。"),
        ("たくさん", "通数は数字で入力してください。"),
    ],
)
def test_number_refuses(text, message):
    assert error(NUMBER, text) == message


def test_decimal_number_with_separators_and_one_sided_range():
    spec = {"id": "area", "type": "number", "label": "面積", "min": 0}
    assert answer(spec, "1,234.5") == 1234.5
    assert answer(spec, "１２．５") == 12.5
    assert error(spec, "−1") == "面積は0以上の数で入力してください。"
    assert (
        error({"id": "t", "type": "number", "label": "温度", "max": 40}, "41")
        == "温度は40以下の数で入力してください。"
    )


DATE = {"id": "birth", "type": "date", "label": "生年月日", "required": True, "max_date": "today"}


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2024-04-01", "2024-04-01"),
        ("2024/4/1", "2024-04-01"),
        ("2024年4月1日", "2024-04-01"),
        ("２０２４年４月１日", "2024-04-01"),
        ("令和6年4月1日", "2024-04-01"),
        ("令和６年４月１日", "2024-04-01"),
        ("R6.4.1", "2024-04-01"),
        ("令和元年5月1日", "2019-05-01"),
        ("平成31年4月30日", "2019-04-30"),
        ("昭和64年1月7日", "1989-01-07"),
        ("H1.1.8", "1989-01-08"),
    ],
)
def test_date_reads_western_and_wareki(text, iso):
    assert answer(DATE, text) == iso


@pytest.mark.parametrize(
    ("text", "part"),
    [
        ("2023-02-29", "存在しない日付"),
        ("平成31年5月1日", "すでに令和"),
        ("令和0年1月1日", "令和0年はありません"),
        ("あした", "日付として読めません"),
    ],
)
def test_date_refuses_impossible_dates(text, part):
    message = error(DATE, text)
    assert message.startswith("生年月日を正しく入力してください。") and part in message


def test_date_max_today_refuses_tomorrow():
    tomorrow = today() + dt.timedelta(days=1)
    assert (
        error(DATE, tomorrow.isoformat()) == f"生年月日は{format_both(today())}以前の日付を入力してください。"
    )
    assert answer(DATE, format_wareki(today())) == today().isoformat()


def test_date_relative_range_rule():
    spec = {
        "id": "pickup",
        "type": "date",
        "label": "収集日",
        "required": True,
        "min_date": "+7d",
        "max_date": "+60d",
    }
    first, last = today() + dt.timedelta(days=7), today() + dt.timedelta(days=60)
    expected = f"収集日は{format_both(first)}から{format_both(last)}までの日付を入力してください。"
    assert error(spec, (first - dt.timedelta(days=1)).isoformat()) == expected
    assert error(spec, (last + dt.timedelta(days=1)).isoformat()) == expected
    assert answer(spec, first.isoformat()) == first.isoformat()
    assert answer(spec, format_wareki(last)) == last.isoformat()


def test_date_absolute_min_and_relative_units():
    spec = {"id": "d", "type": "date", "label": "日付", "min_date": "2020-01-01"}
    assert (
        error(spec, "令和元年12月31日")
        == f"日付は{format_both(dt.date(2020, 1, 1))}以降の日付を入力してください。"
    )
    base = dt.date(2024, 1, 31)
    assert formdef.resolve_date_rule("+1m", base) == dt.date(2024, 2, 29)
    assert formdef.resolve_date_rule("-1y", dt.date(2024, 2, 29)) == dt.date(2023, 2, 28)
    assert formdef.resolve_date_rule("+2w", base) == dt.date(2024, 2, 14)
    assert formdef.resolve_date_rule("today", base) == base
    with pytest.raises(ValueError):
        formdef.resolve_date_rule("next week", base)


CHOICES = [
    {"value": "a", "label": "りんご"},
    {"value": "b", "label": "みかん"},
    {"value": "c", "label": "ぶどう"},
]


@pytest.mark.parametrize("ftype", ["select", "radio"])
def test_single_choice(ftype):
    spec = {"id": "fruit", "type": ftype, "label": "果物", "required": True, "choices": CHOICES}
    assert answer(spec, "b") == "b"
    assert error(spec, "") == "果物を選んでください。"
    assert error(spec, "z") == "果物は選択肢の中から選んでください。"


def test_checkboxes_min_max_and_order():
    spec = {
        "id": "fruits",
        "type": "checkboxes",
        "label": "果物",
        "required": True,
        "choices": CHOICES,
        "min_selected": 2,
        "max_selected": 2,
    }
    assert answer(spec, ["c", "a"]) == ["a", "c"]  # in the order of the choices
    assert error(spec, []) == "果物を1つ以上選んでください。"
    assert error(spec, ["a"]) == "果物は2個以上選んでください。"
    assert error(spec, ["a", "b", "c"]) == "果物は2個まで選べます。"
    assert error(spec, ["a", "zz"]) == "果物は選択肢の中から選んでください。"


def test_yesno_is_stored_as_bool():
    spec = {"id": "agree", "type": "yesno", "label": "同意", "required": True}
    assert answer(spec, "yes") is True
    assert answer(spec, "no") is False
    assert error(spec, "") == "同意を選んでください。"
    assert error(spec, "maybe") == "同意は選択肢の中から選んでください。"


EMAIL = {"id": "email", "type": "email", "label": "メールアドレス", "required": True}


def test_email():
    assert answer(EMAIL, "koto.hanako@example.jp") == "koto.hanako@example.jp"
    assert answer(EMAIL, "ｋｏｔｏ＠ｅｘａｍｐｌｅ．ｊｐ") == "koto@example.jp"
    for bad in ("koto", "koto@", "@example.jp", "koto@example", "こうとう@example.jp"):
        assert error(EMAIL, bad) == "メールアドレスの形式が正しくありません。例: koto.hanako@example.jp", bad


PHONE = {"id": "tel", "type": "phone", "label": "電話番号", "required": True}


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("03-1234-5678", "03-1234-5678"),
        ("０３－１２３４－５６７８", "03-1234-5678"),
        ("03ー1234ー5678", "03-1234-5678"),
        ("0312345678", "0312345678"),
        ("０３１２３４５６７８", "0312345678"),
        ("090-1234-5678", "090-1234-5678"),
        ("09012345678", "09012345678"),
        ("03(1234)5678", "03-1234-5678"),
        ("03 1234 5678", "03-1234-5678"),
        ("+81 90 1234 5678", "090-1234-5678"),
        ("+81-3-1234-5678", "03-1234-5678"),
        ("0120-123-456", "0120-123-456"),
        ("050-1234-5678", "050-1234-5678"),
    ],
)
def test_phone_accepts_japanese_numbers(text, stored):
    assert answer(PHONE, text) == stored


@pytest.mark.parametrize(
    "text",
    ["1234-5678", "03-1234-567", "090-1234-567", "031234567890", "03-12-34-5678", "電話", "00-1234-5678"],
)
def test_phone_refuses(text):
    assert error(PHONE, text).startswith("電話番号は市外局番から、数字10桁または11桁で入力してください。")


POSTAL = {"id": "zip", "type": "postal_code", "label": "郵便番号", "required": True}


@pytest.mark.parametrize(
    "text", ["135-8383", "1358383", "〒135-8383", "〒 135-8383", "１３５－８３８３", "135ー8383"]
)
def test_postal_code_is_stored_with_a_hyphen(text):
    assert answer(POSTAL, text) == "135-8383"


@pytest.mark.parametrize("text", ["1358-383", "abc-defg"])
def test_postal_code_refuses(text):
    assert error(POSTAL, text) == "郵便番号は7桁の数字で入力してください。例: 135-8383"


@pytest.mark.parametrize(("text", "digits"), [("135-838", 6), ("13583830", 8)])
def test_postal_code_with_a_wrong_number_of_digits_says_how_many(text, digits):
    assert error(POSTAL, text) == (
        f"郵便番号の桁数が違います（{digits}桁です）。7桁の数字で入力してください。例: 135-8383"
    )


def test_postal_code_that_japan_post_does_not_have_is_refused():
    assert error(POSTAL, "999-9999") == "「999-9999」という郵便番号はありません。番号を確かめてください。"


ADDRESS = {"id": "addr", "type": "address", "label": "住所", "required": True}


def test_address_town_from_the_list_plus_banchi():
    form = submit(ADDRESS, {"addr_0": "東陽四丁目", "addr_1": "１１－２８　コトマンション101"})
    assert form.is_valid(), form.errors
    assert page_answers(form)[0]["addr"] == {"town": "東陽四丁目", "detail": "11-28 コトマンション101"}
    assert not submit(ADDRESS, {"addr_0": "銀座一丁目", "addr_1": "1-1"}).is_valid()
    assert submit(ADDRESS, {"addr_0": "銀座一丁目", "addr_1": "1-1"}).errors["addr"] == [
        "住所の町丁目は一覧の中から選んでください。"
    ]
    assert submit(ADDRESS, {"addr_0": "東陽四丁目", "addr_1": ""}).errors["addr"] == [
        "住所の番地を入力してください。例: 4-11-28"
    ]
    assert submit(ADDRESS, {}).errors["addr"] == ["住所の町丁目を選び、番地を入力してください。"]
    optional = {**ADDRESS, "required": False}
    form = submit(optional, {"addr_0": "豊洲三丁目", "addr_1": ""})
    assert form.is_valid() and page_answers(form)[0]["addr"] == {"town": "豊洲三丁目", "detail": ""}
    assert submit(optional, {"addr_0": "", "addr_1": "1-2-3"}).errors["addr"] == [
        "住所の町丁目を選んでください。"
    ]


def test_towns_are_kotos_town_list_with_attribution():
    names = towns()
    source = json.loads(SOURCE_TOWNS.read_text(encoding="utf-8"))
    assert names == [t["town"] + t["koaza"] for t in source]
    assert len(names) == 159 and len(set(names)) == 159
    assert {"東陽四丁目", "豊洲三丁目", "亀戸一丁目", "門前仲町二丁目", "若洲三丁目"} <= set(names)
    data = json.loads((formdef.DATA_DIR / "koto_towns.json").read_text(encoding="utf-8"))
    assert set(data) == {"attribution", "towns"}
    assert "国土交通省" in data["attribution"] and "Geolonia" in data["attribution"]
    assert "CC BY 4.0" in data["attribution"]


# --- files ---------------------------------------------------------------------------------------------

FILE = {
    "id": "cert",
    "type": "file",
    "label": "証明書",
    "required": True,
    "accept": ["pdf", "png"],
    "max_mb": 1,
}


def send_file(
    spec: dict[str, Any],
    f: SimpleUploadedFile | None,
    answers: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
) -> formdef.PageForm:
    files = MultiValueDict({spec["id"]: [f]} if f is not None else {})  # as request.FILES is
    return submit(spec, data or {}, files=files, answers=answers)


def test_file_accepts_a_real_pdf_and_png():
    form = send_file(FILE, upload("shomei.pdf", pdf_bytes()))
    assert form.is_valid(), form.errors
    answers, uploads = page_answers(form)
    assert answers["cert"]["name"] == "shomei.pdf"
    assert answers["cert"]["kind"] == "pdf" and answers["cert"]["size"] == len(pdf_bytes())
    assert len(answers["cert"]["sha256"]) == 64
    assert uploads["cert"].name == "shomei.pdf"
    assert uploads["cert"].read() == pdf_bytes()  # rewound after the check: ready to be stored
    form = send_file(FILE, upload("photo.png", png_bytes(), "image/png"))
    assert form.is_valid(), form.errors
    assert page_answers(form)[0]["cert"]["kind"] == "png"
    json.dumps(page_answers(form)[0])  # JSON-able


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("shomei.pdf", exe_bytes()),
        ("setup.exe", exe_bytes()),
        ("shomei.pdf", zip_bytes()),
        ("photo.png", b""),
    ],
)
def test_file_refuses_by_content_not_name(name, content):
    form = send_file(FILE, upload(name, content))
    assert not form.is_valid()
    message = " ".join(form.errors["cert"])
    assert message.startswith("証明書")
    assert "受け付けられません" in message or "空" in message or "選んでください" in message


def test_file_kind_not_in_accept_is_refused():
    jpeg = b"\xff\xd8\xff\xe0" + b"\x00" * 100
    form = send_file(FILE, upload("photo.jpg", jpeg, "image/jpeg"))
    assert not form.is_valid()
    assert "PDF、PNG画像 のいずれかにしてください" in form.errors["cert"][0]


def test_file_too_large():
    small = {**FILE, "max_mb": 0.01}
    form = send_file(small, upload("big.pdf", pdf_bytes(20_000)))
    assert not form.is_valid()
    assert form.errors["cert"] == ["証明書のファイルが大きすぎます（20KB）。10KB以下にしてください。"]
    assert send_file(small, upload("ok.pdf", pdf_bytes(10_000))).is_valid()


def test_file_required_kept_and_withdrawn():
    assert send_file(FILE, None).errors["cert"] == ["証明書のファイルを選んでください。"]
    stored = {"name": "shomei.pdf", "size": 1234, "kind": "pdf", "file_id": 7}
    form = send_file(FILE, None, answers={"cert": stored})
    assert form.is_valid(), form.errors
    assert page_answers(form) == ({"cert": stored}, {})
    optional = {**FILE, "required": False}
    form = send_file(optional, None, answers={"cert": stored}, data={"cert-clear": "on"})
    assert form.is_valid() and page_answers(form)[0] == {"cert": None}
    form = send_file(
        FILE, None, answers={"cert": stored}, data={"cert-clear": "on"}
    )  # required: cannot withdraw
    assert form.is_valid() and page_answers(form)[0] == {"cert": stored}


# --- conditions ----------------------------------------------------------------------------------------


def test_condition_on_an_earlier_page_leaves_the_field_out(defn):
    form = page_form(defn, "extra", {"name": "花子", "works": False, "status": "retired"})
    assert "other_detail" not in form.fields and "note" in form.fields
    assert [e["id"] for e in form.layout] == ["note"]
    form = page_form(defn, "extra", {"status": "other"}, data={"note": ""})
    assert "other_detail" in form.fields
    assert form.errors["other_detail"] == ["その他の内容を入力してください。"]
    form = page_form(defn, "extra", {"status": "student"})
    assert [e["id"] for e in form.layout] == ["student_info", "note"]


def test_condition_on_the_same_page_is_checked_on_the_submitted_data(defn):
    data = {"name": "花子", "works": "no", "employer": "とても長い勤務先の名前"}
    form = page_form(defn, "about", {}, data=data)
    assert "employer" in form.fields  # shown by the script when お勤め = はい
    assert form.is_valid(), form.errors  # not validated: the condition does not hold
    assert page_answers(form)[0] == {"name": "花子", "works": False, "status": None}
    form = page_form(defn, "about", {}, data={**data, "works": "yes"})
    assert form.errors == {"employer": ["勤務先は5文字以内で入力してください（いまは11文字です）。"]}
    form = page_form(defn, "about", {}, data={**data, "works": "yes", "employer": ""})
    assert form.errors == {"employer": ["勤務先を入力してください。"]}
    form = page_form(defn, "about", {}, data={**data, "works": "yes", "employer": "江東商事"})
    assert form.is_valid()
    assert page_answers(form)[0]["employer"] == "江東商事"


def test_page_show_if(defn):
    assert [p["id"] for p in visible_pages(defn, {})] == ["about", "family", "extra"]
    assert [p["id"] for p in visible_pages(defn, {"works": True})] == ["about", "family", "work", "extra"]
    assert [p["id"] for p in visible_pages(defn, {"works": False})] == ["about", "family", "extra"]


def test_prune_after_an_earlier_answer_changes(defn):
    answers = {
        "name": "花子",
        "works": True,
        "employer": "江東商事",
        "status": "other",
        "work_days": 5,
        "other_detail": "自営",
        "note": "よろしく",
        "unknown_key": 1,
        "kids": [
            {"kid_name": "太郎", "kid_birth": "2020-05-01", "in_nursery": False, "nursery": "ひまわり園"}
        ],
    }
    kept = prune(defn, answers)
    assert kept["employer"] == "江東商事" and kept["work_days"] == 5 and kept["other_detail"] == "自営"
    assert "unknown_key" not in kept
    assert kept["kids"] == [{"kid_name": "太郎", "kid_birth": "2020-05-01", "in_nursery": False}]
    changed = prune(defn, {**answers, "works": False, "status": "retired"})
    assert "employer" not in changed and "work_days" not in changed and "other_detail" not in changed
    assert changed["note"] == "よろしく" and changed["name"] == "花子"
    assert answers["employer"] == "江東商事"  # the input is not changed


def test_missing_pages(defn):
    assert missing_pages(defn, {}) == ["about", "family"]
    answers = {"name": "花子", "works": True, "employer": "江東商事"}
    assert missing_pages(defn, answers) == ["family", "work"]
    answers["kids"] = [{"kid_name": "太郎", "kid_birth": "2020-05-01", "in_nursery": True}]
    assert missing_pages(defn, answers) == ["family", "work"]  # 園名 is required when 在園
    answers["kids"][0]["nursery"] = "ひまわり園"
    answers["work_days"] = 5
    assert missing_pages(defn, answers) == []
    answers["status"] = "other"
    assert missing_pages(defn, answers) == ["extra"]
    answers["works"] = False
    answers["status"] = None
    assert missing_pages(defn, answers) == []


def test_merge_page_clears_what_was_removed(defn):
    answers = {"name": "花子", "works": True, "employer": "江東商事", "note": "メモ"}
    form = page_form(defn, "about", answers, data={"name": "花子", "works": "no"})
    assert form.is_valid()
    merged = merge_page(defn, answers, "about", page_answers(form)[0])
    assert merged == {"name": "花子", "works": False, "status": None, "note": "メモ"}


# --- repeating groups ------------------------------------------------------------------------------------


def kid(i: int, name: str, birth: str = "2021-04-01", **extra: str) -> dict[str, str]:
    return {f"kids__{i}__kid_name": name, f"kids__{i}__kid_birth": birth} | {
        f"kids__{i}__{k}": v for k, v in extra.items()
    }


def test_group_fields_are_named_per_item(defn):
    form = page_form(defn, "family", {})
    assert form.group_counts == {"kids": 1}
    assert list(form.fields) == [
        "kids__0__kid_name",
        "kids__0__kid_birth",
        "kids__0__in_nursery",
        "kids__0__nursery",
    ]
    stored = {
        "kids": [
            {"kid_name": "太郎", "kid_birth": "2020-05-01"},
            {"kid_name": "花", "kid_birth": "2022-01-02"},
        ]
    }
    form = page_form(defn, "family", stored)
    assert form.group_counts == {"kids": 2}
    assert form.initial["kids__1__kid_name"] == "花" and form.initial["kids__1__kid_birth"] == "2022年1月2日"
    assert page_form(defn, "family", stored, group_counts={"kids": 3}).group_counts == {"kids": 3}
    assert page_form(defn, "family", stored, group_counts={"kids": 9}).group_counts == {
        "kids": 3
    }  # max_items
    assert page_form(defn, "family", {}, group_counts={"kids": 0}).group_counts == {"kids": 1}  # min_items


def test_group_values_as_a_list_of_dicts(defn):
    data = (
        {"kids__count": "2"}
        | kid(0, "太郎", "令和2年5月1日", in_nursery="yes", nursery="ひまわり園")
        | kid(1, "花", "２０２２年１月２日", in_nursery="no", nursery="ignored")
    )
    form = page_form(defn, "family", {}, data=data)
    assert form.is_valid(), form.errors
    assert page_answers(form) == (
        {
            "kids": [
                {"kid_name": "太郎", "kid_birth": "2020-05-01", "in_nursery": True, "nursery": "ひまわり園"},
                {"kid_name": "花", "kid_birth": "2022-01-02", "in_nursery": False},
            ]
        },
        {},
    )


def test_group_errors_name_the_item(defn):
    data = {"kids__count": "2"} | kid(0, "太郎") | kid(1, "", "2021-04-01", in_nursery="yes")
    form = page_form(defn, "family", {}, data=data)
    assert not form.is_valid()
    assert form.errors == {
        "kids__1__kid_name": ["お子さん（2人目）の氏名を入力してください。"],
        "kids__1__nursery": ["お子さん（2人目）の園名を入力してください。"],
    }


def test_group_blank_extra_items_are_ignored_but_min_items_are_required(defn):
    form = page_form(
        defn, "family", {}, data={"kids__count": "3"} | kid(0, "太郎") | {"kids__2__kid_name": ""}
    )
    assert form.is_valid(), form.errors
    assert [k["kid_name"] for k in page_answers(form)[0]["kids"]] == ["太郎"]
    form = page_form(defn, "family", {}, data={"kids__count": "1"})
    assert set(form.errors) == {"kids__0__kid_name", "kids__0__kid_birth"}


def test_group_add_button(defn):
    data = {"kids__count": "1", "_add": "kids"} | kid(0, "太郎")
    form = page_form(defn, "family", {}, data=data)
    assert form.group_action == ("add", "kids")
    assert form.group_counts == {"kids": 2}
    assert not form.is_valid() and form.errors == {}  # the page is shown again without errors
    assert form["kids__0__kid_name"].value() == "太郎" and form["kids__1__kid_name"].value() is None
    at_max = page_form(defn, "family", {}, data={"kids__count": "3", "_add": "kids"})
    assert at_max.group_counts == {"kids": 3}


def test_group_remove_button_renumbers_the_rest(defn):
    data = QueryDict(mutable=True)
    for key, value in (
        {"kids__count": "3", "_remove": "kids:1"}
        | kid(0, "太郎")
        | kid(1, "次郎")
        | kid(2, "三郎", "2023-03-03", in_nursery="yes", nursery="あおぞら園")
    ).items():
        data[key] = value
    form = page_form(defn, "family", {}, data=data)
    assert form.group_action == ("remove", "kids", "1")
    assert form.group_counts == {"kids": 2}
    assert form.errors == {} and not form.is_valid()
    assert form["kids__0__kid_name"].value() == "太郎"
    assert form["kids__1__kid_name"].value() == "三郎"
    assert form["kids__1__nursery"].value() == "あおぞら園"
    assert "kids__2__kid_name" not in form.fields
    # the form then posted again is valid with the two remaining
    again = {k: v for k, v in form.data.items() if not k.startswith("_")} | {"kids__count": "2"}
    form = page_form(defn, "family", {}, data=again)
    assert form.is_valid(), form.errors
    assert [k["kid_name"] for k in page_answers(form)[0]["kids"]] == ["太郎", "三郎"]
    # never below min_items
    one = page_form(defn, "family", {}, data={"kids__count": "1", "_remove": "kids:0"} | kid(0, "太郎"))
    assert one.group_counts == {"kids": 1} and one["kids__0__kid_name"].value() == "太郎"


def test_group_count_without_the_hidden_input_is_taken_from_the_names(defn):
    form = page_form(defn, "family", {}, data=kid(0, "太郎") | kid(1, "花"))
    assert form.group_counts == {"kids": 2} and form.is_valid()


def test_optional_group_may_be_empty():
    d = one_page(
        {
            "id": "items",
            "type": "group",
            "label": "品目",
            "required": False,
            "counter": "点",
            "fields": [{"id": "item", "type": "text", "label": "品名", "required": True}],
        }
    )
    assert d["pages"][0]["fields"][0]["min_items"] == 0
    form = page_form(d, "p", {}, data={"items__count": "1", "items__0__item": ""})
    assert form.is_valid() and page_answers(form)[0] == {"items": []}
    assert page_form(d, "p", {"items": []}).group_counts == {"items": 0}
    assert missing_pages(d, {}) == []


# --- text for people and exports -------------------------------------------------------------------------


def test_summary_texts():
    d = one_page(
        {"id": "birth", "type": "date", "label": "生年月日"},
        {"id": "agree", "type": "yesno", "label": "同意"},
        {"id": "fruit", "type": "radio", "label": "果物", "choices": CHOICES},
        {"id": "fruits", "type": "checkboxes", "label": "好きな果物", "choices": CHOICES},
        {"id": "copies", "type": "number", "label": "通数", "unit": "通"},
        {"id": "zip", "type": "postal_code", "label": "郵便番号"},
        {"id": "addr", "type": "address", "label": "住所"},
        {"id": "doc", "type": "file", "label": "書類"},
        {"id": "empty", "type": "text", "label": "未回答"},
        {"id": "info", "type": "info", "label": "説明", "text": "…"},
    )
    d = validate_definition(
        d | {"pages": [*d["pages"], {"id": "kids", "title": "子", "fields": [KIDS_GROUP]}]}
    )
    answers = {
        "birth": "2024-04-01",
        "agree": True,
        "fruit": "b",
        "fruits": ["a", "c"],
        "copies": 1200,
        "zip": "135-8383",
        "addr": {"town": "東陽四丁目", "detail": "11-28"},
        "doc": {"name": "shomei.pdf", "size": 1536 * 1024},
        "empty": None,
        "kids": [
            {"kid_name": "太郎", "kid_birth": "2019-05-01", "in_nursery": True, "nursery": "ひまわり園"},
            {"kid_name": "花", "kid_birth": "2022-01-02", "in_nursery": False},
        ],
    }
    section, kids_section = summary(d, answers)
    assert section["page_id"] == "p" and section["title"] == "ページ"
    texts = {item["field_id"]: item["text"] for item in section["items"]}
    assert texts == {
        "birth": "2024年4月1日（令和6年4月1日）",
        "agree": "はい",
        "fruit": "みかん",
        "fruits": "りんご、ぶどう",
        "copies": "1,200通",
        "zip": "〒135-8383",
        "addr": "江東区東陽四丁目11-28",
        "doc": "shomei.pdf (1.5MB)",
    }
    assert kids_section["page_id"] == "kids"
    assert kids_section["items"][0]["text"] == (
        "1人目: 氏名: 太郎 / 生年月日: 2019年5月1日（令和元年5月1日） / 在園: はい / 園名: ひまわり園\n"
        "2人目: 氏名: 花 / 生年月日: 2022年1月2日（令和4年1月2日） / 在園: いいえ"
    )
    assert [item["label"] for item in section["items"]][:2] == ["生年月日", "同意"]


def test_summary_leaves_out_hidden_pages_and_fields(defn):
    answers = {"name": "花子", "works": False, "employer": "江東商事", "work_days": 5, "note": "<b>メモ</b>"}
    sections = summary(defn, answers)
    assert [s["page_id"] for s in sections] == ["about", "family", "extra"]
    assert [i["field_id"] for i in sections[0]["items"]] == ["name", "works"]
    assert sections[0]["items"][1]["text"] == "いいえ"
    assert sections[1]["items"] == []
    assert sections[2]["items"] == [{"field_id": "note", "label": "連絡事項", "text": "<b>メモ</b>"}]


def test_columns_and_row_flatten_groups(defn):
    cols = columns(defn)
    assert cols[:4] == [("name", "氏名"), ("works", "お勤め"), ("employer", "勤務先"), ("status", "状況")]
    assert cols[4:8] == [
        ("kids__0__kid_name", "お子さん1_氏名"),
        ("kids__0__kid_birth", "お子さん1_生年月日"),
        ("kids__0__in_nursery", "お子さん1_在園"),
        ("kids__0__nursery", "お子さん1_園名"),
    ]
    assert cols[15:] == [
        ("kids__2__nursery", "お子さん3_園名"),
        ("work_days", "週の勤務日数"),
        ("other_detail", "その他の内容"),
        ("note", "連絡事項"),
    ]
    answers = {
        "name": "花子",
        "works": True,
        "employer": "江東商事",
        "work_days": 5,
        "kids": [
            {"kid_name": "太郎", "kid_birth": "2020-05-01", "in_nursery": True, "nursery": "ひまわり園"},
            {"kid_name": "花", "kid_birth": "2022-01-02", "in_nursery": False, "nursery": "stale"},
        ],
    }
    values = row(defn, answers)
    assert len(values) == len(cols)
    by_key = dict(zip([k for k, _ in cols], values, strict=True))
    assert by_key["kids__0__kid_birth"] == "2020年5月1日（令和2年5月1日）"
    assert by_key["kids__0__nursery"] == "ひまわり園"
    assert by_key["kids__1__in_nursery"] == "いいえ" and by_key["kids__1__nursery"] == ""  # hidden in item 2
    assert by_key["kids__2__kid_name"] == ""
    assert by_key["work_days"] == "5日" and by_key["status"] == ""


# --- checking definitions ----------------------------------------------------------------------------------


def test_validate_fills_defaults_and_is_idempotent(defn):
    name = defn["pages"][0]["fields"][0]
    assert name["required"] is True and name["help"] == "" and name["min_length"] == 0
    kids = defn["pages"][1]["fields"][0]
    assert kids["counter"] == "人" and kids["required"] is True
    assert defn["pages"][3]["fields"][2]["max_length"] == 20
    d = one_page(
        {"id": "f", "type": "file", "label": "書類"}, {"id": "t", "type": "textarea", "label": "本文"}
    )
    assert (
        d["pages"][0]["fields"][0]["accept"] == ["pdf", "png", "jpeg"]
        and d["pages"][0]["fields"][0]["max_mb"] == 10
    )
    assert d["pages"][0]["fields"][1]["max_length"] == 2000
    assert validate_definition(copy.deepcopy(defn)) == defn


def broken(change) -> list[str]:  # type: ignore[no-untyped-def]
    d = copy.deepcopy(DEFN)
    change(d)
    with pytest.raises(DefinitionError) as info:
        validate_definition(d)
    assert str(info.value) == "\n".join(info.value.problems)
    return info.value.problems


def field_at(d: dict[str, Any], page: int, index: int) -> dict[str, Any]:
    return d["pages"][page]["fields"][index]


def test_problem_names_page_field_and_id():
    def change(d: dict[str, Any]) -> None:
        d["pages"][1]["title"] = "お子さん"
        d["pages"][1]["fields"][:0] = [
            {"id": "intro", "type": "info", "label": "はじめに", "text": "…"},
            {"id": "count", "type": "number", "label": "人数"},
        ]
        d["pages"][1]["fields"].append({"id": "birth", "type": "calendar", "label": "誕生日"})
        d["pages"][1]["fields"][2], d["pages"][1]["fields"][3] = (
            d["pages"][1]["fields"][3],
            d["pages"][1]["fields"][2],
        )

    [problem] = broken(change)
    assert problem.startswith(
        "2ページ目「お子さん」の3番目の項目（id: birth）: 項目の種類（type）「calendar」はありません"
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: field_at(d, 0, 0).update(type="signature"),
            "1ページ目「あなたについて」の1番目の項目（id: name）: "
            "項目の種類（type）「signature」はありません",
        ),
        (
            lambda d: field_at(d, 0, 3).update(id="name"),
            "1ページ目「あなたについて」の4番目の項目（id: name）: 項目のid「name」が重複しています",
        ),
        (
            lambda d: field_at(d, 1, 0)["fields"][0].update(id="works"),
            "2ページ目「ご家族」の1番目の項目（id: kids）の1番目の項目（id: works）: "
            "項目のid「works」が重複しています",
        ),
        (lambda d: field_at(d, 0, 0).update(id="Name"), "（id: Name）: 項目のid「Name」は使えません"),
        (lambda d: field_at(d, 0, 0).update(id="first__name"), "項目のid「first__name」は使えません"),
        (lambda d: field_at(d, 0, 0).update(id="1st"), "項目のid「1st」は使えません"),
        (
            lambda d: d["pages"][1].update(id="about"),
            "2ページ目「ご家族」: ページのid「about」が重複しています",
        ),
        (
            lambda d: field_at(d, 0, 2)["show_if"].update(field="nothing"),
            "（id: employer）: 表示条件の項目「nothing」はこのフォームにありません。",
        ),
        (
            lambda d: field_at(d, 0, 2)["show_if"].update(field="note"),
            "（id: employer）: 表示条件の項目「note」は後のページ（4ページ目）にあります。",
        ),
        (
            lambda d: field_at(d, 0, 2)["show_if"].update(field="status"),
            "（id: employer）: 表示条件の項目「status」はこの項目より後",
        ),
        (
            lambda d: d["pages"][2]["show_if"].update(field="work_days"),
            "3ページ目「お勤め先」: ページの表示条件に、同じページの項目「work_days」は使えません。",
        ),
        (
            lambda d: d["pages"][0].update(show_if={"field": "note", "equals": "x"}),
            "1ページ目「あなたについて」: 表示条件の項目「note」は後のページ（4ページ目）にあります。",
        ),
        (
            lambda d: field_at(d, 0, 2)["show_if"].update(equals="yes"),
            '（id: employer）: 表示条件の値 "yes" ははい／いいえの項目なので true か false にしてください。',
        ),
        (
            lambda d: field_at(d, 3, 0)["show_if"].update(equals="unknown"),
            '（id: other_detail）: 表示条件の値 "unknown" は'
            "項目「status」の選択肢の value（student、retired、other）にありません。",
        ),
        (
            lambda d: field_at(d, 3, 0).update(show_if={"field": "status"}),
            "表示条件（show_if）には equals・in・not_empty のどれか1つだけを書いてください。",
        ),
        (
            lambda d: field_at(d, 3, 0).update(show_if={"field": "kid_name", "not_empty": True}),
            "表示条件の項目「kid_name」は繰り返しのまとまり「kids」の中にあるため",
        ),
        (
            lambda d: field_at(d, 3, 0).update(show_if={"field": "kids", "not_empty": True}),
            "表示条件の項目「kids」は繰り返しのまとまり（お子さん・品目など）なので条件に使えません。",
        ),
        (lambda d: field_at(d, 0, 3).pop("choices"), "（id: status）: 選択肢（choices）がありません。"),
        (
            lambda d: field_at(d, 0, 3).update(
                choices=[{"value": "a", "label": "A"}, {"value": "a", "label": "B"}]
            ),
            "選択肢の value「a」が重複しています。",
        ),
        (
            lambda d: field_at(d, 0, 3)["choices"].append({"value": "x"}),
            "4番目の選択肢の label がありません。",
        ),
        (
            lambda d: field_at(d, 2, 0).update(min=10, max=1),
            "3ページ目「お勤め先」の1番目の項目（id: work_days）: "
            "min（10）が max（1）より大きくなっています。",
        ),
        (
            lambda d: field_at(d, 0, 0).update(min_length=20),
            "min_length（20）が max_length（10）より大きくなっています。",
        ),
        (
            lambda d: field_at(d, 1, 0).update(min_items=4),
            "min_items（4）が max_items（3）より大きくなっています。",
        ),
        (
            lambda d: field_at(d, 0, 0).update(pattern="[0-9"),
            "（id: name）: pattern の正規表現「[0-9」に誤りがあります",
        ),
        (
            lambda d: field_at(d, 1, 0)["fields"].append(copy.deepcopy(KIDS_GROUP) | {"id": "inner"}),
            "（id: kids）の5番目の項目（id: inner）: "
            "繰り返しのまとまり（group）の中に、さらに group は置けません。",
        ),
        (
            lambda d: field_at(d, 1, 0)["fields"].append({"id": "photo", "type": "file", "label": "写真"}),
            "（id: photo）: 繰り返しのまとまり（group）の中にファイル項目は置けません。",
        ),
        (
            lambda d: d["pages"][1]["fields"].append({"id": "photo", "type": "file", "label": "写真"}),
            "2ページ目「ご家族」: 繰り返しのまとまり（group）があるページにはファイル項目を置けません",
        ),
        (lambda d: field_at(d, 0, 0).update(requred=True), "（id: name）: 「requred」という設定はありません"),
        (lambda d: field_at(d, 0, 0).pop("label"), "（id: name）: 項目の名前（label）がありません。"),
        (lambda d: field_at(d, 0, 0).update(required="yes"), "required は true か false にしてください。"),
        (
            lambda d: d["pages"][3]["fields"].append(
                {"id": "doc", "type": "file", "label": "書類", "accept": ["exe"]}
            ),
            "（id: doc）: ファイルの種類「exe」は受け付けられません",
        ),
        (
            lambda d: d["pages"][3]["fields"].append(
                {"id": "doc", "type": "file", "label": "書類", "max_mb": 500}
            ),
            "max_mb は0より大きく20以下の数にしてください。",
        ),
        (
            lambda d: d["pages"][3]["fields"].append(
                {"id": "when", "type": "date", "label": "日", "min_date": "tomorrow"}
            ),
            "（id: when）: min_date「tomorrow」は読めません。",
        ),
        (
            lambda d: d["pages"][3]["fields"].append(
                {"id": "when", "type": "date", "label": "日", "min_date": "+10d", "max_date": "today"}
            ),
            "min_date（+10d）が max_date（today）より後になっています。",
        ),
        (
            lambda d: d["pages"][3]["fields"].append(
                {"id": "c", "type": "checkboxes", "label": "選択", "choices": CHOICES, "min_selected": 4}
            ),
            "min_selected（4）が選択肢の数（3）より大きくなっています。",
        ),
        (
            lambda d: d["pages"][3].update(fields=[]),
            "4ページ目「そのほか」: 項目（fields）が1つもありません。",
        ),
        (lambda d: d.pop("title"), "フォーム全体: フォームの名前（title）がありません。"),
        (lambda d: d.update(pages=[]), "フォーム全体: ページ（pages）が1つもありません。"),
        (lambda d: d["pages"][0].pop("title"), "1ページ目: ページの見出し（title）がありません。"),
    ],
)
def test_validate_definition_rejects(change, expected):
    problems = broken(change)
    assert any(expected in p for p in problems), problems


def test_validate_definition_lists_every_problem():
    def change(d: dict[str, Any]) -> None:
        field_at(d, 0, 0)["type"] = "signature"
        field_at(d, 0, 3).pop("choices")
        field_at(d, 2, 0).update(min=10, max=1)
        d["pages"][3]["fields"].append({"id": "name", "type": "text", "label": "重複"})
        field_at(d, 1, 0)["fields"].append({"id": "g", "type": "group", "label": "入れ子", "fields": []})

    problems = broken(change)
    assert len(problems) == 5, problems
    assert problems[0].startswith("1ページ目「あなたについて」の1番目の項目（id: name）")


def test_validate_definition_rejects_non_objects():
    for bad in (
        None,
        [],
        "text",
        {"title": "t", "pages": ["p"]},
        {"title": "t", "pages": [{"id": "p", "title": "P", "fields": [1]}]},
    ):
        with pytest.raises(DefinitionError):
            validate_definition(bad)


def test_parse_definition_json_names_the_line_of_a_syntax_error():
    text = '{\n  "title": "申請",\n  "pages": [\n    {"id": "p", "title": "P", "fields": [],}\n  ]\n}\n'
    with pytest.raises(DefinitionError) as info:
        parse_definition_json(text)
    [problem] = info.value.problems
    assert problem.startswith("JSON の4行目 ")
    assert "最後の要素の後ろに余分な「,」" in problem
    with pytest.raises(DefinitionError) as info:
        parse_definition_json('{"title": "申請"\n "pages": []}')
    assert info.value.problems == ["JSON の2行目 2文字目: 「,」（半角カンマ）が足りません。"]
    with pytest.raises(DefinitionError) as info:
        parse_definition_json("")
    assert info.value.problems == ["JSON: 定義が空です。"]


def test_parse_definition_json_validates_and_reports_duplicate_keys():
    good = json.dumps(DEFN, ensure_ascii=False)
    assert parse_definition_json("\ufeff" + good) == validate_definition(copy.deepcopy(DEFN))
    with pytest.raises(DefinitionError) as info:
        parse_definition_json('{"title": "申請", "title": "二重", "pages": []}')
    assert (
        info.value.problems[0]
        == "JSON: 同じオブジェクトの中にキー「title」が2回あります（後の値だけが使われます）。"
    )
    assert "フォーム全体: ページ（pages）が1つもありません。" in info.value.problems


# --- the shipped demo forms -------------------------------------------------------------------------

DEMO_FILES = [
    "hoiku-riyou.json",
    "jidou-teate-genkyo.json",
    "sodai-gomi.json",
    "juminhyo.json",
    "risai-shomei.json",
]


def _all_fields(d: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for page in d["pages"]:
        for f in page["fields"]:
            out.append(f)
            out.extend(f.get("fields", []) if f["type"] == "group" else [])
    return out


@pytest.mark.parametrize("name", DEMO_FILES)
def test_demo_definitions_validate_and_render(name):
    d = parse_definition_json((formdef.FORMS_DIR / name).read_text(encoding="utf-8"))
    fields = _all_fields(d)
    assert len({f["type"] for f in fields}) >= 6
    assert any("show_if" in f for f in fields) or any("show_if" in p for p in d["pages"])
    assert any(f.get("help") for f in fields)
    assert any(f["type"] == "email" for f in fields)
    for page in visible_pages(d, {}):
        form = page_form(d, page["id"], {})
        assert form.fields or form.layout
        render(form)
    missing = missing_pages(d, {})
    assert missing and missing[0] == d["pages"][0]["id"]


def test_demo_forms_cover_what_the_procedures_need():
    def load(name: str) -> dict[str, Any]:
        return parse_definition_json((formdef.FORMS_DIR / name).read_text(encoding="utf-8"))

    def by_id(d: dict[str, Any]) -> dict[str, dict[str, Any]]:
        return {f["id"]: f for f in _all_fields(d)}

    hoiku = by_id(load("hoiku-riyou.json"))
    assert hoiku["children"]["type"] == "group" and hoiku["employment_certificate"]["type"] == "file"
    assert hoiku["employer"]["show_if"]["field"] == "reason"
    gomi = by_id(load("sodai-gomi.json"))
    assert gomi["items"]["type"] == "group" and gomi["pickup_address"]["type"] == "address"
    assert (gomi["collection_date"]["min_date"], gomi["collection_date"]["max_date"]) == ("+7d", "+60d")
    jumin = by_id(load("juminhyo.json"))
    assert (jumin["copies"]["min"], jumin["copies"]["max"]) == (1, 10)
    assert jumin["honseki_reason"]["show_if"] == {"field": "need_honseki", "equals": True}
    assert jumin["purpose"]["type"] == "select"
    risai = by_id(load("risai-shomei.json"))
    assert risai["photo_1"]["type"] == "file" and set(risai["photo_1"]["accept"]) == {"jpeg", "png", "pdf"}
    assert risai["damage_address"]["type"] == "address" and risai["disaster_date"]["type"] == "date"
    assert "jidou-teate" not in json.dumps(load("jidou-teate-genkyo.json"))  # Japanese texts only, ids aside


def test_demo_sodai_gomi_filled_in():
    d = parse_definition_json((formdef.FORMS_DIR / "sodai-gomi.json").read_text(encoding="utf-8"))
    answers: dict[str, Any] = {}
    posts = {
        "applicant": {
            "applicant_name": "江東 花子",
            "applicant_kana": "コウトウ ハナコ",
            "phone": "０３－１２３４－５６７８",
            "email": "hanako@example.jp",
        },
        "place": {
            "pickup_address_0": "東陽四丁目",
            "pickup_address_1": "11-28",
            "building": "apartment",
            "floor": "５",
        },
        "items": {
            "items__count": "2",
            "items__0__item_kind": "sofa",
            "items__0__item_count": "1",
            "items__1__item_kind": "other",
            "items__1__item_other": "ベビーカー",
            "items__1__item_count": "１",
        },
        "date": {"collection_date": format_wareki(today() + dt.timedelta(days=10))},
    }
    for page_id, data in posts.items():
        form = page_form(d, page_id, answers, data=data)
        assert form.is_valid(), (page_id, form.errors)
        answers = merge_page(d, answers, page_id, page_answers(form)[0])
    assert missing_pages(d, answers) == []
    texts = {i["field_id"]: i["text"] for s in summary(d, answers) for i in s["items"]}
    assert texts["pickup_address"] == "江東区東陽四丁目11-28"
    assert texts["floor"] == "5階"
    assert (
        texts["items"]
        == "1点目: 品目: ソファ / 数量: 1個\n2点目: 品目: その他 / 品目名: ベビーカー / 数量: 1個"
    )
    assert texts["phone"] == "03-1234-5678"
    assert len(row(d, answers)) == len(columns(d))


# --- the template ----------------------------------------------------------------------------------


def render(form: formdef.PageForm, **context: Any) -> str:
    engine = Engine(dirs=[str(TEMPLATES)], libraries={"kotodx": "kotodx.core.templatetags.kotodx"})
    return engine.get_template("eapply/_page_fields.html").render(Context({"form": form, **context}))


def test_template_fieldsets_hints_and_errors(defn):
    html = render(page_form(defn, "about", {}, data={"name": "", "works": "maybe"}))
    assert '<legend>お勤め <span class="required">必須</span></legend>' in html
    assert '<label for="id_name">氏名 <span class="required">必須</span></label>' in html
    assert '<p class="error-message" id="id_name_error">氏名を入力してください。</p>' in html
    assert 'aria-describedby="id_name_error"' in html and 'aria-invalid="true"' in html
    assert '<p class="error-message" id="id_works_error">お勤めは選択肢の中から選んでください。</p>' in html
    assert 'data-show-if-field="works" data-show-if-value="yes"' in html
    assert " required" not in html  # the server checks, in Japanese; hidden questions never block sending
    d = one_page(dict(DATE, help="例: 令和6年4月1日"), ADDRESS)
    html = render(page_form(d, "p", {}))
    assert '<p class="hint" id="id_birth_hint">例: 令和6年4月1日</p>' in html
    assert 'aria-describedby="id_birth_hint"' in html
    assert (
        '<label for="id_addr_0">町丁目</label>' in html
        and '<label for="id_addr_1">番地・建物名・部屋番号</label>' in html
    )
    assert '<option value="東陽四丁目">東陽四丁目</option>' in html
    assert "<legend>住所" in html


def test_template_group_buttons_and_escaping(defn):
    html = render(page_form(defn, "family", {"kids": [{"kid_name": "<script>alert(1)</script>"}, {}]}))
    assert '<input type="hidden" name="kids__count" value="2">' in html
    assert "<legend>お子さん（1人目）</legend>" in html and "<legend>お子さん（2人目）</legend>" in html
    assert (
        '<button type="submit" name="_add" value="kids" class="button button-secondary">'
        "もう1人追加する</button>" in html
    )
    assert 'name="_remove" value="kids:1"' in html and "お子さん（2人目）を削除する" in html
    assert 'data-show-if-field="kids__0__in_nursery" data-show-if-value="yes"' in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    assert html.index('class="visually-hidden"') < html.index('name="_remove"')  # Enter means 次へ進む
    full = render(page_form(defn, "family", {"kids": [{}, {}, {}]}))
    assert 'name="_add"' not in full  # max_items reached
    single = render(page_form(defn, "family", {}))
    assert 'name="_remove"' not in single  # min_items


def test_template_info_blocks_and_existing_files():
    d = one_page(
        {"id": "intro", "type": "info", "label": "はじめに", "text": "1行目\n<b>2行目</b>"},
        dict(FILE, required=False),
    )
    html = render(page_form(d, "p", {"cert": {"name": "shomei.pdf", "size": 2048}}), heading_level=3)
    assert '<h3 class="card-title">はじめに</h3>' in html
    assert "<p>1行目<br>&lt;b&gt;2行目&lt;/b&gt;</p>" in html
    assert "提出済みのファイル: shomei.pdf (2KB)" in html
    assert 'name="cert-clear"' in html and 'accept=".pdf,application/pdf,.png,image/png"' in html
    assert "受け付ける形式: PDF、PNG画像（1MBまで）" in html


# --- conditions of other shapes ------------------------------------------------------------------------


def test_conditions_on_checkboxes_in_and_not_empty_on_the_same_page():
    fields = [
        {
            "id": "parts",
            "type": "checkboxes",
            "label": "被害の部分",
            "choices": [{"value": "roof", "label": "屋根"}, {"value": "flood", "label": "床上浸水"}],
        },
        {
            "id": "depth",
            "type": "number",
            "label": "浸水の深さ",
            "required": True,
            "unit": "cm",
            "show_if": {"field": "parts", "equals": "flood"},
        },
        {"id": "kind", "type": "select", "label": "種類", "choices": CHOICES},
        {
            "id": "why",
            "type": "text",
            "label": "理由",
            "required": True,
            "show_if": {"field": "kind", "in": ["a", "b"]},
        },
        {"id": "memo", "type": "text", "label": "メモ"},
        {
            "id": "memo_more",
            "type": "text",
            "label": "メモの補足",
            "required": True,
            "show_if": {"field": "memo", "not_empty": True},
        },
    ]
    form = submit(fields, {"parts": ["roof"], "kind": "c", "memo": ""})
    assert form.is_valid(), form.errors
    assert page_answers(form)[0] == {"parts": ["roof"], "kind": "c", "memo": None}
    form = submit(fields, {"parts": ["roof", "flood"], "kind": "b", "memo": "x"})
    assert set(form.errors) == {"depth", "why", "memo_more"}
    html = render(form)
    assert 'data-show-if-field="parts" data-show-if-value="flood"' in html
    assert 'data-condition-field="kind" data-condition-values="[&quot;a&quot;, &quot;b&quot;]"' in html
    assert 'data-condition-field="memo" data-condition-not-empty="true"' in html


def test_group_with_a_condition_on_the_same_page_and_inner_conditions_on_outer_fields():
    d = one_page(
        {"id": "has_items", "type": "yesno", "label": "品目の有無", "required": True},
        {
            "id": "unit",
            "type": "radio",
            "label": "単位",
            "choices": [{"value": "cm", "label": "cm"}, {"value": "m", "label": "m"}],
        },
        {
            "id": "items",
            "type": "group",
            "label": "品目",
            "counter": "点",
            "show_if": {"field": "has_items", "equals": True},
            "fields": [
                {"id": "item", "type": "text", "label": "品名", "required": True},
                {
                    "id": "length",
                    "type": "number",
                    "label": "長さ",
                    "required": True,
                    "show_if": {"field": "unit", "equals": "m"},
                },
            ],
        },
    )
    form = page_form(d, "p", {}, data={"has_items": "no", "items__count": "1", "items__0__item": ""})
    assert form.is_valid(), form.errors
    assert page_answers(form)[0] == {"has_items": False, "unit": None}
    data = {
        "has_items": "yes",
        "unit": "cm",
        "items__count": "1",
        "items__0__item": "机",
        "items__0__length": "x",
    }
    form = page_form(d, "p", {}, data=data)
    assert form.is_valid(), form.errors
    assert page_answers(form)[0]["items"] == [{"item": "机"}]
    form = page_form(d, "p", {}, data={**data, "unit": "m"})
    assert form.errors == {"items__0__length": ["品目（1点目）の長さは数字で入力してください。"]}
    assert 'id="group-items" data-show-if-field="has_items" data-show-if-value="yes"' in render(form)


def test_caller_given_group_counts_are_used_as_they_are():
    """The view may count items itself (after 追加): the form then neither adds again nor renumbers."""
    d = one_page(KIDS_GROUP)
    form = page_form(d, "p", {}, data={"_add": "kids"} | kid(0, "太郎"), group_counts={"kids": 2})
    assert form.group_counts == {"kids": 2} and form.group_action == ("add", "kids") and form.errors == {}
    form = page_form(
        d, "p", {}, data={"_remove": "kids:0"} | kid(0, "太郎") | kid(1, "花"), group_counts={"kids": 2}
    )
    assert form.group_counts == {"kids": 2} and form["kids__0__kid_name"].value() == "太郎"


def test_page_answers_are_json_and_need_a_valid_form(defn):
    form = page_form(defn, "about", {}, data={"name": "<b>花子</b>", "works": "yes", "employer": "江東商事"})
    assert json.loads(json.dumps(page_answers(form)[0], ensure_ascii=False))["name"] == "<b>花子</b>"
    with pytest.raises(ValueError):
        page_answers(page_form(defn, "about", {}, data={}))
    with pytest.raises(LookupError):
        page_form(defn, "nothing", {})
