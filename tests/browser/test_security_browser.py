"""The CSIRT pages in the browser on the demo data: axe-core finds nothing on any of them (CSIRT officer and
a department clerk), and a clerk reports an incident with the keyboard alone."""

import io

import pytest
from django.urls import reverse

from kotodx.core import demo as core_demo
from kotodx.governance import demo as governance_demo
from kotodx.security import demo
from kotodx.security.models import Incident
from tests.browser.conftest import axe_violations

pytestmark = pytest.mark.browser


def _login(page, live_server, username):  # type: ignore[no-untyped-def]
    page.context.clear_cookies()
    page.goto(live_server.url + reverse("core:login"))
    page.get_by_label("ログインID").fill(username)
    page.get_by_label("パスワード").fill(core_demo.DEMO_PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url("**/staff/")


@pytest.fixture
def demo_data(db):  # type: ignore[no-untyped-def]
    for module in (core_demo, governance_demo, demo):
        module.load(actor=None, stdout=io.StringIO())


def test_every_csirt_page_passes_axe(live_server, demo_data, page):
    red = Incident.objects.get(tlp="red")
    leak = Incident.objects.get(personal_info=True, title__startswith="委託先")
    urls = [
        "/staff/",
        "/staff/security/",
        "/staff/security/?status=all",
        f"/staff/security/incidents/{red.number}/",
        f"/staff/security/incidents/{leak.number}/",
        f"/staff/security/incidents/{leak.number}/edit/",
        f"/staff/security/incidents/{leak.number}/report.html",
        "/staff/security/incidents/new/",
        "/staff/security/exercises/",
        "/staff/security/sharing/",
    ]
    for username in ("it.officer", "clerk.bosai"):
        _login(page, live_server, username)
        for url in urls:
            response = page.goto(live_server.url + url)
            if response.status in (403, 404):
                continue
            assert page.evaluate("document.documentElement.lang") == "ja", url
            assert axe_violations(page) == [], (username, url)
        if username == "it.officer":  # the clerk's 403/404 pages are logged by the browser
            assert page.console_errors == []


def test_a_clerk_reports_an_incident_by_keyboard(live_server, demo_data, page):
    _login(page, live_server, "clerk.bosai")
    page.goto(live_server.url + reverse("security:incident_create"))
    page.get_by_label("件名").focus()
    page.keyboard.type("不審なUSBメモリを拾得")
    page.keyboard.press("Tab")
    page.keyboard.type("庁舎の廊下で拾った。まだ挿していない。")
    page.get_by_label("分類（RSIT）").focus()
    page.get_by_label("分類（RSIT）").select_option("other")
    page.get_by_role("button", name="報告する").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "を登録しました" in page.locator("main").inner_text()
    incident = Incident.objects.get(title="不審なUSBメモリを拾得")
    assert incident.status == "new" and incident.departments.get().code == "bosai"
    assert axe_violations(page) == []
