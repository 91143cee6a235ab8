"""The resident e-application pages in English under /en/: the page's own words are translated (the app's
catalogue, src/kotodx/eapply/locale), the procedure's and the form definition's text stays Japanese and is
marked lang="ja" (WCAG 3.1.2); the Japanese pages are as before."""

import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from kotodx.eapply import services
from kotodx.eapply.models import Procedure, Submission, SubmissionEvent
from kotodx.eapply.templatetags.eapply_i18n import RESIDENT_LABELS
from tests.eapply.conftest import PDF


def ja(name, *args):
    with translation.override("ja"):  # a request to /en/ leaves English active in the test's thread
        return reverse(f"eapply:{name}", args=args)


def en(name, *args):
    return "/en" + ja(name, *args)


def body_of(response):
    assert response.status_code == 200, response.status_code
    body = response.content.decode()
    assert '<html lang="en">' in body
    assert '<main id="main" lang="ja"' not in body  # the page is English; only its data is marked
    return body


def words_of(response):
    """The page as body_of, with the lang="ja" marks of quoted labels taken off (to match messages)."""
    return re.sub(r'<span lang="ja">([^<]*)</span>', r"\1", body_of(response))


def test_english_catalog(procedure):
    body = body_of(Client().get(en("catalog")))
    assert "Procedures and e-applications" in body and "You do not need an account" in body
    assert "Search procedures" in body and "Categories (life events)" in body
    assert "Pregnancy, birth and children" in body and "Waste and recycling" in body  # categories
    assert "1 procedure" in body and "Apply online" in body
    assert '<h3 lang="ja"><a href="/en/apply/test-proc/">テスト手続</a></h3>' in body
    assert '<p lang="ja">テスト用の手続きです。</p>' in body
    assert "手続き・電子申請" not in body and "オンライン申請できます" not in body
    filtered = body_of(Client().get(en("catalog"), {"category": "childcare"}))
    assert "<strong>Pregnancy, birth and children</strong>" in filtered


def test_every_resident_label_and_message_is_translated():
    with translation.override("en"):
        for label in RESIDENT_LABELS:
            assert translation.gettext(label) != label, label
        for value, label in Procedure.Category.choices:
            assert translation.gettext(label) != label, value


def test_english_procedure_page(procedure):
    body = body_of(Client().get(en("procedure", procedure.slug)))
    assert '<h1 lang="ja">テスト手続</h1>' in body
    assert "Apply online" in body and "You can save your answers and continue later" in body
    assert f'action="/en/apply/{procedure.slug}/start"' in body
    assert '<dt>Department</dt><dd lang="ja">' in body


def test_english_form_page_with_errors(procedure):
    client = Client()
    url = client.post(en("start", procedure.slug))["Location"]
    assert url.startswith("/en/apply/s/") and url.endswith("/applicant/")
    page = body_of(client.get(url))
    assert "(page 1 of 2)" in page and "Continue" in page and "Stop now and continue later" in page
    assert '<span class="required">Required</span>' in page
    assert '<label for="id_applicant_name"><span lang="ja">氏名</span>' in page
    assert '<div class="choices">' in page and "\n Yes</label>" in page  # yes/no is the platform's own
    assert "/en/apply/resume/" in page
    bad = words_of(client.post(url, {"applicant_name": "江東 花子" * 10, "email": "x", "has_kids": ""}))
    assert "There is a problem" in bad  # the error summary's heading (the project catalogue)
    assert "氏名 must be 20 characters or fewer (it is 50 now)." in bad
    assert "Enter メールアドレス in the right format, for example koto.hanako@example.jp." in bad
    assert "Select お子さんの有無." in bad
    assert "を選んでください" not in bad and "入力内容に誤りがあります" not in bad
    empty = words_of(client.post(url, {"applicant_name": "", "email": "", "has_kids": "yes"}))
    assert "Enter 氏名." in empty and "Enter メールアドレス." in empty
    kids = client.post(url, {"applicant_name": "江東 花子", "email": "hanako@example.jp", "has_kids": "yes"})
    kids_url = kids["Location"]
    assert kids_url.startswith("/en/apply/s/") and kids_url.endswith("/kids/")
    kids_page = body_of(client.get(kids_url))
    assert "Back to the previous page" in kids_page
    assert "For example 2025-04-01 or 2025年4月1日" in kids_page  # the date question's hint
    bad_date = words_of(client.post(kids_url, {"kid_name": "江東 太郎", "kid_birth": "いつか"}))
    assert "Enter お子さんの生年月日 as a real date" in bad_date
    marked = body_of(client.post(kids_url, {"kid_name": "江東 太郎", "kid_birth": "いつか"}))
    assert 'Enter <span lang="ja">お子さんの生年月日</span> as a real date' in marked
    future = words_of(client.post(kids_url, {"kid_name": "江東 太郎", "kid_birth": "2999-01-01"}))
    assert re.search(r"お子さんの生年月日 must be on or before \d{1,2} [A-Z][a-z]+ \d{4}\.", future)


def test_full_english_submission(procedure, django_capture_on_commit_callbacks):
    client = Client()
    url = client.post(en("start", procedure.slug))["Location"]
    kids_url = client.post(
        url, {"applicant_name": "江東 花子", "email": "hanako@example.jp", "has_kids": "yes"}
    )["Location"]
    docs_url = client.post(kids_url, {"kid_name": "江東 太郎", "kid_birth": "令和5年4月1日"})["Location"]
    docs = body_of(client.get(docs_url))
    assert "Accepted formats:" in docs and "up to 1MB" in docs
    check_url = client.post(docs_url, {"doc": SimpleUploadedFile("免許証.pdf", PDF)})["Location"]
    assert check_url.startswith("/en/apply/s/") and check_url.endswith("/check/")
    check = body_of(client.get(check_url))
    assert "<h1>Check your answers</h1>" in check and "Send the application" in check
    assert '<dt lang="ja">お子さんの氏名</dt><dd lang="ja">江東 太郎</dd>' in check
    assert '<h2 id="sec-applicant" lang="ja">申請者</h2>' in check
    assert 'Change<span class="visually-hidden"> (<span lang="ja">申請者</span>)</span>' in check
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(check_url)
    submission = Submission.objects.get()
    assert submission.status == "received" and submission.reference_number
    assert sent["Location"] == en("done", submission.pk)
    done = body_of(client.get(sent["Location"]))
    assert "Application received" in done and "Reference number" in done
    assert submission.reference_number in done
    assert 'We have received your application for <span lang="ja">テスト手続</span>.' in done
    assert "We have sent the reference number to hanako@example.jp." in done
    assert len(mail.outbox) == 1 and submission.reference_number in mail.outbox[0].body


def test_english_status_page(procedure, django_capture_on_commit_callbacks):
    from tests.eapply.test_resident import _filled

    with django_capture_on_commit_callbacks(execute=True):
        submission = services.submission_submit(submission=_filled(procedure))
    client = Client()
    form = body_of(client.get(en("status")))
    assert "Check the status of an application" in form and "Reference number" in form
    assert (
        "The e-mail address you gave when you applied" in form
        and '<span class="required">Required</span>' in form
    )
    empty = body_of(client.post(en("status"), {"reference_number": "", "email": ""}))
    assert "There is a problem" in empty and "Enter the reference number." in empty
    wrong = body_of(
        client.post(en("status"), {"reference_number": submission.reference_number, "email": "o@x.jp"})
    )
    assert "No application matches this reference number and e-mail address." in wrong
    found = body_of(
        client.post(
            en("status"), {"reference_number": submission.reference_number, "email": "hanako@example.jp"}
        )
    )
    assert '<span class="badge">Received</span>' in found and '<dd lang="ja">テスト手続</dd>' in found
    assert "History" in found and "Application sent" in found and "（Received）" in found
    assert SubmissionEvent.objects.filter(submission=submission, visible_to_applicant=True).exists()


def test_japanese_status_page_names_the_status(procedure, django_capture_on_commit_callbacks):
    from tests.eapply.test_resident import _filled

    with django_capture_on_commit_callbacks(execute=True):
        submission = services.submission_submit(submission=_filled(procedure))
    body = (
        Client()
        .post(
            ja("status"),
            {"reference_number": submission.reference_number, "email": "hanako@example.jp"},
        )
        .content.decode()
    )
    assert '<html lang="ja">' in body and "申請（受付）" in body and "（received）" not in body
    assert ' lang="ja"' not in body.split("<main", 1)[1]  # nothing marked on a Japanese page


def test_english_small_pages(procedure, settings):
    invalid = Client().get("/en/apply/resume/no-such-key/")
    assert invalid.status_code == 404 and '<html lang="en">' in invalid.content.decode()
    assert "This link cannot be used" in invalid.content.decode()
    settings.EAPPLY_START_LIMIT = 1
    client = Client(REMOTE_ADDR="203.0.113.77")
    assert client.post(en("start", procedure.slug)).status_code == 302
    limited = client.post(en("start", procedure.slug))
    assert limited.status_code == 429
    text = limited.content.decode()
    assert "Please wait a while" in text and "Many applications were started in a short time" in text


@pytest.mark.parametrize("name", ["catalog", "status"])
def test_japanese_pages_unchanged(procedure, name):
    body = Client().get(ja(name)).content.decode()
    assert '<html lang="ja">' in body
    main = body.split("<main", 1)[1]
    assert ' lang="ja"' not in main and "Procedures" not in main
    assert ("手続き・電子申請" if name == "catalog" else "申請の状況を確認") in main


def test_japanese_form_page_unchanged(procedure):
    client = Client()
    url = client.post(ja("start", procedure.slug))["Location"]
    assert not url.startswith("/en/")
    bad = client.post(url, {"applicant_name": "", "email": "x", "has_kids": ""}).content.decode()
    assert '<label for="id_applicant_name">氏名 <span class="required">必須</span></label>' in bad
    assert "氏名を入力してください。" in bad and "お子さんの有無を選んでください。" in bad
    assert "メールアドレスの形式が正しくありません。例: koto.hanako@example.jp" in bad
    assert "次へ進む" in bad and ' lang="ja"' not in bad.split("<main", 1)[1]


def test_english_sign_in_comes_back_in_english(personas, settings):
    """The callback URL has no language prefix (one redirect URI): a sign-in started on an English page
    comes back to the English procedure page, and a declined one gives the English failure page."""
    from tests.eapply.oidc_op import OpenIDProvider
    from tests.eapply.test_oidc import DEFINITION

    op = OpenIDProvider()
    settings.KOTODX_OIDC = op.settings()
    try:
        procedure = services.procedure_save(
            procedure=None,
            actor=None,
            data={
                "slug": "sodai",
                "name": "粗大ごみ収集の申込",
                "category": "waste",
                "department": personas.dept_a,
                "description": "粗大ごみの収集を申し込みます。",
            },
        )
        services.form_save_draft(procedure=procedure, definition=DEFINITION, actor=None)
        services.form_publish(procedure=procedure, actor=None)
        client = Client()
        detail = body_of(client.get(en("procedure", "sodai")))
        assert "Sign in with your My Number Card or similar (optional)" in detail
        assert "Sign in (optional)" in detail and "You can apply without signing in." in detail

        def round_trip():
            start = client.get(en("signin") + "?next=sodai")
            assert start.status_code == 302 and start["Location"].startswith(op.issuer + "/authorize?")
            back = op.authorize(start["Location"])
            assert back.startswith("http://testserver/apply/signin/callback/?")  # no /en/: one redirect URI
            return client.get(back.removeprefix("http://testserver"))

        back = round_trip()
        assert back.status_code == 302 and back["Location"] == en("procedure", "sodai")
        signed_in = body_of(client.get(back["Location"]))
        assert "You are signed in." in signed_in and "Sign out" in signed_in
        client.post(en("signout"), {"next": "sodai"})
        op.mode = "deny"
        failed = round_trip()
        text = failed.content.decode()
        assert '<html lang="en">' in text and "Sign-in did not succeed" in text
        assert "Sign-in was cancelled (consent was not given at the sign-in service)." in text
        assert "You can also go on with the application without signing in." in text
        assert 'action="/en/apply/sodai/start"' in text and "Apply without signing in" in text
    finally:
        op.close()


JA_TEXT = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _without_ja_marked(body):
    """The page with every lang="ja" element, the <head>, scripts and the language switch taken out."""
    body = re.sub(
        r"<head>.*?</head>|<script.*?</script>|<option[^>]*lang=\"ja\".*?</option>", "", body, flags=re.S
    )
    for tag in ("span", "p", "dt", "dd", "h1", "h2", "h3", "legend", "label", "li", "a", "strong", "div"):
        body = re.sub(rf"<{tag}[^>]*lang=\"ja\"[^>]*>.*?</{tag}>", "", body, flags=re.S)
    return re.sub(r'<a[^>]*hreflang="ja"[^>]*>.*?</a>', "", body, flags=re.S)


def test_english_upload_and_date_errors_are_english(procedure):
    client = Client()
    url = client.post(en("start", procedure.slug))["Location"]
    kids_url = client.post(
        url, {"applicant_name": "江東 花子", "email": "hanako@example.jp", "has_kids": "yes"}
    )["Location"]
    page = body_of(client.get(kids_url))
    assert "必須" not in page
    bad_date = body_of(client.post(kids_url, {"kid_name": "江東 太郎", "kid_birth": "いつか"}))
    assert "日付として読めません" not in bad_date
    docs_url = client.post(kids_url, {"kid_name": "江東 太郎", "kid_birth": "令和5年4月1日"})["Location"]
    wrong = body_of(client.post(docs_url, {"doc": SimpleUploadedFile("a.pdf", b"\x00\x01binary\x00")}))
    assert "This type of file cannot be accepted." in wrong and "形式は受け付けられません" not in wrong
    big = body_of(client.post(docs_url, {"doc": SimpleUploadedFile("a.pdf", PDF + b"0" * 2 * 1024 * 1024)}))
    assert "is too large" in big and "大きすぎます" not in big
    # the question labels quoted in the English messages are marked lang="ja" (WCAG 3.1.2)
    assert '<span lang="ja">お子さんの生年月日</span>' in bad_date
    assert '<span lang="ja">本人確認書類</span>' in wrong
    # left: the site's name and the date examples (Japanese formats on purpose)
    allowed = ("江東区 DXプラットフォーム", "2025年4月1日", "令和7年4月1日")
    for body in (bad_date, wrong, big):
        text = re.sub(r"<[^>]+>", "\n", _without_ja_marked(body))
        for word in allowed:
            text = text.replace(word, "")
        leftover = [line.strip() for line in text.splitlines() if JA_TEXT.search(line)]
        assert not leftover, leftover


def test_core_messages_translate():
    from kotodx.core.fiscal import WarekiError, parse_date

    with translation.override("en"):
        with pytest.raises(WarekiError, match="cannot be read as a date"):
            parse_date("いつか")
        with pytest.raises(WarekiError, match="No date has been entered"):
            parse_date("")
        with pytest.raises(WarekiError, match="is not a date that exists"):
            parse_date("2024-02-30")
    with translation.override("ja"), pytest.raises(WarekiError, match="日付として読めません"):
        parse_date("いつか")


def test_english_receipt_mail_is_english(procedure, django_capture_on_commit_callbacks):
    client = Client()
    url = client.post(en("start", procedure.slug))["Location"]
    kids_url = client.post(
        url, {"applicant_name": "江東 花子", "email": "hanako@example.jp", "has_kids": "yes"}
    )["Location"]
    docs_url = client.post(kids_url, {"kid_name": "江東 太郎", "kid_birth": "令和5年4月1日"})["Location"]
    check_url = client.post(docs_url, {"doc": SimpleUploadedFile("免許証.pdf", PDF)})["Location"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(check_url)
    submission = Submission.objects.get()
    (message,) = mail.outbox
    assert message.subject == f"[Koto City] Application received: テスト手続 ({submission.reference_number})"
    assert "We have received your application for テスト手続." in message.body
    assert f"Reference number: {submission.reference_number}" in message.body
    assert "受付番号" not in message.body and "江東区" not in message.body
