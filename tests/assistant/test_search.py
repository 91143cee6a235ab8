"""Ask the ward: ranking, readings, kana typos, synonyms, English, masking and the questions it must
not pretend to answer — on a small index built in the test, so each rule is seen on its own."""

from __future__ import annotations

from collections import Counter

import pytest
from django.core.exceptions import ValidationError

from kotodx.assistant import search, services
from kotodx.assistant.models import Faq, Question, Synonym
from kotodx.core import textsearch


def _doc(kind: str, title: str, body: str = "") -> search.Doc:
    title_terms = textsearch.ranking_terms(title)
    terms = Counter(title_terms * search.TITLE_WEIGHT)
    terms.update(textsearch.ranking_terms(body))
    return search.Doc(
        kind,
        title,
        title,
        f"/{kind}/{title}",
        body,
        "テスト課",
        terms,
        frozenset(title_terms),
        sum(terms.values()),
    )


DOCS = [
    _doc("procedure", "転入届", "江東区に引っ越してきたときの届出です。前の住所の転出証明書が必要です。"),
    _doc("procedure", "転出届", "江東区から区外へ引っ越すときの届出です。"),
    _doc("procedure", "住民票の写し交付請求", "住民票の写しを請求します。手数料は1通300円です。"),
    _doc(
        "faq",
        "粗大ごみはどうやって出せばよいですか",
        "粗大ごみは事前の申込みが必要です。処理券を貼って出します。",
    ),
    _doc("faq", "出生届はいつまでに出せばよいですか", "生まれた日から14日以内に出してください。"),
    _doc("faq", "児童手当の申請", "お子さんが生まれたら15日以内に申請してください。"),
    _doc("dataset", "AED設置箇所一覧", "区内のAEDの場所です。"),
    _doc("layer", "指定緊急避難場所", "災害時の避難場所の地図です。"),
    _doc("faq", "外国人住民の住所変更", "在留カードを持って届け出てください。"),
    _doc("faq", "国民健康保険の加入", "会社を辞めたときは14日以内に国民健康保険に加入してください。"),
]
SYNONYMS = [
    ("引っ越し", ["転入届", "転出届", "転居届"]),
    ("赤ちゃんが生まれた", ["出生届", "児童手当"]),
    ("ごみ", ["粗大ごみ", "資源ごみ"]),
    ("dog", ["犬の登録"]),
    ("residence certificate", ["住民票の写し"]),
]


@pytest.fixture(scope="module")
def index() -> search.Index:
    return search.Index(DOCS, SYNONYMS)


def titles(index: search.Index, question: str) -> list[str]:
    return [a.title for a in index.search(question).answers]


@pytest.mark.parametrize("question", ["引っ越し", "引越", "ひっこし"])
def test_spellings_of_one_word_meet(index, question):
    # 引っ越し / 引越 / ひっこし: normalized form and reading; the synonym then adds 転入届・転出届.
    assert set(titles(index, question)[:2]) == {"転入届", "転出届"}


def test_kana_that_sudachi_cannot_cut_is_matched_against_readings(index):
    result = index.search("じゅうみんひょうがほしい")
    assert result.answers[0].title == "住民票の写し交付請求"
    assert "ジュウミンヒョウ" in result.answers[0].why


def test_a_kana_typo_one_off_still_finds_the_word(index):
    assert titles(index, "じゅうみんひょ")[0] == "住民票の写し交付請求"
    assert titles(index, "そだいごみ")[0] == "粗大ごみはどうやって出せばよいですか"


def test_a_life_event_phrase_fires_its_synonyms_and_says_so(index):
    result = index.search("赤ちゃんが生まれました")
    assert {a.title for a in result.answers[:2]} == {"出生届はいつまでに出せばよいですか", "児童手当の申請"}
    assert any("赤ちゃんが生まれた" in note for note in result.notes)
    assert "「赤ちゃんが生まれた」から" in result.answers[0].why
    assert result.answered


def test_a_word_inside_a_compound_does_not_fire_a_synonym(index):
    # 粗大ごみ must not fire the entry for ごみ (its expansions would crowd out the exact answer).
    assert not any("「ごみ」" in note for note in index.search("粗大ごみ").notes)
    assert any("「ごみ」" in note for note in index.search("ごみを出したい").notes)


def test_english_goes_through_the_dictionary(index):
    assert titles(index, "How do I get a residence certificate?")[0] == "住民票の写し交付請求"
    assert titles(index, "AED")[0] == "AED設置箇所一覧"


def test_each_answer_says_why(index):
    answer = index.search("転入届の書類").answers[0]
    assert answer.title == "転入届"
    assert "タイトルに「転入届」" in answer.why
    assert answer.as_json().keys() == {"kind", "title", "url", "score", "why"}


@pytest.mark.parametrize(
    "question",
    ["宇宙人はいますか", "今日の天気は？", "こんにちは", "🙂🙂🙂", "Привет, как дела?", "？？？", "123456"],
)
def test_questions_it_cannot_answer_are_not_called_answered(index, question):
    # 宇宙人 shares 人 with 外国人住民: a match on a common word alone is not an answer.
    assert not index.search(question).answered


def test_a_very_long_question_is_cut_and_the_resident_told(index):
    result = index.search("粗大ごみを出したい。" + "あ" * 10_000)
    assert result.answers[0].title.startswith("粗大ごみ")
    assert any("最初の300文字" in n for n in result.notes)


def test_language():
    assert search.language("粗大ごみ") == "ja"
    assert search.language("How do I move?") == "en"
    assert search.language("Привет") == "other"
    assert search.language("🙂") == ""


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("電話は090-1234-5678です", "電話は［電話］です"),
        ("０３－３６４７－９１１１に", "［電話］に"),
        ("mail: taro.koto@example.jp まで", "mail: ［メール］ まで"),
        ("番号 1234 5678 9012 を", "番号 ［番号］ を"),
        ("マイナンバー123456789012", "マイナンバー［番号］"),
        ("粗大ごみ 3点", "粗大ごみ 3点"),
    ],
)
def test_personal_data_is_masked_before_it_is_kept(typed, kept):
    assert search.mask(typed) == kept


@pytest.mark.django_db
def test_asking_records_the_masked_question_and_whether_it_was_answered(personas):
    faq = Faq.objects.create(
        question="粗大ごみの出し方", answer="申込みが必要です。", department=personas.dept_a
    )
    Synonym.objects.create(term="ごみ", expansions="粗大ごみ")
    result = services.ask("粗大ごみを出したい 090-1234-5678")
    assert result.answered and result.answers[0].url == f"/ask/faq/{faq.pk}/"
    services.ask("宇宙人に会いたい taro@example.jp")
    kept = list(Question.objects.order_by("asked_at").values_list("text", "status"))
    assert kept == [("粗大ごみを出したい ［電話］", "answered"), ("宇宙人に会いたい ［メール］", "open")]
    with pytest.raises(ValidationError):
        services.ask("   ")
    services.ask("粗大ごみ", record=False)
    assert Question.objects.count() == 2


@pytest.mark.django_db
def test_the_index_follows_edits_to_the_faq(personas):
    assert not services.ask("図書館カード", record=False).answers
    faq = Faq.objects.create(
        question="図書館カードの作り方", answer="窓口で作れます。", department=personas.dept_a
    )
    assert services.ask("図書館カード", record=False).answers[0].title == faq.question
    faq.is_public = False
    faq.save()
    assert not services.ask("図書館カード", record=False).answers
