"""OCR of paper application forms (紙の申請書の読み取り): a scanned PNG/JPEG/PDF in, the answers of a
procedure's form out, each with the line it came from and why a field was left blank.

How it works
============
1. ``check_upload`` decides the kind by the content (core.uploads.sniff: PNG, JPEG, PDF; never the file
   name) and refuses what cannot be read with a Japanese message (``ValidationError``): an empty file, one
   over ``MAX_BYTES``, another type, an image Pillow cannot decode, a decompression bomb, an image under
   ``MIN_SIDE`` px, a PDF poppler's ``pdfinfo`` cannot read (or one with a password), a PDF of more than
   ``MAX_PDF_PAGES`` pages (counted by ``pdfinfo`` before anything is rendered).
2. ``recognise`` renders PDF pages with ``pdftoppm -r 300 -gray`` (lower for pages larger than A3; as PGM:
   encoding a noisy 300-dpi page as PNG alone takes pdftoppm 15 s), turns each page upright and grey,
   scales it to A4 at 150 dpi (``LONG_SIDE``), smooths it lightly and binarises it with Otsu's threshold
   (paper grain, the grey shading of label cells and JPEG noise go, strokes stay: this read the noisy
   samples far better than Tesseract's own binarisation; 300 dpi read no better and took longer), then
   runs ``tesseract page.png out -l jpn --psm 4 --dpi N txt tsv`` in a temporary directory with a timeout
   and one OpenMP thread (4× faster here). ``--psm 4`` (one column of lines of varying size) keeps a
   form's 「ラベル｜値」 row on one line; psm 3 reads the same, psm 6 lost the table and psm 11 split rows.
   Lines come from the TSV (words with confidences and boxes); their text from the TXT output of the same
   run, whose spacing is right for Japanese (Tesseract 5 puts a space only where there is one on paper:
   「江東 花子」). When the two do not line up, words are joined by rule (``join_words``: no space next to
   a CJK/kana character unless the gap on paper is wide, a space between Latin/digit words). Lines of one
   visual row that Tesseract split (label cell, value cell) are joined.
3. ``read_fields`` maps lines to the form's fields by label: NFKC, spaces dropped, a line must start with
   the label (after table rules and punctuation read as 「|」「。」…) within a small edit distance
   (a quarter of the label's length; none for labels under four characters); when labels overlap the
   longest wins (氏名 vs 氏名（フリガナ）). The value is the rest of the line after separators
   (：:、|【】…). It is then checked **with eapply's own answer fields** (eapply.formdef: the same parsing
   of 和暦, phone numbers, postal codes, numbers, e-mail, patterns, lengths and date ranges as when a
   resident types it) and choices must equal a choice's label after normalisation.
   A value is given only when the label was found, the value is not empty, every word of it was read
   with a confidence of at least ``MIN_CONFIDENCE``, it holds none of the characters a table rule or dirt
   is read as (|, ", ~ …) and the type check passes; otherwise ``value`` is None and ``note`` says why.
   The OCR never fills in a value it did not read: on the sample set no value was wrong with these
   rules, while without the confidence rule 5 of 110 were (a 朗 for 郎, a missing 洲, ニ for 二).

``character_accuracy`` and ``accuracy_report`` measure all this on generated forms with known text
(formimages.sample_set); ``bench/ocr_accuracy.py`` prints the report.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import unicodedata
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from PIL import Image, ImageFile, ImageFilter, ImageOps
from rapidfuzz.distance import Levenshtein

from kotodx.core.uploads import JPEG, PDF, PNG, FileKind, sniff

if TYPE_CHECKING:
    from kotodx.assistant.formimages import Sample

MAX_BYTES = 20 * 1024 * 1024
MAX_PDF_PAGES = 5
MIN_SIDE = 300  # px; smaller images cannot hold a readable form
PDF_DPI = 300
MAX_RENDER_SIDE = 4961  # px: A3 at 300 dpi; larger PDF pages are rendered at a lower resolution
TESSERACT_TIMEOUT = 60  # seconds per page
PDF_TIMEOUT = 60
MIN_CONFIDENCE = 60.0  # every word of a value must be read at least this sure (Tesseract's 0–100)
ACCEPTED: tuple[FileKind, ...] = (PNG, JPEG, PDF)
NON_INPUT_TYPES = frozenset({"info", "file", "group"})

_INSTALL_HINT = "サーバーの管理者が apt-get install tesseract-ocr tesseract-ocr-jpn で入れてください。"


# --- results ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Word:
    """One word of Tesseract's TSV: its text, confidence (0–100) and box in pixels of the page image."""

    text: str
    confidence: float
    left: int
    top: int
    width: int
    height: int

    @property
    def right(self) -> int:
        return self.left + self.width

    @property
    def bottom(self) -> int:
        return self.top + self.height


@dataclass
class OcrLine:
    """A recognised line: its text (Japanese spacing), the mean word confidence, the page (from 1), and
    the words; ``char_words[i]`` is the index in ``words`` of the i-th non-space character of ``text``."""

    text: str
    confidence: float
    page: int
    words: list[Word] = field(default_factory=list)
    char_words: list[int] = field(default_factory=list)

    @property
    def top(self) -> int:
        return min((w.top for w in self.words), default=0)

    @property
    def bottom(self) -> int:
        return max((w.bottom for w in self.words), default=0)

    @property
    def left(self) -> int:
        return min((w.left for w in self.words), default=0)


@dataclass
class OcrResult:
    """What Tesseract read from a file: the lines of all pages in reading order."""

    lines: list[OcrLine]
    pages: int
    kind: str  # "pdf", "png" or "jpeg"
    seconds: float = 0.0

    @property
    def text(self) -> str:
        """The full text, one recognised line per line."""
        return "\n".join(line.text for line in self.lines)


@dataclass
class FieldReading:
    """What the OCR found for one field of the form.

    ``value`` is the text read for it (cleaned of table rules and separators), ``answer`` the same as the
    form stores it (ISO date, choice value, True/False, number, {"town", "detail"}) for pre-filling; both are
    None when nothing trustworthy was read, and ``note`` (Japanese, for the staff member who checks) says
    why. ``line`` is the recognised line the value came from (None when the label was not found)."""

    field_id: str
    label: str
    value: str | None
    line: str | None
    confidence: float | None
    note: str
    type: str = "text"
    answer: Any = None

    @property
    def found(self) -> bool:
        return self.value is not None


# --- checking the file --------------------------------------------------------------------------------


@dataclass
class _Checked:
    kind: FileKind
    image: Image.Image | None = None  # PNG/JPEG, decoded
    pdf_pages: int = 0
    pdf_dpi: int = PDF_DPI


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f}".removesuffix(".0") + "MB"


def _accepted_labels() -> str:
    return "、".join(str(k.label) for k in ACCEPTED)


def check_upload(data: bytes) -> FileKind:
    """Check that ``data`` is a PNG, JPEG or PDF the OCR can read; ValidationError (Japanese) if not."""
    return _check(data).kind


def _check(data: bytes) -> _Checked:
    if not data:
        raise ValidationError(
            "ファイルが空です（0バイト）。読み取る申請書の画像かPDFを選んでください。", code="empty"
        )
    if len(data) > MAX_BYTES:
        raise ValidationError(
            f"ファイルが大きすぎます（{_mb(len(data))}）。{_mb(MAX_BYTES)}以下にしてください"
            "（スキャンの解像度を300dpi程度に下げると小さくなります）。",
            code="too_large",
        )
    kind = sniff(data[:16], data)
    if kind not in ACCEPTED:
        what = (
            "テキストファイル"
            if kind is not None and kind.code == "csv"
            else (f"{kind.label}" if kind is not None else "画像でもPDFでもないファイル")
        )
        raise ValidationError(
            f"このファイル（{what}）は読み取れません。受け付ける形式は {_accepted_labels()} です"
            "（ファイル名の拡張子ではなく中身で判定しています）。",
            code="unsupported",
        )
    if kind is PDF:
        return _check_pdf(data)
    return _Checked(kind=kind, image=_open_image(data, kind))


_strict_lock = threading.Lock()


def _load_strictly(img: Image.Image) -> None:
    # WeasyPrint sets Pillow's process-wide LOAD_TRUNCATED_IMAGES on import, which would pad a cut-off
    # scan with grey instead of refusing it: turn it off for this load only.
    with _strict_lock:
        saved = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            img.load()
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = saved


def _open_image(data: bytes, kind: FileKind) -> Image.Image:
    broken = ValidationError(
        f"{kind.label}が壊れているため読み取れません（途中で切れているか、中身が{kind.label}の形になっていません）。"
        "もう一度スキャンするか、保存し直したファイルを選んでください。",
        code="corrupt",
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            w, h = img.size
            if w * h > (Image.MAX_IMAGE_PIXELS or 178956970):
                raise Image.DecompressionBombError(f"{w}x{h}")
            _load_strictly(img)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            "画像の画素数が多すぎます（展開すると非常に大きくなる画像です）。"
            "A4を300dpi程度でスキャンした画像にしてください。",
            code="too_many_pixels",
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise broken from None
    if img.format not in ("PNG", "JPEG"):
        raise broken
    w, h = img.size
    if min(w, h) < MIN_SIDE:
        raise ValidationError(
            f"画像が小さすぎて読み取れません（{w}×{h}ピクセル）。縦横とも{MIN_SIDE}ピクセル以上"
            "（A4なら150dpi以上）でスキャンしてください。",
            code="too_small",
        )
    return img


def _run(cmd: list[str], *, timeout: int, what: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(cmd, capture_output=True, timeout=timeout, check=False, env=_env())  # noqa: S603  (fixed argv, no shell)
    except subprocess.TimeoutExpired:
        raise ValidationError(
            f"{what}に時間がかかりすぎたため中止しました（{timeout}秒）。ページ数や解像度を減らしてください。",
            code="timeout",
        ) from None
    except FileNotFoundError:
        raise ValidationError(
            f"サーバーに{cmd[0]}がないため{what}ができません。"
            "サーバーの管理者が apt-get install poppler-utils で入れてください。",
            code="tool_missing",
        ) from None


def _env() -> dict[str, str]:
    # One OpenMP thread: Tesseract 5 is several times faster on a page this way (no thread spin-up).
    return {**os.environ, "OMP_THREAD_LIMIT": "1", "LC_ALL": "C.UTF-8"}


_PAGES = re.compile(r"^Pages:\s+(\d+)", re.MULTILINE)
_PAGE_SIZE = re.compile(r"^Page\s+\d+\s+size:\s+([\d.]+)\s+x\s+([\d.]+)\s+pts", re.MULTILINE)


def _check_pdf(data: bytes) -> _Checked:
    with tempfile.TemporaryDirectory(prefix="kotodx-ocr-") as tmp:
        path = Path(tmp) / "in.pdf"
        path.write_bytes(data)
        info = _run(["pdfinfo", str(path)], timeout=PDF_TIMEOUT, what="PDFの確認")
        err = info.stderr.decode("utf-8", "replace")
        if info.returncode != 0:
            if "password" in err.lower():
                raise ValidationError(
                    "パスワードで保護されたPDFは読み取れません。保護を外したPDFかスキャン画像を選んでください。",
                    code="encrypted",
                )
            raise ValidationError(
                "PDFが壊れているため読み取れません（途中で切れているか、PDFの形になっていません）。"
                "保存し直したPDFかスキャン画像を選んでください。",
                code="corrupt",
            )
        out = info.stdout.decode("utf-8", "replace")
        m = _PAGES.search(out)
        pages = int(m.group(1)) if m else 0
        if pages < 1:
            raise ValidationError("PDFにページがありません。", code="no_pages")
        if pages > MAX_PDF_PAGES:
            raise ValidationError(
                f"PDFのページ数が多すぎます（{pages}ページあります）。読み取れるのは{MAX_PDF_PAGES}ページ"
                "までです。申請書のページだけのPDFにしてください。",
                code="too_many_pages",
            )
        sizes = _run(
            ["pdfinfo", "-f", "1", "-l", str(pages), str(path)], timeout=PDF_TIMEOUT, what="PDFの確認"
        ).stdout.decode("utf-8", "replace")
    longest = max((max(float(a), float(b)) for a, b in _PAGE_SIZE.findall(sizes)), default=842.0)
    dpi = max(36, min(PDF_DPI, int(MAX_RENDER_SIDE * 72 / max(longest, 1.0))))
    return _Checked(kind=PDF, pdf_pages=pages, pdf_dpi=dpi)


# --- Tesseract ----------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _tesseract_languages() -> frozenset[str]:
    exe = shutil.which("tesseract")
    if not exe:
        return frozenset()
    try:
        out = subprocess.run(  # noqa: S603  (fixed argv, no shell)
            [exe, "--list-langs"], capture_output=True, text=True, timeout=30, check=False, env=_env()
        )
    except (OSError, subprocess.TimeoutExpired):
        return frozenset()
    lines = (out.stdout + out.stderr).splitlines()
    return frozenset(s.strip() for s in lines if s.strip() and " " not in s.strip())


def tesseract_available() -> bool:
    """True when Tesseract with Japanese (jpn) is installed."""
    return "jpn" in _tesseract_languages()


def _require_tesseract() -> None:
    if not shutil.which("tesseract"):
        raise ValidationError(
            f"このサーバーには文字認識（OCR）のTesseractが入っていないため読み取れません。{_INSTALL_HINT}",
            code="tesseract_missing",
        )
    if not tesseract_available():
        _tesseract_languages.cache_clear()
        raise ValidationError(
            f"このサーバーのTesseractに日本語（jpn）の学習データがないため読み取れません。{_INSTALL_HINT}",
            code="tesseract_missing",
        )


# Pages are scaled to A4 at 150 dpi and smoothed with this radius before Otsu's threshold. Measured on
# formimages.sample_set(): 300 dpi (upscaled or rendered so) and other radii read no better and are slower.
LONG_SIDE = 1754
BLUR = 0.5


def _upright_grey(img: Image.Image) -> Image.Image:
    img = ImageOps.exif_transpose(img) or img
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(white, rgba)
    return img.convert("L")


def _prepare(grey: Image.Image, long_side: int, blur: float) -> tuple[Image.Image, int]:
    """A page scaled to ``long_side`` px (as if A4), smoothed and binarised; and its dpi as an A4 page."""
    factor = long_side / max(grey.size)
    if abs(factor - 1) > 0.02:
        grey = grey.resize(
            (round(grey.width * factor), round(grey.height * factor)), Image.Resampling.LANCZOS
        )
    dpi = max(70, min(600, round(max(grey.size) / 11.69)))
    if blur:
        grey = grey.filter(ImageFilter.GaussianBlur(blur * dpi / 150))
    threshold = _otsu(grey.histogram())
    return grey.point(lambda v: 0 if v < threshold else 255), dpi


def _otsu(hist: list[int]) -> int:
    total = sum(hist)
    sum_all = sum(i * h for i, h in enumerate(hist))
    sum_b = weight_b = 0.0
    best, best_t = -1.0, 128
    for t in range(256):
        weight_b += hist[t]
        if weight_b == 0:
            continue
        weight_f = total - weight_b
        if weight_f == 0:
            break
        sum_b += t * hist[t]
        mean_b, mean_f = sum_b / weight_b, (sum_all - sum_b) / weight_f
        between = weight_b * weight_f * (mean_b - mean_f) ** 2
        if between > best:
            best, best_t = between, t
    return best_t + 1


def _pages(checked: _Checked, data: bytes, tmp: Path) -> list[Image.Image]:
    if checked.image is not None:
        return [checked.image]
    pdf = tmp / "in.pdf"
    pdf.write_bytes(data)
    rendered = _run(
        [
            "pdftoppm",
            "-r",
            str(checked.pdf_dpi),
            "-gray",
            "-f",
            "1",
            "-l",
            str(checked.pdf_pages),
            str(pdf),
            str(tmp / "page"),
        ],
        timeout=PDF_TIMEOUT * checked.pdf_pages,
        what="PDFの画像化",
    )
    files = sorted(tmp.glob("page-*.pgm"))
    if rendered.returncode != 0 or not files:
        raise ValidationError(
            "PDFのページを画像にできませんでした（PDFが壊れている可能性があります）。"
            "保存し直したPDFかスキャン画像を選んでください。",
            code="corrupt",
        )
    out = []
    for f in files:
        with Image.open(f) as page:
            page.load()
            out.append(page.copy())
    return out


def _tesseract(img: Image.Image, dpi: int, tmp: Path, n: str) -> tuple[str, str]:
    src = tmp / f"ocr-{n}.png"
    img.save(src, format="PNG", dpi=(dpi, dpi))
    base = tmp / f"ocr-{n}"
    cmd = ["tesseract", str(src), str(base), "-l", "jpn", "--psm", "4", "--dpi", str(dpi), "txt", "tsv"]
    try:
        proc = subprocess.run(  # noqa: S603  (fixed argv, no shell)
            cmd, capture_output=True, timeout=TESSERACT_TIMEOUT, check=False, env=_env()
        )
    except subprocess.TimeoutExpired:
        raise ValidationError(
            f"文字認識に時間がかかりすぎたため中止しました（1ページ{TESSERACT_TIMEOUT}秒）。",
            code="timeout",
        ) from None
    except FileNotFoundError:
        raise ValidationError(
            f"このサーバーには文字認識（OCR）のTesseractが入っていないため読み取れません。{_INSTALL_HINT}",
            code="tesseract_missing",
        ) from None
    txt, tsv = base.with_suffix(".txt"), base.with_suffix(".tsv")
    if proc.returncode != 0 or not tsv.exists():
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        raise ValidationError(f"文字認識（Tesseract）が失敗しました: {message[0]}", code="tesseract_failed")
    return (txt.read_text(encoding="utf-8") if txt.exists() else ""), tsv.read_text(encoding="utf-8")


def recognise(data: bytes) -> OcrResult:
    """Read the text of a scanned form (PNG, JPEG or a PDF of up to ``MAX_PDF_PAGES`` pages).

    Raises ValidationError (Japanese message) for a file that cannot be read or when the server lacks
    Tesseract with Japanese."""
    started = time.perf_counter()
    checked = _check(data)
    _require_tesseract()
    lines: list[OcrLine] = []
    with tempfile.TemporaryDirectory(prefix="kotodx-ocr-") as tmpdir:
        tmp = Path(tmpdir)
        pages = _pages(checked, data, tmp)
        for n, page in enumerate(pages, start=1):
            prepared, dpi = _prepare(_upright_grey(page), LONG_SIDE, BLUR)
            txt, tsv = _tesseract(prepared, dpi, tmp, str(n))
            lines += _lines(txt, tsv, n)
    return OcrResult(
        lines=lines, pages=len(pages), kind=checked.kind.code, seconds=time.perf_counter() - started
    )


# --- lines from Tesseract's output --------------------------------------------------------------------


def is_cjk(ch: str) -> bool:
    """Kanji, kana, CJK punctuation and full-width forms (the characters Japanese sets without spaces)."""
    o = ord(ch)
    return (
        0x3000 <= o <= 0x30FF  # CJK punctuation, hiragana, katakana
        or 0x3400 <= o <= 0x4DBF
        or 0x4E00 <= o <= 0x9FFF
        or 0xF900 <= o <= 0xFAFF
        or 0xFF00 <= o <= 0xFFEF  # full-width and half-width forms
        or 0x31F0 <= o <= 0x31FF
        or 0x20000 <= o <= 0x2FA1F
    )


def join_words(words: Sequence[Word]) -> str:
    """Words of one line as text: a space between two Latin/digit words, none next to a CJK/kana
    character unless the gap on paper is wide (more than 0.6 × the text height: a real space)."""
    if not words:
        return ""
    heights = sorted(w.height for w in words)
    unit = heights[len(heights) // 2] or 1
    out = words[0].text
    for prev, word in zip(words, words[1:], strict=False):
        cjk = is_cjk(prev.text[-1]) or is_cjk(word.text[0])
        wide = word.left - prev.right > 0.6 * unit
        out += (" " if not cjk or wide else "") + word.text
    return out


def remove_cjk_spaces(text: str) -> str:
    """Drop spaces between two CJK/kana characters (「江 東 区」→「江東区」); spaces elsewhere stay."""
    return re.sub(r"(?<=\S) +(?=\S)", lambda m: _space_or_not(text, m), text)


def _space_or_not(text: str, m: re.Match[str]) -> str:
    before, after = text[m.start() - 1], text[m.end()]
    return "" if is_cjk(before) and is_cjk(after) else " "


def _parse_tsv(tsv: str) -> list[list[Word]]:
    lines: dict[tuple[str, str, str, str], list[Word]] = {}
    reader = csv.reader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE)
    header = next(reader, None)
    if not header:
        return []
    for row in reader:
        if len(row) < 12 or row[0] != "5":
            continue
        text = row[11].strip()
        if not text:
            continue
        try:
            left, top, width, height = (int(v) for v in row[6:10])
            conf = float(row[10])
        except ValueError:
            continue
        lines.setdefault((row[1], row[2], row[3], row[4]), []).append(
            Word(text, conf, left, top, width, height)
        )
    return list(lines.values())


def _merge_rows(lines: list[list[Word]]) -> list[list[Word]]:
    """Join lines of the same visual row (label cell and value cell read as two lines), left to right."""
    merged: list[list[Word]] = []
    for words in sorted(lines, key=lambda ws: (min(w.top for w in ws), min(w.left for w in ws))):
        top, bottom = min(w.top for w in words), max(w.bottom for w in words)
        for row in merged:
            r_top, r_bottom = min(w.top for w in row), max(w.bottom for w in row)
            overlap = min(bottom, r_bottom) - max(top, r_top)
            apart = min(w.left for w in words) >= max(w.right for w in row) or max(
                w.right for w in words
            ) <= min(w.left for w in row)
            if apart and overlap > 0.5 * min(bottom - top, r_bottom - r_top):
                row.extend(words)
                row.sort(key=lambda w: w.left)
                break
        else:
            merged.append(list(words))
    merged.sort(key=lambda ws: (min(w.top for w in ws), min(w.left for w in ws)))
    return merged


def _lines(txt: str, tsv: str, page: int) -> list[OcrLine]:
    tsv_lines = _parse_tsv(tsv)
    spaced: dict[str, list[str]] = {}
    for t in txt.splitlines():
        if t.strip():
            spaced.setdefault(re.sub(r"\s", "", t), []).append(t.strip())
    rows = _merge_rows(tsv_lines)
    out = []
    for words in rows:
        key = "".join(w.text for w in words)
        key = re.sub(r"\s", "", key)
        texts = spaced.get(key)
        text = texts.pop(0) if texts else join_words(words)
        text = re.sub(r"\s+", " ", text).strip()
        char_words = [i for i, w in enumerate(words) for ch in w.text if not ch.isspace()]
        confs = [w.confidence for w in words if w.confidence >= 0]
        out.append(
            OcrLine(
                text=text,
                confidence=round(sum(confs) / len(confs), 1) if confs else 0.0,
                page=page,
                words=words,
                char_words=char_words,
            )
        )
    return out


# --- mapping lines to the fields of a form ------------------------------------------------------------


def input_fields(definition: dict[str, Any]) -> list[dict[str, Any]]:
    """The questions of a form that a paper form has a box for: every page's top-level fields in order,
    except ``info`` (no input), ``file`` (attachments are not on the paper) and ``group`` (repeating
    items such as 品目 have no fixed label per item; staff enter them). Pages and fields with ``show_if``
    are included: the paper form has all the boxes, and an empty box is simply left blank."""
    out = []
    for page in definition.get("pages", []):
        for spec in page.get("fields", []):
            if isinstance(spec, dict) and spec.get("type") not in NON_INPUT_TYPES and spec.get("id"):
                out.append(spec)
    return out


_JUNK = set("|｜!¦[]【】「」『』〔〕<>〈〉《》・.,。、:：;；'\"`‘’“”~〜_＿=*+#°・ー-—−‐")
_SEPARATORS = set(":：、,，|｜[]【】「」『』〔〕<>〈〉・.。;；'\"`‘’“”=_＿~〜")
_OPENING = ("(", "（")
_LEADING = _SEPARATORS | set("ー-—―−‐~〜")  # a value does not begin with a dash or a long vowel mark
# Characters no answer on a ward form contains: table rules and dirt read as text. A value with one of them
# is a misreading, not an answer.
_SUSPICIOUS = set("|｜¦\"'`‘’“”~^_＿[]{}<>«»§¶©®°")


def _normal_chars(text: str) -> tuple[str, list[int]]:
    """NFKC text without spaces, and for each of its characters the index of its source in ``text``."""
    chars, index = [], []
    for i, ch in enumerate(text):
        for c in unicodedata.normalize("NFKC", ch):
            if not c.isspace():
                chars.append(c)
                index.append(i)
    return "".join(chars), index


def normalise(text: str) -> str:
    """NFKC without whitespace: how labels and lines are compared."""
    return _normal_chars(text)[0]


def _prefix_distance(label: str, text: str) -> tuple[int, int]:
    """The smallest edit distance between ``label`` and a prefix of ``text``, and that prefix's length
    (among equally good prefixes the one closest to the label's length)."""
    n = len(text)
    prev = list(range(n + 1))
    for i, a in enumerate(label, start=1):
        cur = [i] + [0] * n
        for j in range(1, n + 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a != text[j - 1]))
        prev = cur
    best = min(prev)
    ends = [j for j in range(n + 1) if prev[j] == best]
    end = min(ends, key=lambda j: (abs(j - len(label)), j))
    return best, end


def allowed_distance(label: str) -> int:
    """OCR noise tolerated in a label: a quarter of its length (none under four characters)."""
    return len(label) // 4


@dataclass
class _Match:
    field_index: int
    line_index: int
    distance: int
    label_len: int
    value_start: int  # index into the line's normalised text


def _match_line(text: str, labels: list[str]) -> list[_Match]:
    norm, _ = _normal_chars(text)
    start = 0
    while start < min(3, len(norm)) and norm[start] in _JUNK:
        start += 1
    out = []
    for k, label in enumerate(labels):
        if not label:
            continue
        window = norm[start : start + len(label) + allowed_distance(label) + 1]
        dist, end = _prefix_distance(label, window)
        if dist > allowed_distance(label):
            continue
        rest = norm[start + end :]
        if rest.startswith(_OPENING) and not label.endswith((")", "]", "】")):
            continue  # 「氏名（フリガナ）」 is not 「氏名」 followed by a value
        out.append(_Match(k, -1, dist, len(label), start + end))
    return out


def _value_text(line: OcrLine, value_start: int) -> tuple[str, list[int]]:
    """The value part of a line (original spacing), without separators around it, and the indices of the
    line's words it is made of."""
    norm, index = _normal_chars(line.text)
    i = value_start
    while i < len(norm) and norm[i] in _LEADING:
        i += 1
    j = len(norm)
    while j > i and norm[j - 1] in _SEPARATORS:
        j -= 1
    if i >= j:
        return "", []
    text = line.text[index[i] : index[j - 1] + 1]
    text = re.sub(r"\s+", " ", text).strip()
    # a last "word" of dashes only is a table rule or dirt (「コウトウハナコ ーー」)
    text = re.sub(r"\s[ー\-—―−‐~〜・]+$", "", text)
    words = sorted({line.char_words[k] for k in range(i, j) if k < len(line.char_words)})
    return text, words


class _Unreadable(Exception):
    """The value was read but does not pass the field's check; the message says why (Japanese)."""


def _field_error(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


def _clean(spec: dict[str, Any], text: str) -> Any:
    """The stored answer for ``text`` read in a box of field ``spec``, checked as eapply checks typed
    answers (eapply.formdef's answer fields); _Unreadable when it does not pass."""
    from kotodx.eapply.formdef import _make_field, _to_answer, towns

    ftype = spec["type"]
    label = spec["label"]
    raw = text
    if ftype in ("select", "radio", "checkboxes"):
        choices = {normalise(c["label"]): c["value"] for c in spec.get("choices", [])}
        choices.update({normalise(str(c["value"])): c["value"] for c in spec.get("choices", [])})
        parts = [p for p in re.split(r"[、,，/／]", text) if p.strip()] if ftype == "checkboxes" else [text]
        picked = [choices.get(normalise(p)) for p in parts]
        if not parts or any(v is None for v in picked):
            listed = "、".join(c["label"] for c in spec.get("choices", []))
            raise _Unreadable(f"選択肢（{listed}）のどれとも一致しません")
        raw_value: Any = picked if ftype == "checkboxes" else picked[0]
    elif ftype == "yesno":
        yn = {"はい": "yes", "いいえ": "no"}.get(normalise(text))
        if yn is None:
            raise _Unreadable("「はい」「いいえ」のどちらとも読めません")
        raw_value = yn
    elif ftype == "number":
        unit = normalise(spec.get("unit", ""))
        raw_value = normalise(text)
        if unit and raw_value.endswith(unit):
            raw_value = raw_value[: -len(unit)]
    elif ftype == "postal_code":
        n = normalise(text)
        # 〒 is often read as T, 干 or テ; dropped only before exactly seven digits
        raw_value = re.sub(r"^[T干テ〒](?=\d{3}-?\d{4}$)", "", n)
    elif ftype == "address":
        norm, index = _normal_chars(text)
        n = norm.removeprefix("東京都").removeprefix("江東区")
        town = max((t for t in towns() if n.startswith(t)), key=len, default="")
        if not town:
            raise _Unreadable("江東区の町丁目として読めません")
        rest = len(norm) - len(n) + len(town)  # where 番地 begins in ``norm``
        detail = text[index[rest] :].strip() if rest < len(norm) else ""
        raw_value = [town, detail]
    else:
        raw_value = text
    try:
        cleaned = _make_field(spec, label).clean(raw_value)
    except ValidationError as exc:
        raise _Unreadable(_field_error(exc)) from None
    answer = _to_answer(spec, cleaned)
    if answer is None:
        raise _Unreadable(f"「{raw}」を値として読めません")
    return answer


_TYPE_WORDS = {
    "date": "日付",
    "phone": "電話番号",
    "postal_code": "郵便番号",
    "email": "メールアドレス",
    "number": "数値",
    "select": "選択肢",
    "radio": "選択肢",
    "checkboxes": "選択肢",
    "yesno": "はい／いいえ",
    "address": "住所",
}


def read_fields(
    result: OcrResult, fields: list[dict[str, Any]], *, min_confidence: float = MIN_CONFIDENCE
) -> list[FieldReading]:
    """Map the recognised lines to ``fields`` (see ``input_fields``) by label; one reading per field, in
    order. A value is given only when every character of it was read with at least ``min_confidence`` and
    it passes the field's check; otherwise ``value`` is None and ``note`` says why."""
    specs = [f for f in fields if f.get("type") not in NON_INPUT_TYPES]
    return _read(result.lines, specs, min_confidence)


def _read(lines: list[OcrLine], specs: list[dict[str, Any]], min_confidence: float) -> list[FieldReading]:
    labels = [normalise(f.get("label", "")) for f in specs]
    claims: dict[int, list[_Match]] = {}
    for li, line in enumerate(lines):
        matches = _match_line(line.text, labels)
        if not matches:
            continue
        best = min(matches, key=lambda m: (-m.label_len, m.distance, m.field_index))
        # a form may use one label twice: all fields with that label compete for the line
        for k, label in enumerate(labels):
            if label == labels[best.field_index]:
                claims.setdefault(k, []).append(
                    _Match(k, li, best.distance, best.label_len, best.value_start)
                )
    used: set[int] = set()
    readings = []
    for k, spec in enumerate(specs):
        candidates = [m for m in claims.get(k, []) if m.line_index not in used]
        fid, label, ftype = spec["id"], spec.get("label", spec["id"]), spec.get("type", "text")
        if not candidates:
            readings.append(
                FieldReading(
                    fid,
                    label,
                    None,
                    None,
                    None,
                    f"「{label}」の欄が見つからず、読み取れませんでした。",
                    ftype,
                )
            )
            continue
        m = min(candidates, key=lambda c: (c.distance, c.line_index))
        used.add(m.line_index)
        readings.append(_reading(spec, lines[m.line_index], m, min_confidence))
    return readings


def _reading(spec: dict[str, Any], line: OcrLine, m: _Match, min_confidence: float) -> FieldReading:
    fid, label, ftype = spec["id"], spec.get("label", spec["id"]), spec.get("type", "text")
    text, word_ids = _value_text(line, m.value_start)
    if not text:
        return FieldReading(
            fid,
            label,
            None,
            line.text,
            None,
            f"「{label}」の欄は見つかりましたが、記入がありません（空欄）。",
            ftype,
        )
    confs = [line.words[i].confidence for i in word_ids if line.words[i].confidence >= 0]
    lowest = min(confs) if confs else 0.0
    mean = round(sum(confs) / len(confs), 1) if confs else 0.0
    if lowest < min_confidence:
        return FieldReading(
            fid,
            label,
            None,
            line.text,
            mean,
            f"「{label}」の欄は見つかりましたが、はっきり読み取れない文字があるため空欄にしました"
            f"（読み取り結果: {text}）。",
            ftype,
        )
    odd = sorted({ch for ch in normalise(text) if ch in _SUSPICIOUS})
    if odd:
        return FieldReading(
            fid,
            label,
            None,
            line.text,
            mean,
            f"「{label}」の欄は見つかりましたが、罫線や汚れを文字と読んだ可能性があるため空欄にしました"
            f"（読み取り結果: {text}）。",
            ftype,
        )
    try:
        answer = _clean(spec, text)
    except _Unreadable as exc:
        what = _TYPE_WORDS.get(ftype)
        as_what = f"{what}として" if what else ""
        return FieldReading(
            fid,
            label,
            None,
            line.text,
            mean,
            f"「{label}」の欄は見つかりましたが、{as_what}読めませんでした: {text}（{exc}）",
            ftype,
        )
    return FieldReading(
        fid, label, text, line.text, mean, "読み取りました。内容を確認してください。", ftype, answer
    )


def answers(readings: Iterable[FieldReading]) -> dict[str, Any]:
    """The readings as eapply answers (field id → stored answer) for pre-filling; unread fields are absent."""
    return {r.field_id: r.answer for r in readings if r.value is not None}


@dataclass
class FormReading:
    """``read_form``'s result: the readings and a one-line summary for staff (Japanese)."""

    result: OcrResult
    readings: list[FieldReading]
    message: str

    @property
    def answers(self) -> dict[str, Any]:
        return answers(self.readings)


def read_form(data: bytes, definition: dict[str, Any]) -> FormReading:
    """Recognise ``data`` and read the fields of ``definition``; ValidationError for unreadable files."""
    result = recognise(data)
    readings = read_fields(result, input_fields(definition))
    return FormReading(result, readings, summary_message(result, readings))


def summary_message(result: OcrResult, readings: list[FieldReading]) -> str:
    """What staff are told about a reading as a whole (Japanese)."""
    total, read = len(readings), sum(1 for r in readings if r.value is not None)
    found = sum(1 for r in readings if r.line is not None)
    if not result.lines:
        return "文字が1つも読み取れませんでした。申請書をスキャンした画像か確認してください。"
    if found == 0:
        return (
            "この申請書の項目名が1つも見つかりませんでした。別の手続きの申請書か、申請書ではない画像の"
            "可能性があります。すべての項目を空欄にしました。"
        )
    return (
        f"{total}項目のうち{read}項目を読み取りました（残り{total - read}項目は空欄です）。"
        "送信する前に、1項目ずつ申請書と見比べて確認してください。"
    )


# --- accuracy -----------------------------------------------------------------------------------------


def character_accuracy(expected: str, got: str) -> float:
    """1 − edit distance / length of ``expected``, both NFKC without whitespace; at least 0 (1.0 when both
    are empty)."""
    e, g = normalise(expected), normalise(got)
    if not e:
        return 1.0 if not g else 0.0
    return max(0.0, 1.0 - Levenshtein.distance(e, g) / len(e))


def _same(expected: Any, got: Any) -> bool:
    if isinstance(expected, str) and isinstance(got, str):
        return normalise(expected) == normalise(got)  # 「江東 花子」 = 「江東花子」: spacing is not content
    if isinstance(expected, dict) and isinstance(got, dict):
        return expected.keys() == got.keys() and all(_same(expected[k], got[k]) for k in expected)
    return bool(expected == got)


def accuracy_report(samples: Sequence[Sample]) -> dict[str, Any]:
    """OCR every sample and compare with what is on it.

    Per sample: ``char_accuracy`` of the whole recognised text against the text drawn (title, labels,
    values), and per field one outcome: ``right`` (the value read equals the answer on paper, or an empty
    or covered box was left blank), ``wrong`` (a different value, or a value for an empty box — the
    failure that matters: a wrong value is worse than a blank), ``blank`` (left blank although the box
    had a value). Shares are over all fields; ``overall`` has the means and totals."""
    rows: list[dict[str, Any]] = []
    totals = {"fields": 0, "right": 0, "wrong": 0, "blank": 0}
    for sample in samples:
        started = time.perf_counter()
        result = recognise(sample.data)
        readings = read_fields(result, input_fields(sample.definition))
        counts = {"right": 0, "wrong": 0, "blank": 0}
        wrong = []
        for r in readings:
            expected = sample.answers.get(r.field_id)
            if r.value is None:
                counts["right" if expected is None else "blank"] += 1
            elif expected is not None and _same(expected, r.answer):
                counts["right"] += 1
            else:
                counts["wrong"] += 1
                wrong.append({"field": r.field_id, "expected": expected, "got": r.answer, "line": r.line})
        n = len(readings)
        for k, v in counts.items():
            totals[k] += v
        totals["fields"] += n
        rows.append(
            {
                "name": sample.name,
                "form": sample.slug,
                "format": sample.fmt,
                "char_accuracy": round(character_accuracy(sample.text, result.text), 4),
                "fields": n,
                **counts,
                "field_accuracy": round(counts["right"] / n, 4) if n else 0.0,
                "wrong_share": round(counts["wrong"] / n, 4) if n else 0.0,
                "blank_share": round(counts["blank"] / n, 4) if n else 0.0,
                "wrong_values": wrong,
                "seconds": round(time.perf_counter() - started, 2),
            }
        )
    n_fields = totals["fields"] or 1
    overall = {
        "samples": len(rows),
        "char_accuracy_mean": round(sum(r["char_accuracy"] for r in rows) / len(rows), 4) if rows else 0.0,
        "char_accuracy_min": min((r["char_accuracy"] for r in rows), default=0.0),
        "fields": totals["fields"],
        "right": totals["right"],
        "wrong": totals["wrong"],
        "blank": totals["blank"],
        "field_accuracy": round(totals["right"] / n_fields, 4),
        "wrong_share": round(totals["wrong"] / n_fields, 4),
        "blank_share": round(totals["blank"] / n_fields, 4),
        "seconds": round(sum(r["seconds"] for r in rows), 2),
    }
    return {"samples": rows, "overall": overall}


def format_report(report: dict[str, Any]) -> str:
    """The accuracy report as text for a terminal (Japanese headings)."""
    o = report["overall"]
    out = [
        f"OCR精度（生成した申請書画像 {o['samples']}枚、Tesseract jpn --psm 4）",
        f"{'sample':<24} {'format':<6} {'chars':>7} {'fields':>6} "
        f"{'right':>5} {'wrong':>5} {'blank':>5} {'sec':>5}",
    ]
    for r in report["samples"]:
        out.append(
            f"{r['name']:<24} {r['format']:<6} {r['char_accuracy']:>7.1%} {r['fields']:>6} {r['right']:>5} "
            f"{r['wrong']:>5} {r['blank']:>5} {r['seconds']:>5.2f}"
        )
        for w in r["wrong_values"]:
            out.append(
                f"    誤: {w['field']}: 正しくは {w['expected']!r}、読み取り {w['got']!r}（{w['line']}）"
            )
    out.append(
        f"全体: 文字正解率 平均 {o['char_accuracy_mean']:.1%}（最低 {o['char_accuracy_min']:.1%}）、"
        f"項目 {o['fields']}件のうち 正 {o['field_accuracy']:.1%}・誤 {o['wrong_share']:.1%}・"
        f"空欄 {o['blank_share']:.1%}、計 {o['seconds']:.1f}秒"
    )
    return "\n".join(out)
