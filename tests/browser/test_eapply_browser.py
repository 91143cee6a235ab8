"""E-application in a real browser: a clerk builds a form with a condition and a file question in the
builder and publishes it; a resident fills it (with mistakes) and submits; the clerk asks for a correction;
the resident corrects and resubmits; axe finds nothing on the resident pages."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from kotodx.eapply import services
from kotodx.eapply.models import Submission
from tests.browser.conftest import axe_violations
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _login(page, live_server, username):
    page.context.clear_cookies()
    page.goto(live_server.url + reverse("core:login"))
    page.get_by_label("ログインID").fill(username)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url("**/staff/")


def test_build_apply_correct(live_server, personas, page, tmp_path):
    services.procedure_save(
        procedure=None,
        actor=None,
        data={
            "slug": "nyuen",
            "name": "入園の申込",
            "category": "childcare",
            "department": personas.dept_a,
            "description": "保育園の入園を申し込みます。",
        },
    )
    # 1. The clerk builds the form.
    _login(page, live_server, "t.clerk_a")
    page.goto(live_server.url + reverse("eapply:staff_builder", args=["nyuen"]))
    page.get_by_label("質問の種類").first.select_option(label="はい／いいえ")
    page.get_by_label("質問文").first.fill("ひとり親世帯")
    page.get_by_role("button", name="質問を追加").first.click()
    page.get_by_label("質問の種類").first.select_option(label="ファイルの添付")
    page.get_by_label("質問文").first.fill("ひとり親であることがわかる書類")
    page.get_by_role("button", name="質問を追加").first.click()
    page.get_by_role("link", name=re.compile("編集.*ひとり親であることがわかる書類")).click()
    page.get_by_label("回答を必須にする").check()
    page.get_by_label("この質問を表示する条件（前の質問）").select_option(
        label="申請者について ／ ひとり親世帯"
    )
    page.get_by_label("その回答が次の値のとき").fill("true")
    page.get_by_role("button", name="保存する").click()
    assert "保存しました" in page.content()
    assert axe_violations(page) == []
    page.goto(live_server.url + reverse("eapply:staff_form", args=["nyuen"]))
    page.get_by_role("button", name="第1版を公開する").click()
    assert "公開しました" in page.content()
    # 2. A resident applies, with mistakes first.
    page.context.clear_cookies()
    page.goto(live_server.url + reverse("eapply:procedure", args=["nyuen"]))
    assert axe_violations(page) == []
    page.get_by_role("button", name="オンラインで申請する").click()
    page.get_by_role("button", name="次へ進む").click()
    assert page.locator(".error-summary").is_visible()
    assert axe_violations(page) == []
    page.get_by_label("氏名").fill("江東 花子")
    page.get_by_label("メールアドレス").fill("hanako＠example.jp")  # full-width @ is read as @
    page.get_by_label("はい").check()
    assert page.get_by_text("ひとり親であることがわかる書類").is_visible()  # shown by the condition
    page.get_by_role("button", name="次へ進む").click()
    assert "ファイルを選んでください" in page.content()
    pdf = tmp_path / "証明書.pdf"
    pdf.write_bytes(PDF)
    page.get_by_label("ひとり親であることがわかる書類").set_input_files(str(pdf))
    page.get_by_role("button", name="次へ進む").click()
    page.wait_for_url("**/check/")
    assert "証明書.pdf" in page.content()
    assert axe_violations(page) == []
    page.get_by_role("button", name="この内容で申請する").click()
    page.wait_for_url("**/done/")
    reference = page.locator(".reference-number").inner_text().strip()
    assert re.fullmatch(r"[A-Z]\d+-[A-Z0-9]{4}-[A-Z0-9]{4}", reference)
    assert axe_violations(page) == []
    # 3. The clerk asks for a correction.
    _login(page, live_server, "t.clerk_a")
    page.goto(live_server.url + reverse("eapply:staff_queue"))
    page.get_by_role("link", name=reference).click()
    page.get_by_label("次の状態").select_option(label="補正依頼")
    page.get_by_label("申請者へのコメント（補正依頼・却下では必須）").fill(
        "書類が読み取れません。もう一度添付してください。"
    )
    page.get_by_role("button", name="状態を変える").click()
    assert "補正依頼" in page.content()
    # 4. The resident follows the mailed link, changes the file and resubmits.
    link = re.search(r"http://[^\s]+/apply/resume/[^\s]+/", mail.outbox[-1].body).group(0)
    page.context.clear_cookies()
    page.goto(link)
    assert "書類が読み取れません" in page.content()
    page.get_by_role("link", name=re.compile("変更する")).first.click()
    page.get_by_role("button", name="次へ進む").click()
    page.get_by_role("button", name="この内容で申請する").click()
    page.wait_for_url("**/done/")
    assert page.locator(".reference-number").inner_text().strip() == reference


def test_sign_in_by_openid_connect_prefills_the_form(live_server, personas, page, settings):
    """A resident signs in at a real OpenID provider on loopback (tests/eapply/oidc_op.py) with the
    keyboard, the form starts filled in, the resident applies; a declined sign-in leads on without it."""
    from tests.eapply.oidc_op import OpenIDProvider
    from tests.eapply.test_oidc import DEFINITION, SIGNIN

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
        page.goto(live_server.url + reverse("eapply:procedure", args=["sodai"]))
        assert axe_violations(page) == []
        page.get_by_role("link", name=SIGNIN).focus()
        page.keyboard.press("Enter")  # → the provider → back to the procedure page
        page.get_by_text("サインインしました").wait_for()
        assert page.url == live_server.url + reverse("eapply:procedure", args=["sodai"])
        assert page.get_by_role("button", name="サインアウトする").is_visible()
        assert axe_violations(page) == []
        page.get_by_role("button", name="オンラインで申請する").click()
        page.wait_for_url("**/applicant/")
        assert page.locator('[name="applicant_name"]').input_value() == "江東 花子"
        assert page.get_by_label("氏名（フリガナ）").input_value() == "コウトウ ハナコ"
        assert page.get_by_label("生年月日").input_value() == "1990年4月1日"
        assert page.get_by_label("町丁目").input_value() == "東陽四丁目"
        assert page.get_by_label("番地・建物名・部屋番号").input_value() == "11番28号"
        assert page.get_by_label("メールアドレス").input_value() == "hanako@example.jp"
        assert page.get_by_label("配偶者の氏名").input_value() == ""
        assert page.get_by_text("サインインした情報から入力しました").is_visible()
        assert axe_violations(page) == []
        page.locator('[name="applicant_name"]').fill("江東 はなこ")  # pre-filled, still editable
        page.get_by_role("button", name="次へ進む").click()
        page.get_by_label("町丁目").select_option("木場一丁目")
        page.get_by_label("番地・建物名・部屋番号").fill("1-1")
        page.get_by_role("button", name="次へ進む").click()
        page.wait_for_url("**/check/")
        assert page.get_by_text("本人確認済みの申請として受け付けます").is_visible()
        page.get_by_role("button", name="この内容で申請する").click()
        page.wait_for_url("**/done/")
        submission = Submission.objects.get()
        assert submission.verified_identity["subject"] == "resident-0001"
        assert submission.answers["applicant_name"] == "江東 はなこ"
        # Signed out, the resident declines at the provider: a Japanese page, and on without sign-in.
        page.goto(live_server.url + reverse("eapply:procedure", args=["sodai"]))
        page.get_by_role("button", name="サインアウトする").click()
        op.mode = "deny"
        page.get_by_role("link", name=SIGNIN).click()
        page.wait_for_url("**/apply/signin/callback/**")
        assert page.get_by_role("heading", name="サインインできませんでした").is_visible()
        assert page.get_by_text("サインインは取り消されました").is_visible()
        assert axe_violations(page) == []
        page.get_by_role("button", name="サインインせずに申請する").click()
        page.wait_for_url("**/applicant/")
        assert page.locator('[name="applicant_name"]').input_value() == ""
        # Staff see the verification and the changed answer; the page stays axe-clean.
        _login(page, live_server, "t.clerk_a")
        page.goto(live_server.url + reverse("eapply:staff_submission", args=[submission.pk]))
        assert page.get_by_text("本人確認済み（OIDC）").is_visible()
        assert page.get_by_text("サインインで入力された値から変更された項目: 氏名").is_visible()
        assert axe_violations(page) == []
        assert page.console_errors == []  # no CSP violation on the way
    finally:
        op.close()


ENGLISH_DEFINITION = {
    "title": "入園の申込",
    "pages": [
        {
            "id": "applicant",
            "title": "申請者について",
            "description": "保護者の方が入力してください。",
            "fields": [
                {"id": "intro", "type": "info", "label": "はじめに", "text": "入力には10分ほどかかります。"},
                {
                    "id": "applicant_name",
                    "type": "text",
                    "label": "氏名",
                    "required": True,
                    "help": "戸籍上の氏名",
                },
                {"id": "phone", "type": "phone", "label": "電話番号", "required": True},
                {
                    "id": "nursery",
                    "type": "select",
                    "label": "希望する園",
                    "required": True,
                    "choices": [{"value": "a", "label": "東陽保育園"}, {"value": "b", "label": "木場保育園"}],
                },
                {
                    "id": "time",
                    "type": "radio",
                    "label": "利用時間",
                    "required": True,
                    "choices": [
                        {"value": "short", "label": "短時間"},
                        {"value": "standard", "label": "標準時間"},
                    ],
                },
                {"id": "single", "type": "yesno", "label": "ひとり親世帯", "required": True},
                {"id": "address", "type": "address", "label": "住所", "required": True},
                {
                    "id": "kids",
                    "type": "group",
                    "label": "お子さん",
                    "counter": "人",
                    "max_items": 3,
                    "fields": [
                        {"id": "kid_name", "type": "text", "label": "氏名", "required": True},
                        {"id": "kid_birth", "type": "date", "label": "生年月日", "required": True},
                    ],
                },
            ],
        },
    ],
}


def test_english_resident_pages_are_axe_clean(live_server, personas, page):
    """The English catalog, a form page with errors and check-your-answers: English words, the form
    definition's Japanese marked lang="ja", no axe-core violations."""
    procedure = services.procedure_save(
        procedure=None,
        actor=None,
        data={
            "slug": "nyuen-en",
            "name": "入園の申込",
            "category": "childcare",
            "department": personas.dept_a,
            "description": "保育園の入園を申し込みます。",
        },
    )
    services.form_save_draft(procedure=procedure, definition=ENGLISH_DEFINITION, actor=None)
    services.form_publish(procedure=procedure, actor=None)
    page.goto(live_server.url + "/en/apply/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Procedures and e-applications").is_visible()
    assert page.locator('h3[lang="ja"]', has_text="入園の申込").is_visible()
    assert axe_violations(page) == []
    page.get_by_role("link", name="入園の申込").click()
    page.wait_for_url("**/en/apply/nyuen-en/")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Apply online").click()
    page.wait_for_url("**/en/apply/s/**/applicant/")
    page.get_by_role("button", name="Add another").click()  # two children, renumbered in English
    assert page.get_by_role("group", name="お子さん 2").is_visible()
    page.get_by_role("button", name="Continue").click()
    summary = page.locator(".error-summary")
    assert summary.is_visible() and summary.get_by_role("heading", name="There is a problem").is_visible()
    assert page.get_by_text("Enter 氏名.").first.is_visible()
    assert page.get_by_text("Select 希望する園.").first.is_visible()
    assert page.get_by_text("Select the town block of 住所 and enter the house number.").first.is_visible()
    assert page.locator('option[lang="ja"]', has_text="東陽保育園").count() == 1
    assert page.locator('.choices[lang="ja"]').count() == 1  # the radio buttons; yes/no is English
    assert page.get_by_label("Yes").count() == 1
    assert axe_violations(page) == []
    page.get_by_label("氏名").first.fill("江東 花子")
    page.get_by_label("電話番号").fill("03-1234-5678")
    page.get_by_label("希望する園").select_option(label="木場保育園")
    page.get_by_label("標準時間").check()
    page.get_by_label("No").check()
    page.get_by_label("Town block (町丁目)").select_option("東陽四丁目")
    page.get_by_label("Block and house number, building, room").fill("11-28")
    page.get_by_role("group", name="お子さん 1").get_by_label("氏名").fill("江東 太郎")
    page.get_by_role("group", name="お子さん 1").get_by_label("生年月日").fill("2023-05-01")
    page.get_by_role("button", name="Remove お子さん 2").click()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/en/apply/s/**/check/")
    assert page.get_by_role("heading", name="Check your answers").is_visible()
    assert page.locator('dd[lang="ja"]', has_text="木場保育園").is_visible()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Send the application").click()
    page.wait_for_url("**/en/apply/s/**/done/")
    assert page.get_by_role("heading", name="Application received").is_visible()
    assert re.fullmatch(
        r"[A-Z]\d+-[A-Z0-9]{4}-[A-Z0-9]{4}", page.locator(".reference-number").inner_text().strip()
    )
    assert axe_violations(page) == []
    assert page.console_errors == []
