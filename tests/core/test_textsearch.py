import concurrent.futures

import pytest

from kotodx.core.textsearch import index_terms, matches, normalize, query_words, to_katakana


def found(query: str, document: str) -> bool:
    return matches(query_words(query), index_terms(document))


@pytest.mark.parametrize(
    "query", ["保育", "保育園", "ほいくえん", "ホイクエン", "ﾎｲｸｴﾝ", "一覧", "ほいくえんいちらん"]
)
def test_nursery_list_is_found(query):
    assert found(query, "保育園一覧")


@pytest.mark.parametrize("query", ["幼稚園", "介護", "保育 トイレ"])
def test_nursery_list_is_not_found_by_other_words(query):
    assert not found(query, "保育園一覧")


@pytest.mark.parametrize(
    ("query", "document"),
    [
        ("引っ越し", "引越し手続き"),
        ("引越", "引越し手続き"),
        ("申し込み", "申込書"),
        ("ＡＥＤ", "AED設置箇所一覧"),
        ("aed", "AED設置箇所一覧"),
        ("AED", "AED設置箇所一覧"),
        ("避難場所", "指定緊急避難場所"),
        ("避難", "指定緊急避難場所"),
        ("無線LAN", "公衆無線LANアクセスポイント一覧"),
        ("無線lan", "公衆無線LANアクセスポイント一覧"),
        ("高橋", "髙橋"),
        ("斎藤", "齋藤"),
        ("髙橋", "高橋"),
        ("渡辺", "渡邊"),
    ],
)
def test_spelling_variants_are_found(query, document):
    assert found(query, document)


def test_no_synonyms():
    assert not found("wi-fi", "公衆無線LANアクセスポイント一覧")


def test_a_kanji_query_does_not_match_homophones():
    # 保険 and 保健 are both ホケン; only a kana query may fall back on the reading.
    assert found("保険", "国民健康保険")
    assert not found("保険", "保健所")
    assert found("ほけん", "保健所")


def test_every_word_must_be_found():
    assert found("保育 一覧", "保育園一覧")
    assert not found("保育 トイレ", "保育園一覧")
    assert query_words("保育　一覧") == query_words("保育 一覧")
    assert found("保育　一覧", "保育園一覧")
    assert not found("保育　トイレ", "保育園一覧")
    assert len(query_words("保育 一覧")) == 2


@pytest.mark.parametrize("query", ["", "   ", "、。！", "　", "・・・"])
def test_query_without_words(query):
    assert query_words(query) == []
    assert not matches(query_words(query), index_terms("保育園一覧"))


def test_particles_are_not_query_words():
    assert query_words("保育園の一覧") == query_words("保育園 一覧")


@pytest.mark.parametrize(
    "text",
    [
        "保育園一覧",
        "保育園の一覧（令和6年度）です。",
        "【お知らせ】 ＡＥＤの設置場所が変わりました！！ 詳細は→こちら https://example.jp/aed?x=1",
        "、。！？「」・…　 \n\t",
        "",
        "髙橋さんと齋藤さんは、江東區の櫻並木へ行った。",
    ],
)
def test_index_terms_are_never_blank_or_punctuation(text):
    for term in index_terms(text):
        assert term.strip()
        assert term == term.strip()
        assert any(ch.isalnum() for ch in term), term
        assert term not in {"の", "は", "を", "が", "に", "と"}


def test_index_terms_contain_both_split_modes_and_readings():
    terms = index_terms("保育園一覧")
    assert {"保育園", "保育", "園", "一覧", "ホイクエン", "ホイク", "ホイクエンイチラン"} <= terms


def test_long_text_is_indexed_past_the_tokenizer_input_limit():
    # Sudachi rejects input over 49149 bytes; the index must still reach the end of the text.
    text = "保育園の一覧です。" * 3000 + "介護保険"
    terms = index_terms(text)
    assert {"保育園", "介護", "保険"} <= terms
    assert all(len(term) < 100 for term in terms)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ＡＢＣ　ｄｅｆ", "abc def"),
        ("  保育園\n\t一覧  ", "保育園 一覧"),
        ("ﾎｲｸｴﾝ", "ホイクエン"),
        ("ﾊﾟﾝﾌﾚｯﾄ", "パンフレット"),
        ("髙橋﨑邊邉齋齊國櫻澤濱", "高橋崎辺辺斎斎国桜沢浜"),
        ("Ωμέγα", "Ωμέγα"),
        ("①", "1"),
    ],
)
def test_normalize(text, expected):
    assert normalize(text) == expected


def test_to_katakana():
    assert to_katakana("ほいくえん") == "ホイクエン"
    assert to_katakana("ひっこし・ゝ") == "ヒッコシ・ヽ"
    assert to_katakana("保育えん ABC ー") == "保育エン ABC ー"


def test_index_terms_is_thread_safe():
    texts = [
        "保育園一覧",
        "引越し手続きのご案内",
        "AED設置箇所一覧（令和6年度）",
        "公衆無線LANアクセスポイント一覧",
        "髙橋さんと齋藤さんは指定緊急避難場所へ向かった。",
    ]
    calls = [texts[i % len(texts)] for i in range(800)]
    expected = [index_terms(text) for text in calls]
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(index_terms, calls, chunksize=1))
    assert results == expected
