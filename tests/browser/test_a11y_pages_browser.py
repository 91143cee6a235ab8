"""The accessibility checker's own pages pass axe-core: the list with its trend and the start form, and a
scan's result by criterion and by page."""

import pytest
from django.urls import reverse
from django.utils import timezone

from kotodx.a11y.models import Scan, ScanFinding, ScanPage
from tests.browser.conftest import axe_violations
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_scan_pages_pass_axe(live_server, personas, page):
    Scan.objects.create(  # an earlier scan of the same site: the list draws the trend charts
        title="区ホームページ（前回）",
        start_url="https://www.city.koto.lg.jp/",
        status="done",
        finished_at=timezone.now() - timezone.timedelta(days=30),
        pages_checked=2,
        pages_with_violations=2,
        violations=3,
    )
    scan = Scan.objects.create(
        title="区ホームページ",
        start_url="https://www.city.koto.lg.jp/",
        status="done",
        finished_at=timezone.now(),
        pages_checked=2,
        pages_with_violations=1,
        violations=1,
        reviews=1,
    )
    bad = ScanPage.objects.create(
        scan=scan,
        position=1,
        url="https://www.city.koto.lg.jp/a.html",
        title="お知らせ",
        violations=1,
        reviews=1,
    )
    ScanPage.objects.create(scan=scan, position=2, url="https://www.city.koto.lg.jp/b.html", title="トップ")
    ScanFinding.objects.create(
        page=bad,
        rule="image-alt",
        source="axe",
        criteria=["1.1.1"],
        jis=["1.1.1"],
        impact="critical",
        selector="img",
        html="<img src=x>",
        message="画像に代替テキストがありません。",
    )
    ScanFinding.objects.create(
        page=bad,
        rule="kotodx-file-link",
        source="kotodx",
        criteria=["2.4.4"],
        jis=["2.4.4"],
        selector="a",
        message="ファイルの種類と大きさを書いてください。",
        review=True,
    )
    page.goto(live_server.url + reverse("core:login"))
    page.get_by_label("ログインID").fill("t.it")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url("**/staff/")
    page.goto(live_server.url + f"/staff/a11y/scans/{scan.pk}/")
    assert "非テキストコンテンツ" in page.locator("main").inner_text()
    scan.published_at = timezone.now()
    scan.save()
    for url in (
        "/staff/a11y/",
        f"/staff/a11y/scans/{scan.pk}/",
        f"/staff/a11y/scans/{scan.pk}/report/",
        "/accessibility/report/",
    ):
        page.goto(live_server.url + url)
        assert axe_violations(page) == [], url
    assert page.console_errors == []
