"""OCR of paper forms (assistant.ocr, assistant.formimages): generated form images with known text in,
the fields of the demo forms out; bad files refused with Japanese messages; never a guessed value."""

from __future__ import annotations

import io
import random

import pytest
from django.core.exceptions import ValidationError
from PIL import Image, ImageDraw

from kotodx.assistant import formimages, ocr
from kotodx.assistant.ocr import FieldReading, OcrLine, OcrResult, Word

needs_tesseract = pytest.mark.skipif(
    not ocr.tesseract_available(), reason="tesseract-ocr と tesseract-ocr-jpn がありません"
)

JUMINHYO = formimages.demo_definition("juminhyo")
FIELDS = ocr.input_fields(JUMINHYO)
PERSON = {
    "applicant_name": "江東 花子",
    "applicant_kana": "コウトウ ハナコ",
    "birth_date": "昭和55年1月1日",
    "postal_code": "〒135-8383",
    "home_address": "江東区東陽四丁目11-28",
    "phone": "03-3647-9111",
    "email": "hanako@example.jp",
    "whose": "本人のみ",
    "purpose": "年金の手続き",
    "submit_to": "江東年金事務所",
    "copies": "1通",
    "need_honseki": "いいえ",
    "need_relation": "はい",
}
ROWS = [(f["label"], PERSON.get(f["id"], "")) for f in FIELDS]
EXPECTED = {
    "applicant_name": "江東 花子",
    "birth_date": "1980-01-01",
    "postal_code": "135-8383",
    "phone": "03-3647-9111",
    "home_address": {"town": "東陽四丁目", "detail": "11-28"},
    "whose": "self",
    "need_relation": True,
}


def by_id(readings: list[FieldReading]) -> dict[str, FieldReading]:
    return {r.field_id: r for r in readings}


def assert_never_wrong(readings: list[FieldReading]) -> None:
    """Every value given is the one on paper (blank is allowed, a different value is not)."""
    for r in readings:
        if r.value is not None and r.field_id in EXPECTED:
            assert r.answer == EXPECTED[r.field_id], r
        if r.field_id in ("members", "purpose_other", "honseki_reason"):  # empty boxes on paper
            assert r.value is None, r


def png(img: Image.Image) -> bytes:
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


# --- reading generated forms ----------------------------------------------------------------------------


@needs_tesseract
def test_form_png_fields_read():
    data = formimages.render_form(JUMINHYO["title"], ROWS)
    result = ocr.recognise(data)
    assert result.kind == "png" and result.pages == 1
    assert "住民票の写し交付請求" in ocr.normalise(result.text)
    got = by_id(ocr.read_fields(result, FIELDS))
    for fid in ("applicant_name", "birth_date", "postal_code", "phone"):
        assert got[fid].answer == EXPECTED[fid], got[fid]
        assert got[fid].line and got[fid].confidence and got[fid].confidence >= ocr.MIN_CONFIDENCE
    assert got["birth_date"].value == "昭和55年1月1日"  # 和暦 read with eapply's own date parsing
    assert got["members"].value is None and "空欄" in got["members"].note
    assert_never_wrong(list(got.values()))
    # ready to pre-fill a submission: answers in eapply's stored form
    answers = ocr.answers(got.values())
    assert answers["birth_date"] == "1980-01-01" and "members" not in answers


@needs_tesseract
def test_form_pdf_fields_read():
    data = formimages.render_pdf(JUMINHYO["title"], ROWS, layout="colon")
    assert data.startswith(b"%PDF-")
    reading = ocr.read_form(data, JUMINHYO)
    assert reading.result.kind == "pdf"
    got = by_id(reading.readings)
    for fid in ("applicant_name", "birth_date", "postal_code", "phone"):
        assert got[fid].answer == EXPECTED[fid], got[fid]
    assert_never_wrong(reading.readings)
    assert "確認してください" in reading.message


@needs_tesseract
def test_scanned_tilted_form_reads_most_and_leaves_covered_values_blank():
    ids = [f["id"] for f in FIELDS]
    covered = [ids.index("birth_date"), ids.index("phone")]
    data = formimages.render_form(
        JUMINHYO["title"], ROWS, noise=True, rotate=1.0, seed=0, fmt="JPEG", redact=covered
    )
    readings = ocr.read_fields(ocr.recognise(data), FIELDS)
    got = by_id(readings)
    for fid in ("birth_date", "phone"):  # under a black box: never a value
        assert got[fid].value is None and got[fid].answer is None
        assert got[fid].note
    filled = [fid for fid in PERSON if fid not in ("birth_date", "phone")]
    read = [fid for fid in filled if got[fid].value is not None]
    # measured 8 of 11 with this seed (6 to 11 over other seeds); a blank is allowed, a wrong value is not
    assert len(read) > len(filled) / 2, [got[f] for f in filled]
    assert_never_wrong(readings)


@needs_tesseract
@pytest.mark.parametrize("picture", ["noise", "drawing"])
def test_image_that_is_not_a_form_gives_no_values(picture):
    rng = random.Random(1)
    if picture == "noise":
        img = Image.frombytes("L", (800, 600), rng.randbytes(800 * 600))
    else:
        img = Image.new("RGB", (1000, 750), (200, 230, 255))
        draw = ImageDraw.Draw(img)
        draw.rectangle((0, 500, 1000, 750), fill=(90, 160, 80))
        draw.ellipse((700, 60, 860, 220), fill=(250, 200, 40))
        for _ in range(12):
            x, y = rng.randrange(1000), rng.randrange(500, 750)
            draw.polygon([(x, y), (x + 40, y - 120), (x + 80, y)], fill=(40, 100, 40))
    reading = ocr.read_form(png(img), JUMINHYO)
    assert len(reading.readings) == len(FIELDS)
    for r in reading.readings:
        assert r.value is None and r.answer is None
        assert "読み取れませんでした" in r.note or "空欄" in r.note
    assert "見つかりませんでした" in reading.message or "読み取れませんでした" in reading.message


@needs_tesseract
def test_accuracy_on_the_sample_set():
    # measured: mean character accuracy 0.956 (min 0.895), fields 80.9 % right, 0 wrong, 19.1 % blank
    report = ocr.accuracy_report(formimages.sample_set())
    o = report["overall"]
    assert o["samples"] == 8 and o["fields"] == 110
    assert o["char_accuracy_mean"] >= 0.90
    assert o["char_accuracy_min"] >= 0.80
    assert o["field_accuracy"] >= 0.70
    assert o["wrong"] <= 1, [r["wrong_values"] for r in report["samples"]]
    text = ocr.format_report(report)
    assert "juminhyo-clean-png" in text and "誤" in text


# --- bad input ------------------------------------------------------------------------------------------


def message(exc: pytest.ExceptionInfo[ValidationError]) -> str:
    return " ".join(exc.value.messages)


def test_pdf_with_100_pages_is_refused_before_rendering():
    page = Image.new("L", (600, 850), 255)
    out = io.BytesIO()
    page.save(out, format="PDF", save_all=True, append_images=[page] * 99)
    with pytest.raises(ValidationError) as exc:
        ocr.recognise(out.getvalue())
    assert "100ページ" in message(exc) and f"{ocr.MAX_PDF_PAGES}ページまで" in message(exc)
    assert exc.value.code == "too_many_pages"


def test_truncated_png():
    data = formimages.render_form("申請書", [("氏名", "江東 花子")])
    with pytest.raises(ValidationError) as exc:
        ocr.recognise(data[: len(data) // 2])
    assert "壊れて" in message(exc) and exc.value.code == "corrupt"


def test_corrupt_pdf():
    with pytest.raises(ValidationError) as exc:
        ocr.recognise(b"%PDF-1.7\n" + bytes(range(256)) * 20)
    assert "PDFが壊れて" in message(exc)


@pytest.mark.parametrize(
    ("data", "code", "words"),
    [
        (b"", "empty", "空です"),
        (bytes([0, 159, 146, 150, 7, 0, 1]) * 100, "unsupported", "PNG画像、JPEG画像、PDF"),
        ("氏名,江東 花子\n".encode(), "unsupported", "テキストファイル"),  # a text file renamed .png
        (b"GIF89a" + b"\x00" * 100, "unsupported", "受け付ける形式"),
    ],
)
def test_unreadable_bytes(data, code, words):
    with pytest.raises(ValidationError) as exc:
        ocr.recognise(data)
    assert exc.value.code == code
    assert words in message(exc)


def test_too_large(monkeypatch):
    monkeypatch.setattr(ocr, "MAX_BYTES", 1000)
    with pytest.raises(ValidationError) as exc:
        ocr.recognise(png(Image.new("L", (400, 400), 255)) + b"\x00" * 2000)
    assert exc.value.code == "too_large" and "大きすぎます" in message(exc)


def test_too_small_image():
    with pytest.raises(ValidationError) as exc:
        ocr.recognise(png(Image.new("L", (200, 120), 255)))
    assert exc.value.code == "too_small" and "200×120" in message(exc)


def test_decompression_bomb(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100_000)
    with pytest.raises(ValidationError) as exc:
        ocr.recognise(png(Image.new("L", (1000, 1000), 255)))
    assert exc.value.code == "too_many_pixels" and "画素数が多すぎます" in message(exc)


def test_server_without_tesseract(monkeypatch):
    monkeypatch.setattr(ocr.shutil, "which", lambda name: None)
    with pytest.raises(ValidationError) as exc:
        ocr.recognise(png(Image.new("L", (400, 400), 255)))
    assert exc.value.code == "tesseract_missing"
    assert "apt-get install tesseract-ocr tesseract-ocr-jpn" in message(exc)


# --- mapping lines to fields (no Tesseract needed) ------------------------------------------------------


def line(text: str, conf: float = 95.0) -> OcrLine:
    words = [Word(w, conf, 100 * i, 0, 80, 30) for i, w in enumerate(text.split())]
    char_words = [i for i, w in enumerate(words) for ch in w.text if not ch.isspace()]
    return OcrLine(text=text, confidence=conf, page=1, words=words, char_words=char_words)


def read(*lines: OcrLine) -> dict[str, FieldReading]:
    return by_id(ocr.read_fields(OcrResult(list(lines), 1, "png"), FIELDS))


def test_input_fields_flatten_pages_without_info_file_group():
    ids = [f["id"] for f in FIELDS]
    assert ids[:3] == ["applicant_name", "applicant_kana", "birth_date"]
    assert "identity_info" not in ids and "identity_document" not in ids
    sodai = ocr.input_fields(formimages.demo_definition("sodai-gomi"))
    assert "items" not in [f["id"] for f in sodai] and "items_info" not in [f["id"] for f in sodai]


def test_longest_label_wins_and_values_are_checked_by_type():
    got = read(
        line("氏名 (フリガナ) コウトウ ハナコ"),
        line("| 氏名 : 江東 花子"),
        line("生年月日 【平成8年11月3日】"),
        line("郵便番号 T135-8383"),
        line("日中に連絡がとれる電話番号 | ０３（３６４７）９１１１"),
        line("記載が必要な方 世帯全員"),
        line("必要な通数 2通"),
        line("本籍・筆頭者の記載 はい"),
    )
    assert got["applicant_name"].value == "江東 花子" and got["applicant_name"].answer == "江東 花子"
    assert got["applicant_kana"].answer == "コウトウ ハナコ"
    assert got["birth_date"].answer == "1996-11-03"
    assert got["postal_code"].answer == "135-8383"
    assert got["phone"].answer == "03-3647-9111"
    assert got["whose"].answer == "household"
    assert got["copies"].answer == 2
    assert got["need_honseki"].answer is True
    assert got["email"].value is None and "見つからず" in got["email"].note


def test_label_tolerates_ocr_noise():
    got = read(
        line("日中に連絡がとれる電話番弓 03-3647-9111"), line("住民登録のある住析 江東区東陽四丁目11-28")
    )
    assert got["phone"].answer == "03-3647-9111"
    assert got["home_address"].answer == {"town": "東陽四丁目", "detail": "11-28"}
    # but a two-character label must be exact: 「氏各」 is not 「氏名」
    assert read(line("氏各 江東 花子"))["applicant_name"].value is None


def test_values_that_fail_the_check_are_left_blank_with_the_reason():
    got = read(
        line("生年月日 昭和55年2月30日"),
        line("郵便番号 135-838"),
        line("記載が必要な方 本人のろ"),
        line("必要な通数 20通"),
        line("本籍・筆頭者の記載 ばい"),
        line("メールアドレス hanako@example:jp"),
        line("氏名 (フリガナ) コウトウ ハナ子"),
    )
    for fid in ("birth_date", "postal_code", "whose", "copies", "need_honseki", "email", "applicant_kana"):
        assert got[fid].value is None and got[fid].answer is None, got[fid]
        assert got[fid].line is not None
    assert "『" not in got["birth_date"].note
    assert got["birth_date"].note.startswith("「生年月日」の欄は見つかりましたが、日付として読めませんでした")
    assert "存在しない日付" in got["birth_date"].note
    assert "選択肢" in got["whose"].note and "本人のみ" in got["whose"].note
    assert "1通から10通" in got["copies"].note


def test_low_confidence_or_table_rule_characters_leave_a_blank():
    got = read(line("氏名 江東 花子", conf=40.0), line("提出先 江東年金|事務所"))
    assert got["applicant_name"].value is None and "はっきり読み取れない" in got["applicant_name"].note
    assert "江東 花子" in got["applicant_name"].note  # what was read is shown, not filled in
    assert got["submit_to"].value is None and "罫線" in got["submit_to"].note


def test_empty_box():
    got = read(line("記載が必要な方の氏名 :"), line("提出先 |"))
    assert got["members"].value is None and "記入がありません" in got["members"].note
    assert got["submit_to"].value is None


# --- text helpers ---------------------------------------------------------------------------------------


def test_character_accuracy():
    assert ocr.character_accuracy("江東 花子", "江東花子") == 1.0
    assert ocr.character_accuracy("江東花子", "江東花千") == 0.75
    assert ocr.character_accuracy("０３", "03") == 1.0  # NFKC
    assert ocr.character_accuracy("abcd", "") == 0.0
    assert ocr.character_accuracy("ab", "xxxxxxxx") == 0.0  # floor at 0
    assert ocr.character_accuracy("", "") == 1.0


def test_japanese_spacing():
    assert (
        ocr.remove_cjk_spaces("江 東 区 東陽 4-11-28 hanako @ example")
        == "江東区東陽 4-11-28 hanako @ example"
    )
    words = [Word("江東", 90, 0, 0, 60, 30), Word("区", 90, 64, 0, 30, 30), Word("花子", 90, 140, 0, 60, 30)]
    assert ocr.join_words(words) == "江東区 花子"  # a wide gap is a real space
    latin = [Word("Koto", 90, 0, 0, 60, 30), Word("City", 90, 66, 0, 60, 30)]
    assert ocr.join_words(latin) == "Koto City"
