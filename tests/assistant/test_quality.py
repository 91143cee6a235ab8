"""The assistant on the whole demo data: the evaluation set must not fall below its recorded figures,
the held-back sets (questions and inquiries written apart from the tuning) stay above a floor, and a
paper form goes from scan to submission only through a person's confirmation."""

from __future__ import annotations

import io
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from kotodx.assistant import evaluation, formimages, ocr, routing, services
from kotodx.assistant.models import OcrDocument
from kotodx.core import demo as core_demo
from kotodx.core.models import AuditEntry, User
from kotodx.eapply import demo as eapply_demo
from kotodx.eapply.models import Procedure, Submission
from tests.conftest import client_for

HELD_OUT = "tests/assistant/data/heldout.csv"
HELD_OUT_INQUIRIES = "tests/assistant/data/inquiries_heldout.csv"


@pytest.mark.django_db
def test_answers_and_routing_on_the_demo_data_hold_their_figures(capsys):
    call_command("loaddemo", stdout=StringIO())
    recorded = evaluation.baseline()
    figures = evaluation.evaluate(evaluation.read(evaluation.EVAL_SET.read_bytes()))
    assert figures["n"] == recorded["n"] >= 200
    for key in ("recall@1", "recall@5", "mrr"):
        assert figures[key] >= recorded[key], (key, figures[key], recorded[key], figures["misses"][:10])
    held = evaluation.evaluate(evaluation.read(Path(HELD_OUT).read_bytes()))
    assert held["recall@1"] >= 0.75 and held["recall@5"] >= 0.95 and held["mrr"] >= 0.83, held
    model = services.active_model()
    assert model is not None and model.accuracy >= 0.65
    routed = routing.evaluate(
        routing.load(bytes(model.blob)), routing.read_labelled(Path(HELD_OUT_INQUIRIES).read_bytes())
    )
    assert routed["n"] >= 150 and routed["accuracy"] >= 0.78 and routed["top3"] >= 0.92, routed
    call_command("assistant", "ask", "粗大ごみを出したい", "--json")
    answers = json.loads(capsys.readouterr().out)
    assert answers[0]["kind"] in {"faq", "procedure"} and "粗大ごみ" in answers[0]["title"]
    assert set(answers[0]) == {"kind", "title", "url", "score", "why"}


@pytest.fixture
def forms(db, settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path)
    for module in (core_demo, eapply_demo):
        module.load(actor=None, stdout=io.StringIO())
    return User.objects.get(username="it.officer")


@pytest.mark.skipif(not ocr.tesseract_available(), reason="Tesseract (jpn) is not installed")
def test_a_scanned_form_becomes_a_submission_only_after_every_field_is_confirmed(
    forms, django_capture_on_commit_callbacks
):
    officer = forms
    sample = next(s for s in formimages.sample_set() if s.name == "juminhyo-clean-png")
    procedure = Procedure.objects.get(slug="juminhyo")
    client = client_for(officer)
    upload = io.BytesIO(sample.data)
    upload.name = "scan.png"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/staff/assistant/ocr/", {"procedure": procedure.pk, "file": upload})
    doc = OcrDocument.objects.get()
    assert response.status_code == 302 and doc.status == OcrDocument.Status.CHECKING, doc.message
    read = {r["field_id"]: r["value"] for r in doc.readings}
    assert (
        read["applicant_name"]
        and read["applicant_name"].replace(" ", "") == "江東花子".replace(" ", "")
        or read["applicant_name"] == dict(sample.rows)["氏名"]
    )
    page = client.get(f"/staff/assistant/ocr/{doc.pk}/").content.decode()
    assert "確認した内容で申請として登録" in page
    assert AuditEntry.objects.filter(action="view", target_id=str(doc.pk)).exists()
    # Nothing confirmed: refused, nothing submitted.
    response = client.post(f"/staff/assistant/ocr/{doc.pk}/", {})
    assert "確認していない項目があります" in response.content.decode()
    assert not Submission.objects.exists()
    # Staff fill what OCR left blank from the paper, and confirm each field.
    drawn = dict(sample.rows)
    post = {}
    for r in doc.readings:
        post[f"value-{r['field_id']}"] = r["value"] if r["value"] is not None else drawn.get(r["label"], "")
        post[f"ok-{r['field_id']}"] = "1"
    response = client.post(f"/staff/assistant/ocr/{doc.pk}/", post)
    doc.refresh_from_db()
    assert response.status_code == 302, (response.context["error"], post)
    assert doc.status == OcrDocument.Status.SUBMITTED and doc.confirmed_by == officer
    submission = Submission.objects.get()
    assert doc.submission == submission and submission.status == Submission.Status.RECEIVED


def test_files_that_are_not_forms_are_refused_before_anything_is_kept(forms):
    procedure = Procedure.objects.get(slug="juminhyo")
    client = client_for(forms)
    for name, data, message in [
        ("empty.png", b"", "ファイル"),
        ("notes.png", "これはテキストです".encode(), "PNG"),
        ("half.png", formimages.render_form("申請書", [("氏名", "江東 花子")])[:2000], "壊れて"),
    ]:
        upload = io.BytesIO(data)
        upload.name = name
        response = client.post("/staff/assistant/ocr/", {"procedure": procedure.pk, "file": upload})
        assert response.status_code == 200 and message in response.content.decode(), name
    assert not OcrDocument.objects.exists()
    # A procedure with no published form cannot take a scan.
    catalog_only = Procedure.objects.get(slug="inkan-touroku")
    upload = io.BytesIO(b"x")
    upload.name = "a.png"
    response = client.post("/staff/assistant/ocr/", {"procedure": catalog_only.pk, "file": upload})
    assert response.status_code == 200 and not OcrDocument.objects.exists()
