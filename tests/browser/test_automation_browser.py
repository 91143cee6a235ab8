"""The robot pages in the browser on the demo data: axe-core finds nothing, and a dry run is started with
the keyboard."""

import io

import pytest
from django.urls import reverse

from kotodx.automation import demo
from kotodx.automation.models import Run
from kotodx.core import demo as core_demo
from kotodx.eapply import demo as eapply_demo
from kotodx.opendata import demo as opendata_demo
from tests.browser.conftest import axe_violations

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_data(db, settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path)
    for module in (core_demo, opendata_demo, eapply_demo, demo):
        module.load(actor=None, stdout=io.StringIO())


def test_robot_pages_pass_axe_and_a_dry_run_by_keyboard(live_server, demo_data, page):
    page.goto(live_server.url + reverse("core:login"))
    page.get_by_label("ログインID").fill("it.officer")
    page.get_by_label("パスワード").fill(core_demo.DEMO_PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url("**/staff/")
    for url in (
        "/staff/robots/",
        "/staff/robots/library-refresh/",
        "/staff/robots/library-refresh/edit/",
        "/staff/robots/sodai-gomi-list/",
        "/staff/robots/new/",
    ):
        page.goto(live_server.url + url)
        assert page.evaluate("document.documentElement.lang") == "ja", url
        assert axe_violations(page) == [], url
    page.goto(live_server.url + "/staff/robots/sodai-gomi-list/")
    page.get_by_role("button", name="試行する（何も変えずに結果を見る）").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "試行を受け付けました" in page.locator("main").inner_text()
    assert Run.objects.filter(robot__name="sodai-gomi-list", dry_run=True).exists()
    assert axe_violations(page) == []
    assert page.console_errors == []
