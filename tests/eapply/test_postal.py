"""「住所を検索」: a postal-code question linked to an address question (address_field). The look-up
endpoint /apply/postal/ (JSON, rate-limited, in the page's language), the page without the script (the
button sends the page and it comes back filled), the check of the link in a definition and the builder."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from kotodx.eapply import formdef, services, views
from kotodx.eapply.formdef import DefinitionError, validate_definition
from kotodx.eapply.models import FormVersion, Submission
from tests.conftest import client_for

DEFINITION = {
    "title": "転入の届出",
    "pages": [
        {
            "id": "where",
            "title": "住所",
            "fields": [
                {"id": "zip", "type": "postal_code", "label": "郵便番号", "address_field": "home"},
                {"id": "home", "type": "address", "label": "新しい住所", "required": True},
                {
                    "id": "old_zip",
                    "type": "postal_code",
                    "label": "前の住所の郵便番号",
                    "address_field": "old_address",
                },
                {"id": "old_address", "type": "text", "label": "前の住所", "required": True},
            ],
        },
        {"id": "contact", "title": "連絡先", "fields": [{"id": "email", "type": "email", "label": "メール"}]},
    ],
}


def ja(name, *args):
    with translation.override("ja"):
        return reverse(f"eapply:{name}", args=args)


def publish_tennyu(department):
    """転入届 with the postal-code form above, published (also used by the browser tests)."""
    procedure = services.procedure_save(
        procedure=None,
        actor=None,
        data={
            "slug": "tennyu",
            "name": "転入届",
            "category": "moving",
            "department": department,
            "description": "転入の届出です。",
        },
    )
    services.form_save_draft(procedure=procedure, definition=DEFINITION, actor=None)
    services.form_publish(procedure=procedure, actor=None)
    return procedure


@pytest.fixture
def tennyu(personas):
    return publish_tennyu(personas.dept_a)


def first_page(client, procedure, prefix=""):
    response = client.post(prefix + ja("start", procedure.slug))
    assert response.status_code == 302
    return response["Location"]


# --- the JSON endpoint ----------------------------------------------------------------------------------


def test_endpoint_gives_the_address_parts_and_what_to_fill(db):
    response = Client().get(ja("postal"), {"code": "１３５－００１６"}, REMOTE_ADDR="10.61.0.1")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    body = response.json()
    assert body["postal_code"] == "135-0016" and body["address"] == "東京都江東区東陽"
    assert (body["prefecture"], body["city"], body["town"]) == ("東京都", "江東区", "東陽")
    assert body["in_koto"] is True and body["koto_towns"][0] == "東陽一丁目" and len(body["koto_towns"]) == 7
    assert body["fill"]["text"] == {
        "value": "東京都江東区東陽",
        "message": "住所を入力しました: 東京都江東区東陽。続きを入力してください。",
    }
    assert body["fill"]["address"]["town"] == ""  # 東陽 has seven 丁目: the resident chooses
    assert "東陽一丁目〜東陽七丁目から選んでください" in body["fill"]["address"]["message"]
    office = Client().get(ja("postal"), {"code": "1358383"}, REMOTE_ADDR="10.61.0.1").json()
    assert office["fill"]["address"] == {
        "town": "東陽四丁目",
        "detail": "11-28",
        "message": "町丁目に「東陽四丁目」を選び、番地に「11-28」を入力しました。確かめてください。",
    }
    minato = Client().get(ja("postal"), {"code": "135-0091"}, REMOTE_ADDR="10.61.0.1").json()
    assert minato["in_koto"] is False and minato["koto_towns"] == []
    assert (
        "東京都港区台場の郵便番号です。この質問には江東区内の住所を入力してください"
        in (minato["fill"]["address"]["message"])
    )


@pytest.mark.parametrize(
    ("code", "status", "error"),
    [
        ("135-001", 400, "郵便番号の桁数が違います（6桁です）。7桁の数字で入力してください。例: 135-8383"),
        ("", 400, "郵便番号は7桁の数字で入力してください。例: 135-8383"),
        ("999-9999", 404, "「999-9999」という郵便番号はありません。番号を確かめてください。"),
    ],
)
def test_endpoint_says_what_is_wrong(db, code, status, error):
    response = Client().get(ja("postal"), {"code": code}, REMOTE_ADDR="10.61.0.2")
    assert response.status_code == status and response.json() == {"error": error}


def test_endpoint_in_english(db):
    good = Client().get("/en" + ja("postal"), {"code": "135-0041"}, REMOTE_ADDR="10.61.0.3").json()
    assert good["fill"]["address"]["town"] == "冬木"
    assert good["fill"]["address"]["message"] == (
        "Selected “冬木” as the town block. Now enter the block and house number and the building."
    )
    bad = Client().get("/en" + ja("postal"), {"code": "13500166"}, REMOTE_ADDR="10.61.0.3")
    assert bad.json()["error"] == (
        "Postal code has 8 digits: enter the 7 digits of the postal code, e.g. 135-8383."
    )


def test_endpoint_is_rate_limited_per_address(db, monkeypatch):
    monkeypatch.setattr(views, "POSTAL_LIMIT", 3)
    client = Client()
    # an address of its own: on Redis the count outlives a test
    for _ in range(3):
        assert client.get(ja("postal"), {"code": "135-0016"}, REMOTE_ADDR="10.61.7.1").status_code == 200
    limited = client.get(ja("postal"), {"code": "135-0016"}, REMOTE_ADDR="10.61.7.1")
    assert limited.status_code == 429 and limited["Retry-After"] == "600"
    assert "10分ほど待つか、住所を入力してください" in limited.json()["error"]
    assert client.get(ja("postal"), {"code": "135-0016"}, REMOTE_ADDR="10.61.7.2").status_code == 200


# --- the form page without the script ------------------------------------------------------------------


def test_button_without_script_fills_the_text_address_and_saves_nothing(tennyu):
    client = Client()
    url = first_page(client, tennyu)
    page = client.get(url).content.decode()
    assert 'name="_postal" value="zip"' in page and 'name="_postal" value="old_zip"' in page
    assert 'data-postal-target="id_old_address"' in page and 'data-postal-target="id_home_0"' in page
    assert 'role="status" aria-live="polite"' in page and "kotodx/js/postal.js" in page
    response = client.post(url, {"old_zip": "〒100 0001", "old_address": "", "_postal": "old_zip"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'value="東京都千代田区千代田"' in body  # the text question, still editable
    assert "住所を入力しました: 東京都千代田区千代田。続きを入力してください。" in body
    assert "入力内容に誤りがあります" not in body  # the other questions are not checked yet
    assert Submission.objects.get().answers == {}


def test_button_without_script_chooses_the_koto_town_block(tennyu):
    client = Client()
    url = first_page(client, tennyu)
    body = client.post(url, {"zip": "135-0041", "home_1": "1-2", "_postal": "zip"}).content.decode()
    assert '<option value="冬木" selected>冬木</option>' in body and 'value="1-2"' in body
    assert "町丁目に「冬木」を選びました。" in body
    body = client.post(url, {"zip": "135-0016", "home_0": "冬木", "_postal": "zip"}).content.decode()
    assert "selected>冬木" not in body  # not 135-0016's: taken back, the resident chooses the 丁目
    body = client.post(url, {"zip": "135-0016", "home_0": "東陽五丁目", "_postal": "zip"}).content.decode()
    assert '<option value="東陽五丁目" selected>' in body  # one of 135-0016's: kept


def test_button_without_script_with_a_bad_code_shows_the_error(tennyu):
    client = Client()
    url = first_page(client, tennyu)
    body = client.post(url, {"zip": "135-99999", "_postal": "zip"}).content.decode()
    assert "郵便番号の桁数が違います（8桁です）" in body
    body = client.post(url, {"zip": "999-9999", "_postal": "zip"}).content.decode()
    assert "「999-9999」という郵便番号はありません。番号を確かめてください。" in body


def test_sending_the_page_with_an_empty_linked_address_fills_it_and_shows_the_page_again(tennyu):
    client = Client()
    url = first_page(client, tennyu)
    sent = {"zip": "135-8383", "home_0": "", "home_1": "", "old_zip": "100-0001", "old_address": ""}
    response = client.post(url, sent)
    assert response.status_code == 200  # not moved on: the resident checks what was filled
    body = response.content.decode()
    assert '<option value="東陽四丁目" selected>' in body and 'value="11-28"' in body
    assert 'value="東京都千代田区千代田"' in body
    assert "入力内容に誤りがあります" not in body
    assert Submission.objects.get().answers == {}
    moved = client.post(
        url,
        {
            "zip": "135-8383",
            "home_0": "東陽四丁目",
            "home_1": "11-28",
            "old_zip": "100-0001",
            "old_address": "東京都千代田区千代田1-1",
        },
    )
    assert moved.status_code == 302 and moved["Location"].endswith("/contact/")
    answers = Submission.objects.get().answers
    assert answers["zip"] == "135-8383" and answers["home"] == {"town": "東陽四丁目", "detail": "11-28"}
    assert answers["old_address"] == "東京都千代田区千代田1-1"


def test_sending_the_page_with_an_unknown_code_is_refused(tennyu):
    client = Client()
    url = first_page(client, tennyu)
    body = client.post(
        url, {"zip": "999-9999", "home_0": "冬木", "home_1": "1-2", "old_address": "東京都千代田区千代田1"}
    ).content.decode()
    assert "入力内容に誤りがあります" in body
    assert "「999-9999」という郵便番号はありません。番号を確かめてください。" in body
    assert Submission.objects.get().answers == {}


def test_several_town_blocks_are_not_guessed(tennyu):
    client = Client()
    url = first_page(client, tennyu)
    body = client.post(url, {"zip": "135-0016", "old_address": "東京都千代田区千代田1"}).content.decode()
    assert "新しい住所の町丁目を選び、番地を入力してください。" in body  # still the resident's to choose
    assert "135-0016は江東区東陽です。町丁目を東陽一丁目〜東陽七丁目から選んでください。" in body
    assert "selected>東陽" not in body


def test_english_page_has_the_button_and_messages_in_english(tennyu):
    client = Client()
    url = first_page(client, tennyu, prefix="/en")
    assert url.startswith("/en/apply/")
    page = client.get(url).content.decode()
    assert "Find address" in page and 'data-postal-url="/en/apply/postal/"' in page
    assert "Looking up the address…" in page
    body = client.post(url, {"old_zip": "100-0001", "_postal": "old_zip"}).content.decode()
    assert "Address filled in: 東京都千代田区千代田. Complete the rest of the address." in body
    body = client.post(url, {"zip": "999-9999", "_postal": "zip"}).content.decode()
    assert '<span lang="ja">郵便番号</span>: there is no postal code 999-9999. Check the number.' in body


# --- the definition and the builder ----------------------------------------------------------------------


def _with(zip_spec, *more):
    fields = [{"id": "zip", "type": "postal_code", "label": "郵便番号", **zip_spec}, *more]
    return {"title": "t", "pages": [{"id": "p", "title": "p", "fields": fields}]}


@pytest.mark.parametrize(
    ("definition", "problem"),
    [
        (
            _with({"address_field": "nowhere"}),
            "address_field（住所を入れる質問）の「nowhere」はこのフォームにありません",
        ),
        (
            _with({"address_field": "mail"}, {"id": "mail", "type": "email", "label": "メール"}),
            "address_field の「mail」には住所を入れられません",
        ),
        (
            {
                "title": "t",
                "pages": [
                    {
                        "id": "p",
                        "title": "p",
                        "fields": [
                            {"id": "zip", "type": "postal_code", "label": "郵便番号", "address_field": "addr"}
                        ],
                    },
                    {"id": "q", "title": "q", "fields": [{"id": "addr", "type": "text", "label": "住所"}]},
                ],
            },
            "address_field の「addr」は同じページの質問にしてください",
        ),
        (
            _with(
                {"address_field": "item_addr"},
                {
                    "id": "items",
                    "type": "group",
                    "label": "送付先",
                    "fields": [{"id": "item_addr", "type": "text", "label": "住所"}],
                },
            ),
            "address_field の「item_addr」は繰り返しのまとまりの外の質問にしてください",
        ),
    ],
)
def test_definition_checks_the_link(definition, problem):
    with pytest.raises(DefinitionError) as exc:
        validate_definition(definition)
    assert any(problem in p for p in exc.value.problems), exc.value.problems


def test_link_inside_a_repeating_group_fills_the_same_item():
    definition = validate_definition(
        _with(
            {},
            {
                "id": "sends",
                "type": "group",
                "label": "送付先",
                "min_items": 2,
                "fields": [
                    {"id": "s_zip", "type": "postal_code", "label": "郵便番号", "address_field": "s_addr"},
                    {"id": "s_addr", "type": "textarea", "label": "住所"},
                ],
            },
        )
    )
    form = formdef.page_form(
        definition,
        "p",
        {},
        data={"sends__count": "2", "sends__1__s_zip": "135-0016", "_postal": "sends__1__s_zip"},
    )
    assert not form.is_valid() and not form.errors
    assert form.postal_links["sends__0__s_zip"] == ("sends__0__s_addr", "text")
    assert form["sends__1__s_addr"].value() == "東京都江東区東陽"
    assert not form["sends__0__s_addr"].value()


def test_builder_links_a_postal_code_to_an_address_question(personas, tennyu):
    client = client_for(personas.clerk_a)
    edit = reverse("eapply:staff_field", args=["tennyu", "old_zip"])
    form = client.get(edit).content.decode()
    assert "「住所を検索」で住所を入れる質問" in form
    assert '<option value="home">新しい住所（江東区内の住所（町丁目＋番地））</option>' in form
    assert '<option value="old_address" selected>前の住所（1行のテキスト）</option>' in form
    assert 'value="email"' not in form  # another page: not offered
    client.post(edit, {"label": "前の住所の郵便番号", "address_field": ""})
    draft = tennyu.versions.get(status=FormVersion.Status.DRAFT)
    assert "address_field" not in draft.definition["pages"][0]["fields"][2]
    client.post(edit, {"label": "前の住所の郵便番号", "address_field": "home"})
    draft.refresh_from_db()
    assert draft.definition["pages"][0]["fields"][2]["address_field"] == "home"
    assert (
        "住所を検索 → home" in client.get(reverse("eapply:staff_builder", args=["tennyu"])).content.decode()
    )
