"""Japanese full-text matching for the whole platform (open data catalog, procedure catalog, FAQ).

A document is reduced to a set of terms with index_terms(); a query is reduced to a list of words with
query_words(), each word being a set of alternative spellings. matches() is an AND over the words and an
OR over each word's alternatives:

    terms = index_terms("保育園一覧")
    matches(query_words("保育"), terms)        # True: split mode A indexes 保育 / 園
    matches(query_words("ほいくえん"), terms)  # True: readings are indexed in katakana
    matches(query_words("保育 トイレ"), terms)  # False: every word must be found

Spelling variants are joined by NFKC plus Sudachi's normalized_form (引越 → 引っ越し, ＡＥＤ → AED) and a
small map of old/variant kanji used in names (髙橋 → 高橋). There is no synonym dictionary: wi-fi does
not find 無線LAN.
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
from collections.abc import Set as AbstractSet

from sudachipy import Dictionary, Morpheme, SplitMode, Tokenizer

__all__ = [
    "catalog_terms",
    "index_terms",
    "is_kana",
    "matches",
    "normalize",
    "query_words",
    "ranking_terms",
    "ranking_words",
    "to_katakana",
]

# Only characters whose modern form is what people type today; both documents and queries go through
# this, so a mapping can never make two spellings stop matching, only start.
_VARIANT_KANJI = str.maketrans(
    {
        "髙": "高",
        "﨑": "崎",
        "嵜": "崎",
        "𠮷": "吉",
        "邊": "辺",
        "邉": "辺",
        "齋": "斎",
        "齊": "斎",
        "國": "国",
        "櫻": "桜",
        "澤": "沢",
        "濱": "浜",
        "廣": "広",
        "嶋": "島",
        "德": "徳",
        "惠": "恵",
        "榮": "栄",
        "實": "実",
        "壽": "寿",
        "眞": "真",
        "黑": "黒",
        "冨": "富",
        "區": "区",
        "縣": "県",
        "會": "会",
        "學": "学",
        "廳": "庁",
    }
)
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_WHITESPACE = re.compile(r"\s+")
# ぁ..ゖ and the iteration marks ゝゞ sit exactly 0x60 below their katakana counterparts.
_HIRAGANA_TO_KATAKANA = {code: code + 0x60 for code in [*range(0x3041, 0x3097), 0x309D, 0x309E]}

# Sudachi refuses input over 49149 bytes; 8000 characters stay below that even at 4 bytes a character.
_MAX_CHUNK_CHARS = 8000
_CHUNK_BREAKS = ("。", "．", ". ", "！", "？", "! ", "? ", " ", "、", ",")
# Long phrase readings only serve a query that retypes a whole sentence in kana, and would make
# oversized terms for whatever stores them (a PostgreSQL btree entry must stay under ~2.7 kB).
_MAX_PHRASE_READING = 64

_NEVER_INDEXED_POS = frozenset({"補助記号", "空白"})
_FUNCTION_WORD_POS = frozenset({"助詞", "助動詞"})

_dictionary: Dictionary | None = None
_dictionary_lock = threading.Lock()
# A sudachipy Tokenizer raises if two threads use it at once; the Dictionary behind it can be shared.
_local = threading.local()


def normalize(text: str) -> str:
    """NFKC, old/variant kanji to the common form, ASCII lower-cased, whitespace collapsed."""
    return _fold(text).translate(_ASCII_LOWER)


def to_katakana(text: str) -> str:
    """Hiragana to katakana; every other character is left alone."""
    return text.translate(_HIRAGANA_TO_KATAKANA)


@functools.lru_cache(maxsize=2048)
def catalog_terms(text: str) -> frozenset[str]:
    """index_terms() of a text searched again and again, kept for the last 2,048 texts: the procedure
    catalog's search analyses the same few hundred short texts on every query (an edited text is a new
    key). Not for one-off or long texts (the open-data index): they would push these out."""
    return frozenset(index_terms(text))


def index_terms(text: str) -> set[str]:
    """Every term under which a document containing ``text`` should be found."""
    terms: set[str] = set()
    whole_reading: list[str] = []
    for chunk in _chunks(_fold(text)):
        # Mode C keeps compounds (保育園) whole, mode A cuts them (保育 / 園): both are needed so that a
        # query for the compound or for a part of it finds the document.
        for morpheme in _tokenize(chunk, SplitMode.A):
            if _indexable(morpheme):
                terms.update(_alternatives(morpheme, with_reading=_has_japanese(morpheme.surface())))
        run: list[Morpheme] = []
        for morpheme in _tokenize(chunk, SplitMode.C):
            if _is_symbol(morpheme):
                _add_phrase_reading(terms, run)
                run = []
                continue
            whole_reading.append(_reading_or_surface(morpheme))
            if morpheme.part_of_speech()[0] in _FUNCTION_WORD_POS:
                _add_phrase_reading(terms, run)
                run = []
            else:
                run.append(morpheme)
            if _indexable(morpheme):
                terms.update(_alternatives(morpheme, with_reading=_has_japanese(morpheme.surface())))
        _add_phrase_reading(terms, run)
    reading = "".join(whole_reading)
    if _has_japanese(reading) and len(reading) <= _MAX_PHRASE_READING:
        terms.add(reading)
    return {term for term in terms if _is_term(term)}


def query_words(query: str) -> list[set[str]]:
    """The words of a search query, each as the set of terms any one of which satisfies it.

    Particles, auxiliaries and symbols are dropped; a query with nothing else gives [].
    """
    words: list[set[str]] = []
    for chunk in _fold(query).split(" "):
        if not chunk:
            continue
        # A kana chunk is often a compound Sudachi cannot cut (ほいくえん → ほいく / えん); its whole
        # katakana form can still equal an indexed reading, which then satisfies every word of the chunk.
        whole = to_katakana(chunk) if _is_kana(chunk) else None
        for chunk_part in _chunks(chunk):
            for morpheme in _tokenize(chunk_part, SplitMode.C):
                if _is_symbol(morpheme) or morpheme.part_of_speech()[0] in _FUNCTION_WORD_POS:
                    continue
                # Readings only stand in for words typed in kana: a kanji query has to keep its kanji,
                # otherwise 保険 would find every 保健 document (both ホケン).
                alternatives = _alternatives(morpheme, with_reading=_is_kana(morpheme.surface()))
                if whole is not None:
                    alternatives.add(whole)
                alternatives = {term for term in alternatives if _is_term(term)}
                if alternatives:
                    words.append(alternatives)
    return words


def ranking_terms(text: str) -> list[str]:
    """A document's terms for a ranking index (BM25), each repeated as often as its word occurs.

    Every content word gives its surface, its normalized form and, when Japanese, its reading; a compound
    (保育園) also gives its parts (保育, 園); a run of content words also gives its whole reading, so a
    question typed in kana (ほいくえんいちらん) can find it.
    """
    terms: list[str] = []
    for chunk in _chunks(_fold(text)):
        run: list[Morpheme] = []
        for morpheme in _tokenize(chunk, SplitMode.C):
            if _is_symbol(morpheme) or morpheme.part_of_speech()[0] in _FUNCTION_WORD_POS:
                _add_phrase_reading_term(terms, run)
                run = []
                continue
            run.append(morpheme)
            japanese = _has_japanese(morpheme.surface())
            terms.extend(_alternatives(morpheme, with_reading=japanese))
            parts = morpheme.split(SplitMode.A)
            if len(parts) > 1:
                for part in parts:
                    if _indexable(part):
                        terms.extend(_alternatives(part, with_reading=japanese))
        _add_phrase_reading_term(terms, run)
    return [term for term in terms if _is_term(term)]


def ranking_words(query: str) -> list[tuple[frozenset[str], float]]:
    """A question's words for ranking, each as (alternative spellings, weight).

    A whole word weighs 1; the parts of a compound weigh 0.5 each, so 子育て支援 also finds pages that
    only say 子育て. Readings stand in only for words typed in kana (保険 must not find 保健).
    """
    words: list[tuple[frozenset[str], float]] = []
    for chunk in _chunks(_fold(query)):
        for morpheme in _tokenize(chunk, SplitMode.C):
            if _is_symbol(morpheme) or morpheme.part_of_speech()[0] in _FUNCTION_WORD_POS:
                continue
            alternatives = {
                t for t in _alternatives(morpheme, with_reading=_is_kana(morpheme.surface())) if _is_term(t)
            }
            if alternatives:
                words.append((frozenset(alternatives), 1.0))
            parts = morpheme.split(SplitMode.A)
            if len(parts) > 1:
                for part in parts:
                    if _indexable(part):
                        alt = {
                            t
                            for t in _alternatives(part, with_reading=_is_kana(part.surface()))
                            if _is_term(t)
                        }
                        if alt:
                            words.append((frozenset(alt), 0.5))
    return words


def is_kana(text: str) -> bool:
    """True for a non-empty string of hiragana and katakana only (ー included, ・ not)."""
    return _is_kana(text)


def matches(words: list[set[str]], terms: AbstractSet[str]) -> bool:
    """True when every word has an alternative among ``terms``; a query without words matches nothing."""
    return bool(words) and all(not word.isdisjoint(terms) for word in words)


def _fold(text: str) -> str:
    # Everything normalize() does except lower-casing: Sudachi analyses ASCII better in its original
    # case, so the tokenizer is fed this and each resulting term is lower-cased afterwards.
    text = unicodedata.normalize("NFKC", text).translate(_VARIANT_KANJI)
    return _WHITESPACE.sub(" ", text).strip()


def _tokenizer() -> Tokenizer:
    global _dictionary
    tokenizer: Tokenizer | None = getattr(_local, "tokenizer", None)
    if tokenizer is None:
        with _dictionary_lock:
            if _dictionary is None:
                _dictionary = Dictionary(dict="core")
            tokenizer = _local.tokenizer = _dictionary.tokenizer()
    return tokenizer


def _tokenize(text: str, mode: SplitMode) -> list[Morpheme]:
    return list(_tokenizer().tokenize(text, mode))


def _chunks(text: str) -> list[str]:
    chunks: list[str] = []
    while len(text) > _MAX_CHUNK_CHARS:
        window = text[:_MAX_CHUNK_CHARS]
        cut = max(window.rfind(mark) + len(mark) for mark in _CHUNK_BREAKS)
        if cut <= 0:
            cut = _MAX_CHUNK_CHARS
        chunks.append(text[:cut])
        text = text[cut:]
    if text:
        chunks.append(text)
    return chunks


def _alternatives(morpheme: Morpheme, *, with_reading: bool) -> set[str]:
    alternatives = {normalize(morpheme.surface()), normalize(morpheme.normalized_form())}
    if with_reading:
        reading = morpheme.reading_form()
        # Out-of-vocabulary words get their surface back as "reading"; that is not a reading.
        if _is_kana(reading):
            alternatives.add(to_katakana(reading))
    return alternatives


def _add_phrase_reading(terms: set[str], run: list[Morpheme]) -> None:
    # Single words already have their reading indexed; a run of several is a compound (保育園一覧) that a
    # kana query (ほいくえんいちらん) may type in one piece.
    if len(run) < 2 or not any(_has_japanese(m.surface()) for m in run):
        return
    reading = "".join(_reading_or_surface(m) for m in run)
    if len(reading) <= _MAX_PHRASE_READING:
        terms.add(reading)


def _add_phrase_reading_term(terms: list[str], run: list[Morpheme]) -> None:
    found: set[str] = set()
    _add_phrase_reading(found, run)
    terms.extend(found)


def _reading_or_surface(morpheme: Morpheme) -> str:
    reading = morpheme.reading_form()
    if not morpheme.is_oov() and _is_kana(reading):
        return to_katakana(reading)
    return normalize(morpheme.surface())


def _indexable(morpheme: Morpheme) -> bool:
    if _is_symbol(morpheme):
        return False
    return not (morpheme.part_of_speech()[0] in _FUNCTION_WORD_POS and len(morpheme.surface()) == 1)


def _is_symbol(morpheme: Morpheme) -> bool:
    return morpheme.part_of_speech()[0] in _NEVER_INDEXED_POS or not _is_term(morpheme.surface())


def _is_term(text: str) -> bool:
    # Anything with at least one letter, digit or mark; pure punctuation, symbols and spaces are noise.
    return any(unicodedata.category(char)[0] in "LMN" for char in text)


def _has_japanese(text: str) -> bool:
    for char in text:
        code = ord(char)
        if 0x3041 <= code <= 0x30FF or 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF:
            return True
        if char in "々〆ヶ" or 0xF900 <= code <= 0xFAFF or 0x20000 <= code <= 0x3134F:
            return True
    return False


def _is_kana(text: str) -> bool:
    # ー and the iteration marks belong to kana words; ・ does not make a word kana.
    return bool(text) and all(0x3041 <= ord(char) <= 0x30FF and char != "・" for char in text)
