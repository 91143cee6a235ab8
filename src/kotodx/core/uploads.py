"""Safe uploads: the kind of a file is decided by its content, never its name; size is capped."""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class FileKind:
    code: str
    label: str | Promise  # a lazy translation: shown in the page's language
    content_type: str
    extension: str


PDF = FileKind("pdf", "PDF", "application/pdf", "pdf")
PNG = FileKind("png", gettext_lazy("PNG画像"), "image/png", "png")
JPEG = FileKind("jpeg", gettext_lazy("JPEG画像"), "image/jpeg", "jpg")
XLSX = FileKind(
    "xlsx", "Excel (xlsx)", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"
)
DOCX = FileKind(
    "docx", "Word (docx)", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"
)
CSV = FileKind("csv", gettext_lazy("CSV・テキスト"), "text/csv", "csv")
DOCUMENTS = (PDF, PNG, JPEG, XLSX, DOCX, CSV)


def sniff(head: bytes, data: bytes | None = None) -> FileKind | None:
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04") and data is not None:
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except zipfile.BadZipFile:
            return None
        if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
            return XLSX
        if "[Content_Types].xml" in names and any(n.startswith("word/") for n in names):
            return DOCX
        return None
    sample = data if data is not None else head
    if b"\x00" in sample[:8192]:
        return None
    for encoding in ("utf-8-sig", "cp932"):
        try:
            sample[:65536].decode(encoding)
            return CSV
        except UnicodeDecodeError as exc:
            if exc.start > 65536 - 4:  # cut in the middle of a character at the sample's end
                return CSV
    return None


@dataclass(frozen=True)
class CheckedUpload:
    kind: FileKind
    size: int
    sha256: str
    data: bytes


def check_upload(
    upload: UploadedFile, *, allowed: tuple[FileKind, ...] = DOCUMENTS, max_bytes: int = 10 * 1024 * 1024
) -> CheckedUpload:
    size = upload.size or 0
    if size == 0:
        raise ValidationError(_("ファイルが空です。"))
    if size > max_bytes:
        raise ValidationError(
            _("ファイルが大きすぎます（%(size)sMB）。%(max)sMB以下にしてください。")
            % {"size": f"{size / 1024 / 1024:.1f}", "max": max_bytes // 1024 // 1024}
        )
    data = upload.read()
    kind = sniff(data[:16], data)
    if kind is None or kind not in allowed:
        separator = "、" if (get_language() or "ja").split("-")[0] == "ja" else ", "
        labels = separator.join(str(k.label) for k in allowed)
        raise ValidationError(
            _(
                "このファイルの形式は受け付けられません。%(labels)s のいずれかにしてください"
                "（ファイル名の拡張子ではなく中身で判定しています）。"
            )
            % {"labels": labels}
        )
    return CheckedUpload(kind=kind, size=size, sha256=hashlib.sha256(data).hexdigest(), data=data)
