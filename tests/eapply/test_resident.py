"""A resident applies: page by page with mistakes, conditions, a file, check answers, exactly one
submission with a reference number and a receipt, resume by link, status by reference number + e-mail."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from kotodx.core.models import AuditEntry
from kotodx.eapply import services
from kotodx.eapply.models import Submission, SubmissionFile
from tests.eapply.conftest import DEFINITION, PDF


def start(client, procedure):
    response = client.post(reverse("eapply:start", args=[procedure.slug]))
    assert response.status_code == 302
    return response["Location"]


def test_whole_application_with_mistakes(procedure, django_capture_on_commit_callbacks):
    client = Client()
    url = start(client, procedure)
    assert url.endswith("/applicant/")
    bad = client.post(url, {"applicant_name": "江東 花子" * 10, "email": "not-an-email", "has_kids": ""})
    body = bad.content.decode()
    assert "入力内容に誤りがあります" in body
    assert "20文字以内" in body and "メールアドレス" in body and "お子さんの有無を選んでください" in body
    script = '<script>alert("x")</script>'
    ok = client.post(url, {"applicant_name": script[:20], "email": "hanako@example.jp", "has_kids": "yes"})
    kids_url = ok["Location"]
    assert kids_url.endswith("/kids/")  # the condition holds: the kids page follows
    future = client.post(kids_url, {"kid_name": "江東 太郎", "kid_birth": "令和99年1月1日"})
    assert "生年月日" in future.content.decode()
    docs_url = client.post(kids_url, {"kid_name": "江東 太郎", "kid_birth": "令和5年4月1日"})["Location"]
    fake = client.post(docs_url, {"doc": SimpleUploadedFile("免許証.pdf", b"MZ\x90\x00this is an exe")})
    # refused by content, not name; the hint "受け付ける形式" is always on the page, so match the error
    assert fake.status_code == 200 and "このファイルの形式は受け付けられません" in fake.content.decode()
    check_url = client.post(docs_url, {"doc": SimpleUploadedFile("免許証.pdf", PDF)})["Location"]
    check = client.get(check_url).content.decode()
    assert "江東 太郎" in check and "2023年4月1日（令和5年4月1日）" in check and "免許証.pdf" in check
    assert "&lt;script&gt;" in check and script[:20] not in check  # shown escaped, kept as text
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(check_url)
    submission = Submission.objects.get()
    assert done["Location"] == reverse("eapply:done", args=[submission.pk])
    assert submission.status == "received" and submission.reference_number
    assert submission.answers["applicant_name"] == script[:20]
    assert submission.answers["kid_birth"] == "2023-04-01" and submission.version.number == 1
    assert SubmissionFile.objects.get().content_type == "application/pdf"
    page = client.get(done["Location"]).content.decode()
    assert submission.reference_number in page
    assert len(mail.outbox) == 1 and submission.reference_number in mail.outbox[0].body
    assert mail.outbox[0].to == ["hanako@example.jp"]


def test_condition_skips_the_page_and_prunes_old_answers(procedure):
    client = Client()
    url = start(client, procedure)
    client.post(url, {"applicant_name": "江東 花子", "email": "a@example.jp", "has_kids": "yes"})
    submission = Submission.objects.get()
    client.post(
        reverse("eapply:page", args=[submission.pk, "kids"]), {"kid_name": "太郎", "kid_birth": "2023-04-01"}
    )
    # Going back and answering いいえ removes the kids page and what was typed on it.
    nxt = client.post(url, {"applicant_name": "江東 花子", "email": "a@example.jp", "has_kids": "no"})
    assert nxt["Location"].endswith("/docs/")
    submission.refresh_from_db()
    assert "kid_name" not in submission.answers
    assert client.get(reverse("eapply:page", args=[submission.pk, "kids"])).status_code == 404


def _filled(procedure) -> Submission:
    submission, _key = services.submission_start(procedure=procedure)
    services.submission_save_page(
        submission=submission,
        page_id="applicant",
        answers={"applicant_name": "江東 花子", "email": "hanako@example.jp", "has_kids": False},
        uploads={},
    )
    services.submission_save_page(submission=submission, page_id="docs", answers={"doc": None}, uploads={})
    return submission


def test_double_submit_gives_one_submission(procedure, django_capture_on_commit_callbacks):
    submission = _filled(procedure)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.submission_submit(submission=submission)
        second = services.submission_submit(submission=submission)
    assert first.reference_number == second.reference_number
    assert Submission.objects.exclude(status="draft").count() == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_double_click_is_one_submission(personas, procedure):
    from django.db import connection

    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip(
            "in-memory SQLite locks whole tables; runs on PostgreSQL in CI (and the bench on SQLite files)"
        )
    submission = _filled(procedure)

    def submit(_):
        from django.db import connection

        try:
            return services.submission_submit(submission=submission).reference_number
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        refs = set(pool.map(submit, range(8)))
    assert len(refs) == 1
    assert Submission.objects.filter(status="received").count() == 1


def test_submit_refuses_unanswered_required_questions(procedure):
    submission, _key = services.submission_start(procedure=procedure)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="必須"):
        services.submission_submit(submission=submission)
    submission.refresh_from_db()
    assert submission.status == "draft" and submission.reference_number is None


def test_resume_link_and_another_browser(procedure):
    client = Client()
    url = start(client, procedure)
    page = client.get(url).content.decode()
    resume = page.split("/apply/resume/")[1].split("/")[0]
    stranger = Client()
    assert stranger.get(url).status_code == 404  # another browser cannot open it without the link
    response = stranger.get(reverse("eapply:resume", args=[resume]))
    assert response.status_code == 302 and stranger.get(url).status_code == 200
    assert Client().get(reverse("eapply:resume", args=["not-a-key"])).status_code == 404


def test_form_changed_while_filling_keeps_the_version_started(procedure, django_capture_on_commit_callbacks):
    submission = _filled(procedure)
    changed = {**DEFINITION, "title": "テスト申請（改訂）"}
    services.form_save_draft(procedure=procedure, definition=changed, actor=None)
    services.form_publish(procedure=procedure, actor=None)
    with django_capture_on_commit_callbacks(execute=True):
        done = services.submission_submit(submission=submission)
    assert done.version.number == 1 and procedure.published_version.number == 2


def test_status_check_and_guessing(procedure, django_capture_on_commit_callbacks):
    submission = _filled(procedure)
    with django_capture_on_commit_callbacks(execute=True):
        submission = services.submission_submit(submission=submission)
    client = Client()
    ok = client.post(
        reverse("eapply:status"),
        {"reference_number": submission.reference_number.lower(), "email": "HANAKO@example.jp"},
    )
    assert "受付" in ok.content.decode() and "テスト手続" in ok.content.decode()
    wrong = client.post(
        reverse("eapply:status"),
        {"reference_number": submission.reference_number, "email": "other@example.jp"},
    )
    assert "一致する申請はありません" in wrong.content.decode() and "テスト手続" not in wrong.content.decode()
    for _ in range(10):
        last = client.post(
            reverse("eapply:status"), {"reference_number": "R8-AAAA-AAAA", "email": "x@example.jp"}
        )
    assert last.status_code == 429 and "回数が多すぎます" in last.content.decode()


def test_catalog_search(procedure):
    body = Client().get(reverse("eapply:catalog"), {"q": "てすと"}).content.decode()
    assert "テスト手続" in body
    assert "テスト手続" not in Client().get(reverse("eapply:catalog"), {"q": "粗大ごみ"}).content.decode()
    assert "オンライン申請できます" in Client().get(reverse("eapply:catalog")).content.decode()


def test_submission_is_audited_as_a_resident_write(procedure, django_capture_on_commit_callbacks):
    submission = _filled(procedure)
    with django_capture_on_commit_callbacks(execute=True):
        submission = services.submission_submit(submission=submission)
    entry = AuditEntry.objects.filter(target_type="eapply.submission", target_id=str(submission.pk)).get()
    assert entry.note == "区民による申請" and entry.actor is None


def test_starting_applications_is_rate_limited_per_address(procedure, settings):
    settings.EAPPLY_START_LIMIT = 3
    bot = Client(REMOTE_ADDR="203.0.113.250")
    for _ in range(3):
        assert bot.post(reverse("eapply:start", args=[procedure.slug])).status_code == 302
    refused = bot.post(reverse("eapply:start", args=[procedure.slug]))
    assert refused.status_code == 429 and refused["Retry-After"] == "600"
    assert "10分ほど待ってから" in refused.content.decode()
    assert Submission.objects.count() == 3
    other = Client(REMOTE_ADDR="203.0.113.251")
    assert other.post(reverse("eapply:start", args=[procedure.slug])).status_code == 302
