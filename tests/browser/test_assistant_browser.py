"""The AI assistant in the browser on the demo data: a resident asks with the keyboard and reads the answers,
staff route an inquiry and turn a scanned paper form into an application; axe-core finds nothing on any
page, and screenshots of the result pages are kept for a look."""

import io
import re

import pytest
from django.urls import reverse

from kotodx.assistant import demo, formimages
from kotodx.core import demo as core_demo
from kotodx.eapply import demo as eapply_demo
from kotodx.gis import demo as gis_demo
from kotodx.opendata import demo as opendata_demo
from tests.browser.conftest import axe_violations

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_data(db, settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    for module in (core_demo, opendata_demo, eapply_demo, gis_demo, demo):
        module.load(actor=None, stdout=io.StringIO())


def _check(page, what: str) -> None:  # type: ignore[no-untyped-def]
    assert page.evaluate("document.documentElement.lang") == "ja", what
    assert axe_violations(page) == [], what


def _ask(page, question: str) -> None:  # type: ignore[no-untyped-def]
    field = page.get_by_label("知りたいことを文章で入力してください")
    field.click()
    field.press("Control+a")
    field.press("Delete")
    page.keyboard.type(question)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_resident_asks_by_keyboard_and_reads_the_answers(live_server, demo_data, page):
    page.goto(live_server.url + "/ask/")
    _check(page, "form")

    _ask(page, "粗大ごみを出したい")
    main = page.locator("main")
    assert "見つかった答え" in main.inner_text()
    titles = page.locator(".dataset-item h3 a")
    assert titles.count() > 0
    assert "粗大ごみ" in titles.first.inner_text()
    assert "粗大ごみを出したい" in page.title()
    _check(page, "answers")
    page.screenshot(path="/tmp/assistant-ask.png", full_page=True)

    faq_link = page.locator('.dataset-item h3 a[href*="/ask/faq/"]').first
    faq_title = faq_link.inner_text()
    faq_link.click()
    page.wait_for_url("**/ask/faq/*/")
    assert page.get_by_role("heading", level=1).inner_text() == faq_title
    _check(page, "faq")

    page.goto(live_server.url + "/ask/")
    _ask(page, "宇宙人はいますか")
    text = page.locator("main").inner_text()
    assert "はっきりした答えが見つかりませんでした" in text
    assert "03-3647-9111" in text
    _check(page, "no answer")

    page.goto(live_server.url + "/ask/")
    with page.expect_navigation():
        page.get_by_role("button", name="質問する").click()
    assert "質問を入力してください。" in page.locator("main").inner_text()
    _check(page, "empty question")
    assert page.console_errors == []


def _login(page, url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(url + reverse("core:login"))
    page.get_by_label("ログインID").fill("it.officer")
    page.get_by_label("パスワード").fill(core_demo.DEMO_PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url("**/staff/")


def test_staff_pages_route_an_inquiry_and_register_a_scanned_form(live_server, demo_data, page, tmp_path):
    _login(page, live_server.url)
    for url in (
        "/staff/assistant/",
        "/staff/assistant/faq/",
        "/staff/assistant/faq/new/",
        "/staff/assistant/synonyms/",
        "/staff/assistant/inquiries/",
        "/staff/assistant/ocr/",
    ):
        page.goto(live_server.url + url)
        _check(page, url)

    page.goto(live_server.url + "/staff/assistant/inquiries/")
    matrix = page.locator("table.confusion")
    assert matrix.locator("tbody tr").count() >= 3
    page.screenshot(path="/tmp/assistant-inquiries.png", full_page=True)
    page.locator("table").filter(has_text="問い合わせ（新しい順").locator("tbody a").first.click()
    page.wait_for_url(re.compile(r".*/staff/assistant/inquiries/\d+/$"))
    assert "候補（上位3部署）" in page.locator("main").inner_text()
    _check(page, "inquiry detail")

    # route a new inquiry
    page.goto(live_server.url + "/staff/assistant/inquiries/")
    page.get_by_label("問い合わせの本文").fill("家の前の道路に穴があいていて危ないです")
    page.get_by_role("button", name="振り分ける").click()
    page.wait_for_url(re.compile(r".*/staff/assistant/inquiries/\d+/$"))
    candidates = page.locator("table").filter(has_text="候補（上位3部署）").inner_text()
    assert "道路課" in candidates
    _check(page, "routed inquiry")

    # a paper form: upload, read (inline queue), check every field and register
    sample = next(s for s in formimages.sample_set() if s.name == "juminhyo-clean-png")
    scan = tmp_path / "juminhyo-scan.png"
    scan.write_bytes(sample.data)
    page.goto(live_server.url + "/staff/assistant/ocr/")
    select = page.get_by_label("手続き")
    option = select.locator("option", has_text="住民票の写し交付請求").first.inner_text()
    select.select_option(label=option)
    page.get_by_label("スキャンした申請書").set_input_files(str(scan))
    page.get_by_role("button", name="読み取る").click()
    page.wait_for_url(re.compile(r".*/staff/assistant/ocr/\d+/$"))
    if "読み取り中" in page.locator("main").inner_text():
        page.reload()
    assert page.locator("table").filter(has_text="項目ごとの読み取り結果").count() == 1
    assert page.locator("img.ocr-image").evaluate("img => img.complete && img.naturalWidth > 0")
    _check(page, "ocr check")
    page.screenshot(path="/tmp/assistant-ocr.png", full_page=True)

    name_input = page.get_by_label("氏名", exact=True)
    assert name_input.input_value().replace("　", " ") == sample.answers["applicant_name"]

    # what staff do: type the blank boxes from the paper, then tick every 「確認した」
    on_paper = dict(sample.rows)
    for row in page.locator("table.table tbody tr").all():
        box = row.locator('input[type="text"]')
        label = row.locator("th label").inner_text()
        if box.input_value() == "" and on_paper.get(label):
            box.fill(on_paper[label])
    checkboxes = page.get_by_role("checkbox", name=re.compile("確認した$"))
    assert checkboxes.count() == len(sample.answers)
    for i in range(checkboxes.count()):
        checkboxes.nth(i).check()
    boxes = page.locator('.ocr-fields input[type="text"]')
    typed = boxes.evaluate_all("els => els.map(e => [e.id, e.value])")  # shown if registering fails
    with page.expect_navigation():
        page.get_by_role("button", name="確認した内容で申請として登録").click()
    main = page.locator("main").inner_text()
    assert "申請として登録しました" in main, (main, typed)
    _check(page, "ocr submitted")
    assert page.console_errors == []
