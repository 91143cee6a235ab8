"""Real browser: log in, reach the staff home, by mouse and by keyboard; axe finds nothing."""

import pytest
from django.urls import reverse

from tests.browser.conftest import axe_violations
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_login_reaches_staff_home(live_server, personas, page):
    page.goto(live_server.url + reverse("core:staff_home"))
    assert page.url.endswith("/accounts/login/?next=/staff/")  # remembered page
    page.get_by_label("ログインID").fill("t.clerk_a")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(live_server.url + "/staff/")
    assert page.get_by_role("heading", level=1).inner_text() == "職員メニュー"
    assert "子育て支援課" in page.content()
    assert page.console_errors == []


def test_wrong_password_shows_error_summary_with_focus(live_server, personas, page):
    page.goto(live_server.url + reverse("core:login"))
    page.get_by_label("ログインID").fill("t.clerk_a")
    page.get_by_label("パスワード").fill("wrong")
    page.get_by_role("button", name="ログイン").click()
    summary = page.locator(".error-summary")
    assert "正しくありません" in summary.inner_text()
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    assert axe_violations(page) == []


def test_keyboard_only_login(live_server, personas, page):
    page.goto(live_server.url + reverse("core:login"))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert page.locator(".skip-link").is_visible()  # visible when focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"  # the skip link jumps to the content
    for _ in range(10):  # onward by Tab only, through the page, to the login ID field
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "id_username":
            break
    assert page.evaluate("document.activeElement.id") == "id_username"
    page.keyboard.type("t.clerk_a")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/staff/**")
    assert page.get_by_role("heading", level=1).inner_text() == "職員メニュー"


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/accounts/login/",
        "/accessibility/",
        "/en/",
        "/en/accounts/login/",
        "/en/accessibility/",
        "/api/docs",
    ],
)
def test_public_pages_have_no_axe_violations(live_server, db, page, path):
    page.goto(live_server.url + path)
    assert page.evaluate("document.documentElement.lang") in {"ja", "en"}
    assert axe_violations(page) == []


def test_staff_pages_have_no_axe_violations(live_server, personas, page):
    page.goto(live_server.url + reverse("core:login"))
    page.get_by_label("ログインID").fill("t.it")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(live_server.url + "/staff/")
    for name in (
        "core:staff_home",
        "core:audit_list",
        "core:job_list",
        "core:token_list",
        "core:otp_setup",
        "core:password_change",
        "core:accessibility_policy_edit",
        "plan:staff_home",
        "plan:plan_upload",
        "opendata:dataset_create",
        "gis:staff_layers",
        "gis:staff_query",
        "eapply:staff_queue",
        "eapply:staff_procedures",
    ):
        page.goto(live_server.url + reverse(name))
        assert axe_violations(page) == [], name


def test_audit_export_progress_bar_and_download(live_server, personas, page):
    page.goto(live_server.url + reverse("core:login"))
    page.get_by_label("ログインID").fill("t.kansa")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(live_server.url + "/staff/")
    page.goto(live_server.url + reverse("core:audit_list"))
    page.get_by_role("button", name="この条件でCSV出力（Excel対応）").click()
    page.wait_for_url("**/staff/jobs/**")
    # The inline queue (tests) finishes at once after commit; the status section then offers the file.
    link = page.get_by_role("link", name="結果をダウンロード")
    link.wait_for()
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.startswith("audit-log-")
    assert axe_violations(page) == []
