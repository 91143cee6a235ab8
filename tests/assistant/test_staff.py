"""The assistant's staff side: who may do what (rule by rule), FAQ and synonym edits audited, open
questions closed, inquiries routed and corrected, the model retrained on the queue, bad input refused
with a Japanese message, and the plan hub's figures."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kotodx.assistant import routing, selectors, services
from kotodx.assistant.models import Faq, Question, RoutingModel, Synonym
from kotodx.core.fiscal import FiscalYear
from kotodx.core.models import AuditEntry
from kotodx.plan import metrics
from tests.conftest import check_access, client_for

TRAINING = (
    [(f"保育園の入園申込{n}について教えてください", "kosodate") for n in range(4)]
    + [(f"避難所の場所{n}はどこですか", "bosai") for n in range(4)]
    + [(f"防災訓練{n}の日程を知りたい", "bosai") for n in range(2)]
    + [(f"児童手当{n}の振込日はいつですか", "kosodate") for n in range(2)]
)


@pytest.fixture
def trained(personas) -> RoutingModel:
    csv = "text,department\n" + "\n".join(f"{t},{d}" for t, d in TRAINING)
    services.training_import(data=csv.encode(), actor=None)
    return services.retrain()


@pytest.fixture
def faq(personas) -> Faq:
    return services.faq_save(
        faq=None,
        data={"question": "保育園の申込時期", "answer": "11月です。", "department": personas.dept_a},
        actor=None,
    )


def test_staff_pages_by_role(personas, faq, trained):
    inquiry = services.inquiry_receive(text="避難所はどこ", source="email", actor=None)
    for url, rules in {
        "/staff/assistant/": {
            "anonymous": 302,
            "it_officer": 200,
            "clerk_a": 200,
            "auditor": 200,
            "committee": 403,
        },
        "/staff/assistant/faq/": {"clerk_b": 200, "auditor": 200, "subcommittee": 403},
        "/staff/assistant/faq/new/": {"clerk_a": 200, "it_officer": 200, "auditor": 403, "committee": 403},
        f"/staff/assistant/faq/{faq.pk}/edit/": {"clerk_a": 200, "clerk_b": 404, "it_officer": 200},
        "/staff/assistant/synonyms/": {"clerk_a": 200, "auditor": 200, "committee": 403},
        "/staff/assistant/inquiries/": {"it_officer": 200, "clerk_b": 200, "auditor": 200, "admin": 403},
        # routed to 防災課 (dept_b): its clerk sees it, another department's clerk does not
        f"/staff/assistant/inquiries/{inquiry.pk}/": {"clerk_b": 200, "clerk_a": 404, "auditor": 200},
        "/staff/assistant/ocr/": {"clerk_a": 200, "auditor": 200, "committee": 403, "anonymous": 302},
    }.items():
        check_access(url, rules, personas)
    check_access(
        "/staff/assistant/inquiries/retrain/", {"clerk_a": 403, "auditor": 403}, personas, method="post"
    )
    check_access(
        f"/staff/assistant/faq/{faq.pk}/delete/", {"clerk_b": 404, "auditor": 403}, personas, method="post"
    )


def test_reading_an_inquiry_is_audited(personas, trained):
    inquiry = services.inquiry_receive(text="避難所の場所を教えて 090-1111-2222", source="email", actor=None)
    assert client_for(personas.clerk_b).get(f"/staff/assistant/inquiries/{inquiry.pk}/").status_code == 200
    assert AuditEntry.objects.filter(
        action="view", actor=personas.clerk_b, target_id=str(inquiry.pk)
    ).exists()


def test_a_clerk_edits_only_their_departments_faq(personas, faq):
    data = {"question": "保育園の申込時期は", "answer": "毎年11月です。", "department": personas.dept_a}
    with pytest.raises(PermissionDenied):
        services.faq_save(faq=faq, data=data, actor=personas.clerk_b)
    with pytest.raises(PermissionDenied):
        services.faq_save(faq=None, data={**data, "department": personas.dept_a}, actor=personas.clerk_b)
    services.faq_save(faq=faq, data=data, actor=personas.clerk_a)
    entry = AuditEntry.objects.filter(action="update", target_id=str(faq.pk)).latest("at")
    assert entry.before["question"] == "保育園の申込時期" and entry.after["question"] == "保育園の申込時期は"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"question": "", "answer": "a"}, "question", "質問を入力してください。"),
        ({"question": "あ" * 201, "answer": "a"}, "question", "200文字以内"),
        ({"question": "質問", "answer": "  "}, "answer", "回答を入力してください。"),
    ],
)
def test_bad_faq_input_is_named(personas, data, field, message):
    with pytest.raises(ValidationError) as exc:
        services.faq_save(faq=None, data={**data, "department": personas.dept_a}, actor=personas.clerk_a)
    assert message in " ".join(exc.value.message_dict[field])


def test_faq_form_posts_and_closes_the_open_question(personas):
    question = Question.objects.create(text="保育園の見学はできますか", status=Question.Status.OPEN)
    client = client_for(personas.clerk_a)
    page = client.get(f"/staff/assistant/faq/new/?question={question.pk}")
    assert "保育園の見学はできますか" in page.content.decode()
    assert client.get("/staff/assistant/faq/new/?question=abc").status_code == 200  # not a number: ignored
    response = client.post(
        "/staff/assistant/faq/new/",
        {
            "question": "保育園の見学はできますか",
            "answer": "各園に電話で予約してください。",
            "department": personas.dept_a.pk,
            "is_public": "on",
            "from_question": question.pk,
        },
    )
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.status == Question.Status.RESOLVED and question.faq.answer.startswith("各園")
    # Empty form: the Japanese message, not a 500.
    bad = client.post(
        "/staff/assistant/faq/new/", {"question": "", "answer": "", "department": personas.dept_a.pk}
    )
    assert bad.status_code == 200 and "質問" in bad.content.decode()


def test_synonyms_are_edited_and_refused_when_bad(personas):
    client = client_for(personas.it_officer)
    assert (
        client.post(
            "/staff/assistant/synonyms/", {"term": "ハンコ", "expansions": "印鑑登録、実印"}
        ).status_code
        == 302
    )
    assert Synonym.objects.get(term="ハンコ").expansions == "印鑑登録 実印"
    assert services.ask("ハンコを登録したい", record=False).notes == [
        "「ハンコ」を「印鑑登録・実印」としても探しました。"
    ]
    assert (
        client.post("/staff/assistant/synonyms/", {"term": "ハンコ", "expansions": "印鑑登録"}).status_code
        == 302
    )
    assert Synonym.objects.get(term="ハンコ").expansions == "印鑑登録"
    empty = client.post("/staff/assistant/synonyms/", {"term": "ハンコ2", "expansions": "、、"})
    assert "言い換える語を1つ以上入力してください。" in empty.content.decode()
    assert client.post("/staff/assistant/synonyms/", {"delete": "x"}).status_code == 404
    synonym = Synonym.objects.get(term="ハンコ")
    assert client.post("/staff/assistant/synonyms/", {"delete": synonym.pk}).status_code == 302
    assert not Synonym.objects.exists()
    assert (
        client_for(personas.auditor)
        .post("/staff/assistant/synonyms/", {"term": "x", "expansions": "y"})
        .status_code
        == 403
    )


def test_routing_and_correction_become_training_data(personas, trained):
    assert trained.samples == len(TRAINING) and 0 < trained.accuracy <= 1
    assert trained.labels == ["bosai", "kosodate"] and sum(map(sum, trained.confusion)) == len(TRAINING)
    inquiry = services.inquiry_receive(
        text="保育園に入りたいのですが申込はいつですか", source="form", actor=None
    )
    assert inquiry.department == personas.dept_a and inquiry.confidence > 0.5
    assert [t["code"] for t in inquiry.top3] == ["kosodate", "bosai"]
    with pytest.raises(PermissionDenied):
        services.inquiry_correct(inquiry=inquiry, department=personas.dept_b, actor=personas.clerk_b)
    services.inquiry_correct(inquiry=inquiry, department=personas.dept_b, actor=personas.clerk_a)
    inquiry.refresh_from_db()
    assert inquiry.corrected and inquiry.department == personas.dept_b
    assert (inquiry.text, "bosai") in services.training_rows()
    assert selectors.routing_accuracy(FiscalYear.current()) == 0  # the one routed inquiry was corrected


def test_retraining_runs_as_a_job_and_replaces_the_model(
    personas, trained, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(personas.it_officer).post("/staff/assistant/inquiries/retrain/")
    assert response.status_code == 302
    assert RoutingModel.objects.filter(active=True).count() == 1
    assert RoutingModel.objects.get(active=True).pk != trained.pk


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "問い合わせの本文を入力してください。"), ("あ" * 20_001, "20,000文字以内")],
)
def test_bad_inquiries_are_refused(personas, trained, text, message):
    with pytest.raises(ValidationError) as exc:
        services.inquiry_receive(text=text, source="email", actor=None)
    assert message in " ".join(exc.value.messages)


def test_routing_without_a_model_says_how_to_make_one(personas):
    with pytest.raises(ValidationError) as exc:
        services.inquiry_receive(text="道路に穴", source="email", actor=None)
    assert "学習し直す" in exc.value.messages[0]


@pytest.mark.parametrize(
    ("csv", "message"),
    [
        (b"question,label\na,b\n", "text,department"),
        ("text,department\n道路に穴,nosuch\n".encode(), "部署コードがありません: nosuch"),
        ("text,department\n道路,bosai\n".encode("cp932"), "UTF-8"),
    ],
)
def test_bad_training_files_are_named(personas, csv, message):
    with pytest.raises(ValidationError) as exc:
        services.training_import(data=csv, actor=None)
    assert message in " ".join(exc.value.messages)
    response = client_for(personas.it_officer).post(
        "/staff/assistant/inquiries/import/", {"file": io.BytesIO(csv)}, follow=True
    )
    assert message in response.content.decode()


def test_too_few_examples_of_a_department_is_refused():
    with pytest.raises(ValueError, match="3件未満"):
        routing.train(["a", "b", "c", "d"], ["x", "x", "x", "y"])


def test_the_plan_hub_reads_the_figures(personas, faq):
    fy = FiscalYear.current()
    assert metrics.value("assistant.answered_share", fy) is None
    services.ask("保育園の申込時期")
    services.ask("宇宙人に会いたい")
    assert metrics.value("assistant.questions", fy) == 2
    assert metrics.value("assistant.answered_share", fy) == 50
    assert metrics.value("assistant.ocr_forms", fy) == 0


def test_public_ask_page_and_bad_questions(personas, faq):
    client = client_for(None)
    page = client.get("/ask/", {"q": "保育園の申込時期はいつ"}).content.decode()
    assert "保育園の申込時期" in page and "この答えの理由" in page
    assert "質問を入力してください。" in client.get("/ask/", {"q": "  "}).content.decode()
    long = client.get("/ask/", {"q": "保育園 " + "あ" * 9_990})
    assert long.status_code == 200 and "最初の300文字" in long.content.decode()
    too_long = client.get("/ask/", {"q": "あ" * 10_001})
    assert too_long.status_code == 200 and "10,000文字以内" in too_long.content.decode()
    for q in ("🙂🙂", "Привет", "<script>alert(1)</script>"):
        body = client.get("/ask/", {"q": q}).content.decode()
        assert "03-3647-9111" in body and "<script>alert" not in body
    assert client.get(f"/ask/faq/{faq.pk}/").status_code == 200
    faq.is_public = False
    faq.save()
    assert client.get(f"/ask/faq/{faq.pk}/").status_code == 404


def test_the_json_api_answers_residents_and_routes_for_staff(personas, faq, trained, settings):
    client = client_for(None)
    body = client.get("/api/assistant/ask", {"q": "保育園の申込時期"}).json()
    assert body["answered"] and body["answers"][0]["title"] == "保育園の申込時期"
    assert set(body["answers"][0]) == {"kind", "title", "url", "score", "why"}
    assert client.get("/api/assistant/ask", {"q": " "}).status_code == 422  # the schema asks for a letter
    assert client.get("/api/assistant/ask").status_code == 422
    assert client.get("/api/assistant/route", {"text": "避難所"}).status_code == 401
    assert client_for(personas.committee).get("/api/assistant/route", {"text": "避難所"}).status_code == 403
    ranked = client_for(personas.it_officer).get("/api/assistant/route", {"text": "避難所はどこ"}).json()
    assert ranked[0]["department"] == "bosai" and 0 < ranked[0]["confidence"] <= 1


def test_asking_is_rate_limited_per_address_on_the_page_and_the_api(personas, settings):
    from django.core.cache import cache

    cache.delete("ratelimit:assistant-ask:10.9.9.9")
    settings.ASSISTANT_ASK_LIMIT = 3
    client = client_for(None)
    for _ in range(2):
        assert client.get("/ask/", {"q": "ごみ"}, REMOTE_ADDR="10.9.9.9").status_code == 200
    assert client.get("/api/assistant/ask", {"q": "ごみ"}, REMOTE_ADDR="10.9.9.9").status_code == 200
    page = client.get("/ask/", {"q": "ごみ"}, REMOTE_ADDR="10.9.9.9")
    assert page.status_code == 429 and page["Retry-After"] == "600" and "10分ほど" in page.content.decode()
    assert client.get("/api/assistant/ask", {"q": "ごみ"}, REMOTE_ADDR="10.9.9.9").status_code == 429
    assert client.get("/ask/", {"q": "ごみ"}, REMOTE_ADDR="10.9.9.10").status_code == 200
    assert client.get("/ask/", REMOTE_ADDR="10.9.9.9").status_code == 200  # the empty form is not counted
    cache.delete("ratelimit:assistant-ask:10.9.9.9")


def test_staff_home_lists_what_waits_for_the_assistants_staff(personas):
    Question.objects.create(text="区のプールの水温", status=Question.Status.OPEN)
    home = client_for(personas.clerk_a).get("/staff/").content.decode()
    assert "答えられなかった区民の質問が 1 件" in home
    assert "答えられなかった" not in client_for(personas.committee).get("/staff/").content.decode()
