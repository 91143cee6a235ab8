"""submission_fill: text from paper or a CSV turned into what the form posts, then the form's own checks."""

import pytest
from django.core.exceptions import ValidationError

from kotodx.eapply.models import Submission
from kotodx.eapply.services import _as_typed, _split_address, submission_fill

RADIO = {
    "id": "whose",
    "type": "radio",
    "choices": [{"value": "self", "label": "本人のみ"}, {"value": "all", "label": "世帯全員"}],
}
CHECKS = {**RADIO, "type": "checkboxes"}
NUMBER = {"id": "copies", "type": "number", "unit": "通"}


@pytest.mark.parametrize(
    ("spec", "typed", "posted"),
    [
        (RADIO, "本人のみ", "self"),
        (RADIO, "本人 のみ", "self"),
        (RADIO, "self", "self"),
        (RADIO, "だれか", "だれか"),  # left for the form to refuse, with its own message
        (CHECKS, "本人のみ、世帯全員", ["self", "all"]),
        (NUMBER, "２通", "2"),
        (NUMBER, "1,000", "1000"),
        ({"id": "x", "type": "text"}, None, ""),
    ],
)
def test_paper_text_becomes_what_the_form_posts(spec, typed, posted):
    assert _as_typed(spec, typed) == posted


@pytest.mark.parametrize(
    ("typed", "parts"),
    [
        ("江東区東陽四丁目11-28", ("東陽四丁目", "11-28")),
        ("東陽 四丁目 11-28 コウトウハイツ 101", ("東陽四丁目", "11-28 コウトウハイツ 101")),
        ({"town": "亀戸一丁目", "detail": "1-1"}, ("亀戸一丁目", "1-1")),
        ("大阪市北区1-1", ("", "大阪市北区1-1")),
    ],
)
def test_a_one_line_address_is_split_into_town_and_number(typed, parts):
    assert _split_address(typed) == parts


def test_a_filled_submission_goes_through_the_form_checks(procedure):
    values = {"applicant_name": "江東 花子", "email": "hanako@example.jp", "has_kids": "いいえ"}
    submission = submission_fill(procedure=procedure, values=values)
    assert submission.status == Submission.Status.RECEIVED and submission.reference_number
    with pytest.raises(ValidationError, match="メールアドレス（email）"):
        submission_fill(procedure=procedure, values={**values, "email": "not-an-address"})


@pytest.mark.django_db(transaction=True)
def test_submitting_runs_in_its_own_transaction(procedure):
    # No test transaction around it, as in a real request: on PostgreSQL select_for_update outside a
    # transaction raises, and the submission and its audit entry must commit together.
    from kotodx.core.models import AuditEntry
    from kotodx.eapply import services

    submission, _ = services.submission_start(procedure=procedure)
    submission = services.submission_save_page(
        submission=submission,
        page_id="applicant",
        answers={"applicant_name": "江東 花子", "email": "hanako@example.jp", "has_kids": False},
        uploads={},
    )
    submission = services.submission_save_page(submission=submission, page_id="docs", answers={}, uploads={})
    done = services.submission_submit(submission=submission)
    assert done.status == Submission.Status.RECEIVED and done.reference_number
    assert AuditEntry.objects.filter(target_id=str(done.pk), action="create").exists()


def test_an_application_made_on_a_residents_behalf_is_japanese_whatever_staff_use(
    procedure, django_capture_on_commit_callbacks
):
    """A clerk on the English staff pages (or a robot) enters a paper form: the resident never used the
    site, so the stored language, the receipt and the later mails are Japanese."""
    from django.core import mail
    from django.utils import translation

    values = {"applicant_name": "江東 花子", "email": "hanako@example.jp", "has_kids": "いいえ"}
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        submission = submission_fill(procedure=procedure, values=values)
    assert submission.language == "ja"
    assert [m.to for m in mail.outbox] == [["hanako@example.jp"]]
    assert "受付番号" in mail.outbox[0].body
