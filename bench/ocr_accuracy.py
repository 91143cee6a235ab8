"""OCR of paper forms (assistant.ocr): character accuracy of Tesseract (jpn) on generated application
forms with known text, and how the fields of the form were read — right, wrong (a value other than the one
on paper: must stay at 0, a wrong value is worse than a blank) or left blank for staff. Eight forms of the
demo procedures 住民票の写し交付請求 and 粗大ごみ収集申込: clean and scan-like (grain, dust, a tilt), PNG,
JPEG and PDF, two layouts, one with values covered by black boxes (assistant.formimages.sample_set).

    python -m bench.ocr_accuracy [--json]

Needs tesseract-ocr, tesseract-ocr-jpn, poppler-utils and fonts-noto-cjk.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile


def main(as_json: bool = False) -> dict:
    os.environ.setdefault("KOTODX_DATA_DIR", tempfile.mkdtemp())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kotodx.settings")
    import django

    django.setup()
    from kotodx.assistant import formimages, ocr

    if not ocr.tesseract_available():
        print(
            "tesseract (jpn) がありません: apt-get install tesseract-ocr tesseract-ocr-jpn", file=sys.stderr
        )
        raise SystemExit(2)
    report = ocr.accuracy_report(formimages.sample_set())
    if as_json:
        print(json.dumps(report, ensure_ascii=False, default=str))
    else:
        print(ocr.format_report(report))
    return report


if __name__ == "__main__":
    main(as_json="--json" in sys.argv[1:])
