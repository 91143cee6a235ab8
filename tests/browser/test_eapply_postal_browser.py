"""「住所を検索」 in a real browser: the resident types a postal code, presses the button with the keyboard,
the linked question is filled in place (no page load, the address stays editable), the status line says
what happened; wrong codes are explained there; Japanese and English pages pass axe-core."""

import pytest
from django.urls import reverse

from kotodx.eapply.models import Submission
from tests.browser.conftest import axe_violations
from tests.eapply.test_postal import publish_tennyu

pytestmark = pytest.mark.browser


@pytest.fixture
def tennyu(personas):
    return publish_tennyu(personas.dept_a)


def _press_find_address(page, field):
    """Type into the postal code, Tab to its button and press Enter, as a keyboard user does."""
    field.focus()
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.startswith("住所を検索") or focused.startswith("Find address"), focused
    page.keyboard.press("Enter")


def test_find_address_fills_the_linked_questions(live_server, tennyu, page):
    page.goto(live_server.url + reverse("eapply:procedure", args=["tennyu"]))
    page.get_by_role("button", name="オンラインで申請する").click()
    page.wait_for_url("**/where/")
    url = page.url
    status = page.locator("#id_zip_status")
    assert status.get_attribute("role") == "status" and status.get_attribute("aria-live") == "polite"

    # A Koto address question: the office's code names the 丁目 and the 番地.
    page.get_by_label("郵便番号", exact=True).fill("〒１３５－８３８３")
    _press_find_address(page, page.get_by_label("郵便番号", exact=True))
    status.get_by_text("町丁目に「東陽四丁目」を選び").wait_for()
    assert page.get_by_label("町丁目").input_value() == "東陽四丁目"
    assert page.get_by_label("番地・建物名・部屋番号").input_value() == "11-28"
    assert page.get_by_label("郵便番号", exact=True).input_value() == "135-8383"
    assert page.url == url  # filled in place: the page was not sent
    page.get_by_label("番地・建物名・部屋番号").fill("11-28 コトマンション101")  # still editable

    # A free-text address question gets the address line, ready to be completed.
    old_zip = page.get_by_label("前の住所の郵便番号")
    old_zip.fill("135-0016")
    _press_find_address(page, old_zip)
    page.locator("#id_old_zip_status").get_by_text("住所を入力しました: 東京都江東区東陽").wait_for()
    assert page.locator("#id_old_address").input_value() == "東京都江東区東陽"
    page.locator("#id_old_address").press("End")
    page.keyboard.type("6-2-1")
    assert page.locator("#id_old_address").input_value() == "東京都江東区東陽6-2-1"
    assert axe_violations(page) == []

    # Problems are told in the status line and leave the questions as they were.
    old_zip.fill("999-9999")
    _press_find_address(page, old_zip)
    page.locator("#id_old_zip_status").get_by_text("「999-9999」という郵便番号はありません").wait_for()
    assert old_zip.get_attribute("aria-invalid") == "true"
    assert page.locator("#id_old_address").input_value() == "東京都江東区東陽6-2-1"
    old_zip.fill("135-001")
    _press_find_address(page, old_zip)
    page.locator("#id_old_zip_status").get_by_text("桁数が違います（6桁です）").wait_for()
    assert axe_violations(page) == []
    assert Submission.objects.get().answers == {}  # nothing was sent
    old_zip.fill("135-0016")
    page.get_by_role("button", name="次へ進む").click()
    page.wait_for_url("**/contact/")
    answers = Submission.objects.get().answers
    assert answers["home"] == {"town": "東陽四丁目", "detail": "11-28 コトマンション101"}
    assert answers["old_address"] == "東京都江東区東陽6-2-1" and answers["old_zip"] == "135-0016"
    # the browser logs the two refused look-ups (404, 400); nothing else, no CSP violation
    assert [e.split(" (")[0] for e in page.console_errors] == [
        "Failed to load resource: the server responded with a status of 404",
        "Failed to load resource: the server responded with a status of 400",
    ]


def test_find_address_in_english(live_server, tennyu, page):
    page.goto(live_server.url + "/en" + reverse("eapply:procedure", args=["tennyu"]))
    page.get_by_role("button", name="Apply online").click()
    page.wait_for_url("**/en/apply/s/**/where/")
    zip_code = page.get_by_label("郵便番号", exact=True)
    zip_code.fill("135-0041")
    _press_find_address(page, zip_code)
    page.locator("#id_zip_status").get_by_text("Selected “冬木” as the town block.").wait_for()
    assert page.get_by_label("Town block (町丁目)").input_value() == "冬木"
    zip_code.fill("135-0016")
    _press_find_address(page, zip_code)
    page.locator("#id_zip_status").get_by_text(
        "Select the town block, from 東陽一丁目 to 東陽七丁目"
    ).wait_for()
    assert page.get_by_label("Town block (町丁目)").input_value() == ""  # 冬木 is not 135-0016
    assert axe_violations(page) == []
    assert page.console_errors == []
