"""The governance pages in the browser on the demo data: axe-core finds nothing on any of them, and an IT
officer answers a gate checklist and decides it with the keyboard alone."""

import io

import pytest
from django.urls import reverse

from kotodx.core import demo as core_demo
from kotodx.core.models import User
from kotodx.governance import demo
from kotodx.governance.models import Audit, GateReview, System
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
    core_demo.load(actor=None, stdout=io.StringIO())
    demo.load(actor=None, stdout=io.StringIO())


def test_every_governance_page_passes_axe(live_server, demo_data, page):
    audit = Audit.objects.filter(kind=Audit.Kind.SECURITY).get()
    returned = System.objects.get(name="防災情報システム（デモ）")
    urls = [
        "/staff/",
        "/staff/governance/systems/",
        f"/staff/governance/systems/{returned.pk}/",
        f"/staff/governance/systems/{returned.pk}/edit/",
        "/staff/governance/systems/new/",
        "/staff/governance/systems/import/",
        "/staff/governance/guideline/",
        "/staff/governance/audits/",
        f"/staff/governance/audits/{audit.pk}/",
        f"/staff/governance/audits/{audit.pk}/report.html",
        "/staff/governance/actions/?overdue=1",
        "/staff/governance/pia/?persons=120000&handlers=30",
        "/staff/governance/pia/?persons=-1&handlers=x",
        "/staff/governance/skills/",
    ]
    for username in ("it.officer", "clerk.bosai"):
        _login(page, live_server, username)
        for url in urls:
            response = page.goto(live_server.url + url)
            if response.status in (403, 404):
                continue  # the clerk may not see every page; those are tested in tests/governance
            assert page.evaluate("document.documentElement.lang") == "ja", url
            assert axe_violations(page) == [], (username, url)
    # A page answered 400 (the bad PIA input) is logged by the browser; nothing else may be.
    assert [e for e in page.console_errors if "status of 400" not in e] == []


def test_an_it_officer_answers_and_decides_a_gate_by_keyboard(live_server, demo_data, page):
    system = System.objects.get(name="観光案内アプリ（デモ）")  # at 企画, review open, one item answered
    _login(page, live_server, "it.officer")
    page.goto(live_server.url + reverse("governance:system", kwargs={"pk": system.pk}))
    for code in ("plan-bpr", "plan-budget"):
        page.locator(f'input[name="answer-{code}"][value="yes"]').focus()
        page.keyboard.press("Space")
        page.keyboard.press("Tab")  # the evidence field of the same row
        page.keyboard.type("企画書（デモ）")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # submits the checklist form
    assert "回答を保存しました" in page.locator("main").inner_text()
    page.get_by_label("通過").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="審査結果を決定する").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "審査結果を「通過」に決定しました。" in page.locator("main").inner_text()
    assert axe_violations(page) == []
    page.get_by_role("button", name="「要件定義・見積」の段階へ進める").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "「要件定義・見積」の段階に進みました" in page.locator("main").inner_text()
    system.refresh_from_db()
    assert system.stage == "requirements"
    assert GateReview.objects.filter(system=system, status="passed").count() == 1
    assert (
        User.objects.get(username="it.officer")
        .auditentry_set.filter(target_type="governance.system")
        .exists()
    )
