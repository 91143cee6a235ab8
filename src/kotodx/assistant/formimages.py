"""Generated images of filled-in paper applications, with known text, for testing and measuring the OCR.

``render_form`` draws an A4 page (150 dpi, 1240×1754 px) like a ward application form: the title, then one
ruled row per question with the label in a shaded cell and the handwritten-like value beside it (or
「ラベル：値」 in one cell, ``layout="colon"``). ``noise``/``rotate`` make it look scanned (grain, specks,
slight blur, a tilt); ``redact`` covers the values of some rows with black boxes (a smudge or a
correction), so tests can check that the OCR leaves those fields blank. ``render_pdf`` wraps the same page
in a PDF (one image per page, as a scanner makes).

``sample_set()`` gives about eight such forms for the demo forms 住民票の写し交付請求 (juminhyo) and
粗大ごみ収集申込 (sodai-gomi) with realistic fake answers, each with the text drawn on it and the answers
the OCR should read, for ``ocr.accuracy_report``.
"""

from __future__ import annotations

import io
import json
import random
import shutil
import subprocess
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from kotodx.eapply.formdef import FORMS_DIR

PAGE_SIZE = (1240, 1754)  # A4 at 150 dpi
DPI = 150
_FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
)


@lru_cache(maxsize=1)
def font_path() -> str:
    """A Japanese font (Noto Sans CJK JP from fonts-noto-cjk); RuntimeError when there is none."""
    for candidate in _FONT_CANDIDATES:
        if Path(candidate).exists():
            return candidate
    if shutil.which("fc-match"):
        fc_match = ["fc-match", "-f", "%{file}", ":lang=ja"]
        out = subprocess.run(  # noqa: S603  (fixed argv, no shell)
            fc_match, capture_output=True, text=True, timeout=10, check=False
        ).stdout.strip()
        if out and Path(out).exists():
            return out
    raise RuntimeError("日本語フォントがありません。apt-get install fonts-noto-cjk で入れてください。")


@lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.FreeTypeFont:
    # index 0 of the Noto CJK collection is the Japanese face (JP glyph shapes)
    return ImageFont.truetype(font_path(), size, index=0)


def _page(
    title: str, rows: list[tuple[str, str]], *, layout: str, redact: Collection[int], scale: float
) -> Image.Image:
    w, h = round(PAGE_SIZE[0] * scale), round(PAGE_SIZE[1] * scale)

    def s(v: float) -> int:
        return round(v * scale)

    img = Image.new("L", (w, h), 255)
    draw = ImageDraw.Draw(img)
    title_font, label_font, value_font = _font(s(46)), _font(s(29)), _font(s(32))
    draw.text((w // 2, s(120)), title, font=title_font, fill=0, anchor="mm")
    left, right, top, row_h, label_w = s(80), w - s(80), s(210), s(86), s(430)
    if rows:
        draw.rectangle((left, top, right, top + row_h * len(rows)), outline=0, width=max(1, s(3)))
    for i, (label, value) in enumerate(rows):
        y0 = top + i * row_h
        y_mid = y0 + row_h // 2
        if i:
            draw.line((left, y0, right, y0), fill=0, width=max(1, s(2)))
        if layout == "colon":
            text = f"{label}：{value}"
            draw.text((left + s(24), y_mid), text, font=value_font, fill=0, anchor="lm")
            if i in redact and value:
                lw = draw.textlength(f"{label}：", font=value_font)
                x = left + s(24) + lw
                draw.rectangle((x - s(4), y0 + s(14), right - s(20), y0 + row_h - s(14)), fill=0)
            continue
        draw.rectangle((left + s(2), y0 + s(2), left + label_w, y0 + row_h - s(1)), fill=236)
        draw.line((left + label_w, y0, left + label_w, y0 + row_h), fill=0, width=max(1, s(2)))
        draw.text((left + s(20), y_mid), label, font=label_font, fill=0, anchor="lm")
        draw.text((left + label_w + s(28), y_mid), value, font=value_font, fill=0, anchor="lm")
        if i in redact and value:
            draw.rectangle((left + label_w + s(16), y0 + s(12), right - s(24), y0 + row_h - s(12)), fill=0)
    return img


def _scan(img: Image.Image, *, seed: int, noise: bool, rotate: float) -> Image.Image:
    rng = random.Random(seed)
    w, h = img.size
    if noise:
        grain = Image.frombytes("L", (w, h), rng.randbytes(w * h))
        img = Image.blend(img, grain, 0.06)  # paper grain, ±8 levels
        draw = ImageDraw.Draw(img)
        for _ in range(w * h // 12000):  # dust: small dark specks
            x, y, r = rng.randrange(w), rng.randrange(h), rng.choice((1, 1, 2))
            draw.ellipse((x - r, y - r, x + r, y + r), fill=rng.randrange(40, 120))
        img = img.filter(ImageFilter.GaussianBlur(0.5))
    if rotate:
        img = img.rotate(rotate, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=255)
    return img


def render_image(
    title: str,
    rows: list[tuple[str, str]],
    *,
    seed: int = 0,
    noise: bool = False,
    rotate: float = 0.0,
    layout: str = "table",
    redact: Collection[int] = (),
    scale: float = 1.0,
) -> Image.Image:
    """The page as a Pillow image (grayscale). See ``render_form`` for the arguments."""
    if layout not in ("table", "colon"):
        raise ValueError(f"layout must be 'table' or 'colon', not {layout!r}")
    page = _page(title, rows, layout=layout, redact=set(redact), scale=scale)
    return _scan(page, seed=seed, noise=noise, rotate=rotate)


def render_form(
    title: str,
    rows: list[tuple[str, str]],
    *,
    seed: int = 0,
    noise: bool = False,
    rotate: float = 0.0,
    fmt: str = "PNG",
    layout: str = "table",
    redact: Collection[int] = (),
    scale: float = 1.0,
) -> bytes:
    """A filled-in application form as PNG/JPEG/PDF bytes.

    ``rows`` are (label, value) pairs in order (value "" for an empty box); ``noise`` adds grain, specks and
    blur like a scanner, ``rotate`` tilts the page by that many degrees (counter-clockwise), ``redact`` lists
    row indices whose value is covered by a black box, ``scale`` 2.0 gives 300 dpi instead of 150 dpi.
    """
    img = render_image(
        title, rows, seed=seed, noise=noise, rotate=rotate, layout=layout, redact=redact, scale=scale
    )
    out = io.BytesIO()
    fmt = fmt.upper()
    if fmt in ("JPEG", "JPG"):
        img.save(out, format="JPEG", quality=85, dpi=(DPI * scale, DPI * scale))
    elif fmt == "PDF":
        img.save(out, format="PDF", resolution=DPI * scale)
    else:
        img.save(out, format="PNG", dpi=(round(DPI * scale), round(DPI * scale)))
    return out.getvalue()


def render_pdf(title: str, rows: list[tuple[str, str]], *, pages: int = 1, **kwargs: Any) -> bytes:
    """The same form as a PDF of ``pages`` identical scanned pages (``render_form`` keywords apply)."""
    img = render_image(title, rows, **kwargs).convert("RGB" if pages > 1 else "L")
    out = io.BytesIO()
    resolution = DPI * float(kwargs.get("scale", 1.0))
    if pages > 1:
        img.save(out, format="PDF", resolution=resolution, save_all=True, append_images=[img] * (pages - 1))
    else:
        img.save(out, format="PDF", resolution=resolution)
    return out.getvalue()


# --- the sample set -----------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _definition_text(slug: str) -> str:
    return (FORMS_DIR / f"{slug}.json").read_text(encoding="utf-8")


def demo_definition(slug: str) -> dict[str, Any]:
    """A demo form of eapply (``juminhyo``, ``sodai-gomi`` …) as a dict (a fresh copy)."""
    data: dict[str, Any] = json.loads(_definition_text(slug))
    return data


@dataclass
class Sample:
    """One generated form: the image, the text drawn on it, and the answers the OCR should read."""

    name: str
    slug: str  # the demo form (eapply/data/forms/<slug>.json)
    definition: dict[str, Any]
    rows: list[tuple[str, str]]
    answers: dict[str, Any]  # field id → expected stored answer (None: the box is empty or covered)
    data: bytes
    fmt: str
    title: str = ""
    layout: str = "table"
    redacted: list[str] = field(default_factory=list)  # field ids whose value is covered

    @property
    def text(self) -> str:
        """Everything drawn on the page, in reading order: the title, then 「ラベル 値」 per row
        (「ラベル：値」 in the colon layout)."""
        sep = "：" if self.layout == "colon" else " "
        lines = [self.title] + [f"{label}{sep}{value}".strip() for label, value in self.rows]
        return "\n".join(lines)


_JUMINHYO_PEOPLE: list[dict[str, Any]] = [
    {
        "applicant_name": ("江東 花子", "江東 花子"),
        "applicant_kana": ("コウトウ ハナコ", "コウトウ ハナコ"),
        "birth_date": ("昭和55年1月1日", "1980-01-01"),
        "postal_code": ("〒135-8383", "135-8383"),
        "home_address": ("江東区東陽四丁目11-28", {"town": "東陽四丁目", "detail": "11-28"}),
        "phone": ("03-3647-9111", "03-3647-9111"),
        "email": ("hanako@example.jp", "hanako@example.jp"),
        "whose": ("本人のみ", "self"),
        "members": ("", None),
        "purpose": ("年金の手続き", "pension"),
        "purpose_other": ("", None),
        "submit_to": ("江東年金事務所", "江東年金事務所"),
        "copies": ("1通", 1),
        "need_honseki": ("いいえ", False),
        "honseki_reason": ("", None),
        "need_relation": ("はい", True),
    },
    {
        "applicant_name": ("砂町 太郎", "砂町 太郎"),
        "applicant_kana": ("スナマチ タロウ", "スナマチ タロウ"),
        "birth_date": ("1992年7月15日", "1992-07-15"),
        "postal_code": ("136-0073", "136-0073"),
        "home_address": (
            "江東区北砂三丁目5-2 スナマチハイツ203",
            {"town": "北砂三丁目", "detail": "5-2 スナマチハイツ203"},
        ),
        "phone": ("090-1234-5678", "090-1234-5678"),
        "email": ("taro.sunamachi@example.com", "taro.sunamachi@example.com"),
        "whose": ("世帯全員", "household"),
        "members": ("", None),
        "purpose": ("就職・勤務先への提出", "work"),
        "purpose_other": ("", None),
        "submit_to": ("株式会社豊洲商事", "株式会社豊洲商事"),
        "copies": ("2通", 2),
        "need_honseki": ("はい", True),
        "honseki_reason": ("パスポートの申請", "パスポートの申請"),
        "need_relation": ("はい", True),
    },
    {
        "applicant_name": ("亀戸 美咲", "亀戸 美咲"),
        "applicant_kana": ("カメイド ミサキ", "カメイド ミサキ"),
        "birth_date": ("平成8年11月3日", "1996-11-03"),
        "postal_code": ("136-0071", "136-0071"),
        "home_address": ("江東区亀戸六丁目31-6", {"town": "亀戸六丁目", "detail": "31-6"}),
        "phone": ("03-5609-1234", "03-5609-1234"),
        "email": ("misaki@example.org", "misaki@example.org"),
        "whose": ("本人のみ", "self"),
        "members": ("", None),
        "purpose": ("運転免許", "license"),
        "purpose_other": ("", None),
        "submit_to": ("江東運転免許試験場", "江東運転免許試験場"),
        "copies": ("1通", 1),
        "need_honseki": ("いいえ", False),
        "honseki_reason": ("", None),
        "need_relation": ("いいえ", False),
    },
    {
        "applicant_name": ("深川 一郎", "深川 一郎"),
        "applicant_kana": ("フカガワ イチロウ", "フカガワ イチロウ"),
        "birth_date": ("昭和47年4月20日", "1972-04-20"),
        "postal_code": ("135-0033", "135-0033"),
        "home_address": ("江東区深川二丁目8-19", {"town": "深川二丁目", "detail": "8-19"}),
        "phone": ("03-3641-5555", "03-3641-5555"),
        "email": ("ichiro@example.net", "ichiro@example.net"),
        "whose": ("世帯全員", "household"),
        "members": ("", None),
        "purpose": ("相続の手続き", "inheritance"),
        "purpose_other": ("", None),
        "submit_to": ("東京法務局", "東京法務局"),
        "copies": ("3通", 3),
        "need_honseki": ("はい", True),
        "honseki_reason": ("相続の手続き", "相続の手続き"),
        "need_relation": ("はい", True),
    },
]


def _sodai_people(today: date) -> list[dict[str, Any]]:
    d1, d2 = today + timedelta(days=14), today + timedelta(days=21)
    from kotodx.core.fiscal import format_wareki

    return [
        {
            "applicant_name": ("大島 健二", "大島 健二"),
            "applicant_kana": ("オオジマ ケンジ", "オオジマ ケンジ"),
            "phone": ("03-3681-2222", "03-3681-2222"),
            "email": ("kenji@example.jp", "kenji@example.jp"),
            "pickup_address": ("江東区大島七丁目12-3", {"town": "大島七丁目", "detail": "12-3"}),
            "building": ("一戸建て", "house"),
            "floor": ("", None),
            "put_out_place": ("玄関の前", "玄関の前"),
            "collection_date": (f"{d1.year}年{d1.month}月{d1.day}日", d1.isoformat()),
            "note": ("", None),
        },
        {
            "applicant_name": ("豊洲 さくら", "豊洲 さくら"),
            "applicant_kana": ("トヨス サクラ", "トヨス サクラ"),
            "phone": ("080-9876-5432", "080-9876-5432"),
            "email": ("sakura.toyosu@example.com", "sakura.toyosu@example.com"),
            "pickup_address": (
                "江東区豊洲五丁目6-15 トヨスタワー1203",
                {"town": "豊洲五丁目", "detail": "6-15 トヨスタワー1203"},
            ),
            "building": ("マンション・アパートなどの集合住宅", "apartment"),
            "floor": ("12階", 12),
            "put_out_place": ("1階ごみ置き場の横", "1階ごみ置き場の横"),
            "collection_date": (format_wareki(d2), d2.isoformat()),
            "note": ("インターホンは鳴らさないでください", "インターホンは鳴らさないでください"),
        },
    ]


def _rows(definition: dict[str, Any], person: dict[str, Any]) -> tuple[list[tuple[str, str]], dict[str, Any]]:
    from kotodx.assistant.ocr import input_fields

    rows, answers = [], {}
    for spec in input_fields(definition):
        text, answer = person.get(spec["id"], ("", None))
        rows.append((spec["label"], text))
        answers[spec["id"]] = answer
    return rows, answers


def sample_set(today: date | None = None) -> list[Sample]:
    """Eight generated forms with known text: juminhyo ×5 and sodai-gomi ×3, clean and scan-like, PNG,
    JPEG and PDF, table and 「ラベル：値」 layouts; one has two values covered by black boxes."""
    from django.utils import timezone

    today = today or timezone.localdate()
    plans: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = []
    jumin = demo_definition("juminhyo")
    sodai = demo_definition("sodai-gomi")
    people = _JUMINHYO_PEOPLE
    sodai_people = _sodai_people(today)
    plans += [
        ("juminhyo-clean-png", "juminhyo", people[0], {"fmt": "PNG"}),
        ("juminhyo-scan-jpeg", "juminhyo", people[1], {"fmt": "JPEG", "noise": True, "rotate": 0.8}),
        ("juminhyo-colon-png", "juminhyo", people[2], {"fmt": "PNG", "layout": "colon"}),
        ("juminhyo-scan-pdf", "juminhyo", people[3], {"fmt": "PDF", "noise": True, "rotate": -0.6}),
        ("juminhyo-redacted-png", "juminhyo", people[0], {"fmt": "PNG", "redact": ("birth_date", "phone")}),
        ("sodai-clean-png", "sodai-gomi", sodai_people[0], {"fmt": "PNG"}),
        ("sodai-scan-png", "sodai-gomi", sodai_people[1], {"fmt": "PNG", "noise": True, "rotate": 1.0}),
        ("sodai-colon-pdf", "sodai-gomi", sodai_people[1], {"fmt": "PDF", "layout": "colon"}),
    ]
    samples = []
    for seed, (name, slug, person, opts) in enumerate(plans):
        definition = jumin if slug == "juminhyo" else sodai
        rows, answers = _rows(definition, person)
        opts = dict(opts)
        redact_ids = list(opts.pop("redact", ()))
        ids = list(answers)
        redact = [ids.index(fid) for fid in redact_ids]
        for fid in redact_ids:
            answers[fid] = None
        data = render_form(definition["title"], rows, seed=seed, redact=redact, **opts)
        shown = [(label, "" if i in redact else value) for i, (label, value) in enumerate(rows)]
        samples.append(
            Sample(
                name=name,
                slug=slug,
                definition=definition,
                rows=shown,
                answers=answers,
                data=data,
                fmt=str(opts.get("fmt", "PNG")),
                title=definition["title"],
                layout=str(opts.get("layout", "table")),
                redacted=redact_ids,
            )
        )
    return samples
