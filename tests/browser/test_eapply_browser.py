"""E-application in a real browser: a clerk builds a form with a condition and a file question in the
builder and publishes it; a resident fills it (with mistakes) and submits; the clerk asks for a correction;
the resident corrects and resubmits; axe finds nothing on the resident pages."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from kotodx.eapply import services
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
