"""A progress entry walks the whole PDCA workflow in a real browser and appears in the annual report;
the plan pages pass axe-core."""

import pytest
from django.urls import reverse

from kotodx.core.fiscal import FiscalYear
from kotodx.plan import services
from kotodx.plan.loader import read_plan_text
from tests.browser.conftest import axe_violations
from tests.conftest import PASSWORD
from tests.plan.conftest import small_plan_yaml

pytestmark = pytest.mark.browser
FY = FiscalYear.current().year


def _login(page, live_server, username):
    page.context.clear_cookies()
    page.goto(live_server.url + reverse("core:login"))
    page.get_by_label("ログインID").fill(username)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url("**/staff/")


def test_entry_walks_the_whole_workflow_into_the_report(live_server, personas, page):
    services.plan_load(read_plan_text(small_plan_yaml()), actor=None)
    # 1. The owner department drafts and submits.
    _login(page, live_server, "t.clerk_a")
    page.goto(live_server.url + reverse("plan:staff_home"))
    page.get_by_role("button", name="進捗を作成する").click()
    page.get_by_label("取組状況").select_option(label="実施中")
    page.get_by_label("実績", exact=True).fill("子育て手続を12件オンライン化した。")
    page.get_by_label("次年度の方向性").fill("対象をさらに広げる。")
    page.get_by_label("実績値: オンライン手続数").fill("１２０")
    page.get_by_label("実績値: 事故件数").fill("1")
    page.get_by_role("button", name="保存する").click()
    assert "保存しました" in page.content()
    assert axe_violations(page) == []
    page.get_by_role("button", name="提出する").click()
    assert "情報システム課確認待ち" in page.content()
    entry_url = page.url
    # 2. The IT division checks.
    _login(page, live_server, "t.it")
    page.goto(live_server.url + reverse("plan:staff_home"))
    page.get_by_role("region", name="情報システム課の確認待ち（1件）").get_by_role("link").click()
    page.get_by_role("button", name="確認して専門部会へ送る").click()
    assert "専門部会審査待ち" in page.content()
    # 3. The expert sub-committee reviews, with a comment.
    _login(page, live_server, "t.bukai")
    page.goto(entry_url)
    page.get_by_label("意見・差し戻す理由").fill("目標を上回っており妥当。")
    page.get_by_role("button", name="審査して推進委員会へ送る").click()
    # 4. The committee approves.
    _login(page, live_server, "t.iin")
    page.goto(entry_url)
    assert axe_violations(page) == []
    page.get_by_role("button", name="承認する").click()
    assert "承認しました" in page.content()
    # 5. Anyone can read it in the annual report.
    page.context.clear_cookies()
    page.goto(live_server.url + reverse("plan:report", args=[FY]))
    assert "子育て手続を12件オンライン化した。" in page.content()
    assert axe_violations(page) == []


@pytest.mark.parametrize(
    "path",
    [
        "/plan/",
        "/plan/koto-2020/",
        "/plan/koto-2020/measures/16/",
        "/plan/reports/2024/",
        "/plan/koto-2020/final/",
        "/plan/koto-2020/revisions/",
    ],
)
def test_plan_pages_pass_axe(live_server, koto_demo, page, path):
    page.goto(live_server.url + path)
    assert axe_violations(page) == [], path


@pytest.fixture
def koto_demo(db):
    import io

    from kotodx.core.demo import load as load_core
    from kotodx.plan import demo

    load_core(actor=None, stdout=io.StringIO())
    demo.load(actor=None, stdout=io.StringIO())
