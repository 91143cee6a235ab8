"""The mails staff actions send after a submission (補正のお願い with its resume link,
承認/却下/完了のお知らせ) are in the language the resident applied in: English for an application made
on the /en/ pages, with a resume link under /en/; Japanese, word for word as before, for one made on the
Japanese pages. The language is stored on the submission and a resubmission after a correction takes the
language used then."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from kotodx.eapply.models import Submission
from tests.conftest import client_for
from tests.eapply.conftest import PDF


def ja(name, *args):
    with translation.override("ja"):  # a request to /en/ leaves English active in the test's thread
        return reverse(f"eapply:{name}", args=args)


def url_in(language, name, *args):
    return ("/en" if language == "en" else "") + ja(name, *args)


@pytest.fixture
def apply(procedure, django_capture_on_commit_callbacks):
    """A resident applies through the pages in ``language``; returns the submission and their client."""

    def run(language):
        client = Client()
        url = client.post(url_in(language, "start", procedure.slug))["Location"]
        kids_url = client.post(
            url, {"applicant_name": "江東 花子", "email": "hanako@example.jp", "has_kids": "yes"}
        )["Location"]
        docs_url = client.post(kids_url, {"kid_name": "江東 太郎", "kid_birth": "令和5年4月1日"})["Location"]
        check_url = client.post(docs_url, {"doc": SimpleUploadedFile("免許証.pdf", PDF)})["Location"]
        assert check_url.startswith("/en/apply/s/" if language == "en" else "/apply/s/"), check_url
        with django_capture_on_commit_callbacks(execute=True):
            client.post(check_url)
        submission = Submission.objects.filter(status="received").latest("created_at")
        mail.outbox.clear()  # the receipt; test_english checks it
        return submission, client

    return run


@pytest.fixture
def staff(personas, django_capture_on_commit_callbacks):
    """The clerk moves a submission on from the Japanese staff pages (or ``prefix`` "/en"); the mail sent."""
    client = client_for(personas.clerk_a)

    def run(submission, to_status, comment="", prefix=""):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                prefix + ja("staff_action", submission.pk),
                {"action": "status", "to_status": to_status, "comment": comment},
            )
        submission.refresh_from_db()
        assert submission.status == to_status
        return mail.outbox[0] if mail.outbox else None

    return run


def link_in(message):
    (line,) = [w for w in message.body.split() if w.startswith("http://testserver/")]
    return line.removeprefix("http://testserver")


def test_language_is_stored_at_submission(apply):
    japanese, _client = apply("ja")
    assert japanese.language == "ja"
    english, _client = apply("en")
    assert english.language == "en"


def test_english_applicant_gets_the_correction_in_english_with_an_english_link(
    apply, staff, django_capture_on_commit_callbacks
):
    submission, _client = apply("en")
    ref = submission.reference_number
    staff(submission, "reviewing")
    message = staff(submission, "correction", "氏名を正しく入力してください")
    assert message.to == ["hanako@example.jp"]
    assert message.subject == f"[Koto City] Please correct your application: テスト手続 ({ref})"
    assert message.body.startswith(
        f"Please correct the following in your application (reference number {ref}).\n\n"
        "氏名を正しく入力してください\n\n"
        "Use this link to change your answers and send the application again.\n"
    )
    assert message.body.endswith("\n\nKoto City")
    assert "補正" not in message.body and "江東区" not in message.body
    link = link_in(message)
    assert link.startswith("/en/apply/resume/"), link
    applicant = Client()  # the link is all the resident needs, on any device
    check_url = applicant.get(link)["Location"]
    assert check_url == url_in("en", "check", submission.pk)
    page = applicant.get(check_url)
    assert page.status_code == 200
    body = page.content.decode()
    assert '<html lang="en">' in body and "Check your answers" in body
    assert "江東 花子" in body and "江東 太郎" in body and "hanako@example.jp" in body  # the answers
    assert "氏名を正しく入力してください" in body
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        applicant.post(check_url)
    submission.refresh_from_db()
    assert submission.status == "received" and submission.language == "en"
    (receipt,) = mail.outbox
    assert receipt.subject == f"[Koto City] Application received: テスト手続 ({ref})"
    assert "We have received your corrected application for テスト手続." in receipt.body


def test_english_applicant_gets_decisions_in_english(apply, staff):
    submission, _client = apply("en")
    ref = submission.reference_number
    assert staff(submission, "reviewing") is None  # 審査中 is not mailed
    approved = staff(submission, "approved", "窓口で受け取れます")
    assert approved.subject == f"[Koto City] Application approved: テスト手続 ({ref})"
    assert approved.body == (
        f"The status of your application (reference number {ref}) is now: Approved.\n\n"
        "窓口で受け取れます\n\nKoto City"
    )
    completed = staff(submission, "completed")
    assert completed.subject == f"[Koto City] Application completed: テスト手続 ({ref})"
    assert completed.body == (
        f"The status of your application (reference number {ref}) is now: Completed.\n\n\n\nKoto City"
    )


def test_english_applicant_gets_a_rejection_in_english(apply, staff):
    submission, _client = apply("en")
    ref = submission.reference_number
    rejected = staff(submission, "rejected", "対象外です")
    assert rejected.subject == f"[Koto City] Application rejected: テスト手続 ({ref})"
    assert rejected.body == (
        f"The status of your application (reference number {ref}) is now: Rejected.\n\n"
        "対象外です\n\nKoto City"
    )


def test_japanese_applicant_mails_are_unchanged(apply, staff):
    """Today's Japanese text, word for word, even when the clerk works on the English staff pages."""
    submission, _client = apply("ja")
    ref = submission.reference_number
    correction = staff(submission, "correction", "氏名を正しく入力してください", prefix="/en")
    assert correction.subject == f"【江東区】テスト手続 補正のお願い（{ref}）"
    link = link_in(correction)
    assert link.startswith("/apply/resume/"), link
    assert correction.body == (
        f"申請（受付番号 {ref}）について、次の点の補正をお願いします。\n\n氏名を正しく入力してください\n\n"
        f"次のリンクから申請内容を直して、もう一度送信してください。\nhttp://testserver{link}\n\n江東区"
    )
    applicant = Client()
    check_url = applicant.get(link)["Location"]
    assert check_url == url_in("ja", "check", submission.pk)
    assert "補正のお願い" in applicant.get(check_url).content.decode()

    other, _client = apply("ja")
    ref = other.reference_number
    staff(other, "reviewing")
    approved = staff(other, "approved", "窓口で受け取れます", prefix="/en")
    assert approved.subject == f"【江東区】テスト手続 承認のお知らせ（{ref}）"
    assert approved.body == f"申請（受付番号 {ref}）は「承認」になりました。\n\n窓口で受け取れます\n\n江東区"
    completed = staff(other, "completed")
    assert completed.subject == f"【江東区】テスト手続 完了のお知らせ（{ref}）"
    assert completed.body == f"申請（受付番号 {ref}）は「完了」になりました。\n\n\n\n江東区"

    third, _client = apply("ja")
    ref = third.reference_number
    rejected = staff(third, "rejected", "対象外です")
    assert rejected.subject == f"【江東区】テスト手続 却下のお知らせ（{ref}）"
    assert rejected.body == f"申請（受付番号 {ref}）は「却下」になりました。\n\n対象外です\n\n江東区"


@pytest.mark.parametrize(("first", "then"), [("ja", "en"), ("en", "ja")])
def test_resubmission_takes_the_language_used_then(
    apply, staff, first, then, django_capture_on_commit_callbacks
):
    submission, _client = apply(first)
    assert submission.language == first
    link = link_in(staff(submission, "correction", "書類を付け直してください"))
    # The resident opens the link, then switches the pages to the other language before resubmitting.
    path = link.removeprefix("/en")
    applicant = Client()
    check_url = applicant.get(url_in(then, "resume", path.split("/")[-2]))["Location"]
    assert check_url == url_in(then, "check", submission.pk)
    with django_capture_on_commit_callbacks(execute=True):
        applicant.post(check_url)
    submission.refresh_from_db()
    assert submission.status == "received" and submission.language == then
    ref = submission.reference_number
    staff(submission, "reviewing")
    approved = staff(submission, "approved")
    expected = {
        "en": f"[Koto City] Application approved: テスト手続 ({ref})",
        "ja": f"【江東区】テスト手続 承認のお知らせ（{ref}）",
    }
    assert approved.subject == expected[then]


@pytest.mark.parametrize(("stored", "prefix"), [("en-gb", "/en/"), ("fr", "/"), ("", "/")])
def test_a_stored_language_the_site_lacks_gives_a_working_link(apply, staff, stored, prefix):
    """Only / and /en/ exist: a language the site does not have (a regional variant, one never offered, a
    row from before the field) mails the nearest one it has, and the link opens."""
    submission, client = apply("ja")
    Submission.objects.filter(pk=submission.pk).update(language=stored)
    submission.refresh_from_db()
    message = staff(submission, "correction", comment="住所の番地を確認してください。")
    link = link_in(message)
    assert link.startswith(prefix + "apply/resume/"), link
    english = message.subject.startswith("[Koto City] Please correct your application")
    assert english == (prefix == "/en/"), message.subject
    assert english or message.subject.startswith("【江東区】テスト手続 補正のお願い"), message.subject
    assert client.get(link, follow=True).status_code == 200
