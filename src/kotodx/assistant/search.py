"""Ask the ward: a resident's question → the best procedures, FAQ answers, open datasets and map layers.

Retrieval is Okapi BM25 over SudachiPy terms (core.textsearch: normalized forms and readings, so
引っ越し / 引越 / ひっこし meet), with three additions a ward's questions need:

- the synonym dictionary staff edit: a question that says 赤ちゃんが生まれた is also searched for
  出生届 and 児童手当 (an entry fires when every content word of its phrase is in the question, or the
  phrase itself is);
- kana that Sudachi cannot cut (じゅうみんひょうがほしい) is matched against the readings of the indexed
  words, longest first, and a reading one kana off (じゅうみんひょ) still counts, at a lower weight;
- English questions go through the same dictionary (moving → 転入届 …), after English stop words.

Titles weigh three times the body. Each answer says why it matched. The index is built from the database
and rebuilt when any source changes (a cheap fingerprint query per question).
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max
from django.urls import reverse
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from kotodx.core import textsearch

K1 = 1.2
B = 0.75
TITLE_WEIGHT = 3
SYNONYM_WEIGHT = 0.5
FUZZY_WEIGHT = 0.7
KANA_READING_MIN = 3
# The best answer must match words carrying at least this share of the question's rarity (idf);
# otherwise it is not called an answer and the question waits for staff. A share, not a score, so it
# means the same on a catalog of ten pages and of ten thousand.
MIN_COVERAGE = 0.4
# A word no page uses counts as this many times the median rarity.
UNKNOWN_RARITY = 1.5
MAX_QUESTION_CHARS = 300

KIND_LABELS = {"procedure": "手続き", "faq": "よくある質問", "dataset": "オープンデータ", "layer": "地図"}


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that carry no topic in a question; dropped from the question (never from documents).
STOP_WORDS = _words(
    """
    する 為る ある 有る 在る いる 居る なる 成る できる 出来る れる られる ない 無い こと 事 もの 物
    よう 様 ため 為 どこ 何処 いつ 何時 なに 何 どう どの どれ どんな 誰 ください 下さる くださる 教える
    知る 知りたい 思う いう 言う 良い よい 方 かた 方法 場合 時 とき 私 僕 自分 今 今度 お願い 願う
    分かる わかる 欲しい ほしい 行く いく 来る くる 必要 必要だ 聞く 聞きたい 問い合わせ 質問 区 江東区
    こんにちは こんばんは すみません について 関する 〜 いい 大丈夫 おしえて 場所 方法
    """
)
ENGLISH_STOP_WORDS = _words(
    """
    a an the i me my we our you your he she it they them is are was were be been am do does did can
    could would should will shall may might must how what where when which who whom why to of in on at
    for from with by about as into get got want need please tell know there here this that these those
    have has had and or but if so not no yes any some ward koto city office hello hi
    """
)

_MASK_TOKEN = re.compile(r"［(メール|番号|電話)］")
_KANA_RUN = re.compile(r"[\u3041-\u3096\u30a1-\u30fa\u30fcー]{3,}")
_JAPANESE = re.compile(r"[\u3041-\u30ff\u3400-\u4dbf\u4e00-\u9fff々]")
_LATIN = re.compile(r"[A-Za-z]")
_MASKS = (
    (re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"), "［メール］"),
    (re.compile(r"(?<!\d)\d{4}[ -]?\d{4}[ -]?\d{4}(?!\d)"), "［番号］"),
    (re.compile(r"(?<!\d)0\d{1,4}[ -]?\d{1,4}[ -]?\d{3,4}(?!\d)"), "［電話］"),
    (re.compile(r"(?<!\d)\d{10,}(?!\d)"), "［番号］"),
)


def mask(text: str) -> str:
    """The question as it may be kept: phone numbers, e-mail addresses and 12-digit numbers hidden."""
    text = unicodedata.normalize("NFKC", text)
    for pattern, replacement in _MASKS:
        text = pattern.sub(replacement, text)
    return text


def language(text: str) -> str:
    if _JAPANESE.search(text):
        return "ja"
    letters = [c for c in text if c.isalpha()]
    if letters and sum(1 for c in letters if _LATIN.match(c)) / len(letters) > 0.8:
        return "en"
    return "other" if letters else ""


@dataclass
class Doc:
    kind: str
    key: str
    title: str
    url: str
    summary: str
    department: str
    terms: Counter[str]
    title_terms: frozenset[str]
    length: int


@dataclass
class Answer:
    kind: str
    title: str
    url: str
    score: float
    why: str
    summary: str = ""
    department: str = ""

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "title": self.title, "url": self.url, "score": self.score, "why": self.why}


@dataclass
class Result:
    question: str
    language: str
    answers: list[Answer]
    answered: bool
    notes: list[str] = field(default_factory=list)


@dataclass(eq=False)
class _Word:
    alternatives: frozenset[str]
    weight: float
    label: str
    via: str = ""  # the synonym or the kana it came from
    kind: str = "word"  # word, part (of a compound), kana, synonym
    triggers: set[str] = field(default_factory=set)  # synonyms this word of the question fired


class Index:
    def __init__(self, docs: list[Doc], synonyms: list[tuple[str, list[str]]]):
        self.docs = docs
        self.avgdl = sum(d.length for d in docs) / len(docs) if docs else 1.0
        df: Counter[str] = Counter()
        for d in docs:
            df.update(d.terms.keys())
        n = len(docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        ranked = sorted(self.idf.values())
        self.unknown_idf = ranked[len(ranked) // 2] * UNKNOWN_RARITY if ranked else 1.0
        self.readings = {t for t in self.idf if textsearch.is_kana(t) and len(t) >= KANA_READING_MIN}
        self.readings_by_length: dict[int, list[str]] = {}
        for reading in sorted(self.readings):
            self.readings_by_length.setdefault(len(reading), []).append(reading)
        # term → [(document number, term frequency)]: a question scores only the documents it can match.
        self.postings: dict[str, list[tuple[int, int]]] = {}
        for i, d in enumerate(docs):
            for term, tf in d.terms.items():
                self.postings.setdefault(term, []).append((i, tf))
        self.synonyms = [_Synonym(term, _trigger(term), expansions) for term, expansions in synonyms]

    def words(self, question: str) -> tuple[list[_Word], list[str]]:
        """The weighted words to look for, and notes on how the question was read."""
        notes: list[str] = []
        words: list[_Word] = []
        lang = language(question)
        folded = textsearch.normalize(question)
        for alternatives, weight in textsearch.ranking_words(question):
            if alternatives & STOP_WORDS or (lang == "en" and alternatives & ENGLISH_STOP_WORDS):
                continue
            if lang == "en":
                alternatives = alternatives | {a[:-1] for a in alternatives if a.endswith("s") and len(a) > 3}
            kind = "word" if weight == 1.0 else "part"
            words.append(_Word(alternatives, weight, _label(alternatives), kind=kind))
        whole = set().union(*(w.alternatives for w in words if w.weight == 1.0)) if words else set()
        for kana in _KANA_RUN.findall(question):
            if kana in STOP_WORDS:
                continue
            words.extend(self._kana_words(textsearch.to_katakana(kana), whole))
        whole |= {term for w in words if w.weight == 1.0 for term in w.alternatives}
        for synonym in self.synonyms:
            term, trigger, expansions = synonym.term, synonym.trigger, synonym.expansions
            if not synonym.fires(whole, folded):
                continue
            notes.append(f"「{term}」を「{'・'.join(expansions)}」としても探しました。")
            for w in words:
                if w.kind == "word" and any(not w.alternatives.isdisjoint(alt) for alt in trigger):
                    w.triggers.add(term)
            for alternatives, weight in synonym.expansion_words:
                words.append(
                    _Word(
                        alternatives, weight * SYNONYM_WEIGHT, _label(alternatives), via=term, kind="synonym"
                    )
                )
        return words, notes

    def _kana_words(self, kana: str, present: set[str]) -> list[_Word]:
        # The whole run as a reading, or one kana off it (ジュウミンヒョ); else the longest readings first,
        # each span of the kana used once: ジュウミンヒョウガホシイ → ジュウミンヒョウ.
        if kana in self.idf:
            return [] if kana in present else [_Word(frozenset({kana}), 1.0, kana, via=kana, kind="kana")]
        if len(kana) >= 4:
            close = self._fuzzy(kana)
            if close:
                return close
        found: list[_Word] = []
        taken = [False] * len(kana)
        for size in range(len(kana), KANA_READING_MIN - 1, -1):
            for start in range(len(kana) - size + 1):
                reading = kana[start : start + size]
                if reading in self.readings and not any(taken[start : start + size]):
                    taken[start : start + size] = [True] * size
                    if reading not in present:
                        found.append(_Word(frozenset({reading}), 1.0, reading, via=kana, kind="kana"))
        rest = "".join(c if not t else " " for c, t in zip(kana, taken, strict=True)).split()
        for segment in rest:
            if len(segment) >= 4:
                found.extend(self._fuzzy(segment))
        return found

    def _fuzzy(self, segment: str) -> list[_Word]:
        # One kana off (ジュウミンヒョ, ソダイゴnミ): the closest reading of at least 4 kana, if only one is.
        candidates = [
            r
            for size in (len(segment) - 1, len(segment), len(segment) + 1)
            if size >= 4
            for r in self.readings_by_length.get(size, [])
        ]
        best = process.extract(segment, candidates, scorer=Levenshtein.distance, score_cutoff=1, limit=2)
        if len(best) == 1:
            return [_Word(frozenset({best[0][0]}), FUZZY_WEIGHT, best[0][0], via=segment, kind="kana")]
        return []

    def search(self, question: str, *, limit: int = 5, kinds: Iterable[str] | None = None) -> Result:
        notes: list[str] = []
        lang = language(question)
        if len(question) > MAX_QUESTION_CHARS:
            question = question[:MAX_QUESTION_CHARS]
            notes.append(f"質問が長いため、最初の{MAX_QUESTION_CHARS}文字で探しました。")
        # Phone numbers, e-mail addresses and long numbers are never search words (nor kept: see mask).
        words, how = self.words(_MASK_TOKEN.sub(" ", mask(question)))
        notes.extend(how)
        wanted = set(kinds) if kinds else None
        scored: list[tuple[float, Doc, list[_Word]]] = []
        for i in sorted({i for w in words for t in w.alternatives for i, _ in self.postings.get(t, ())}):
            doc = self.docs[i]
            if wanted is not None and doc.kind not in wanted:
                continue
            score, hits = self._score(doc, words)
            if score > 0:
                scored.append((score, doc, hits))
        scored.sort(key=lambda s: (-s[0], s[1].title))
        answers = [
            Answer(
                kind=doc.kind,
                title=doc.title,
                url=doc.url,
                score=round(score, 3),
                why=_why(doc, hits),
                summary=doc.summary,
                department=doc.department,
            )
            for score, doc, hits in scored[:limit]
        ]
        answered = bool(answers) and self._covers(words, scored[0][2])
        return Result(question=question, language=lang, answers=answers, answered=answered, notes=notes)

    def _covers(self, words: list[_Word], hits: list[_Word]) -> bool:
        """Does the best answer speak to most of the question? Words weigh by rarity, and a word the
        index has never seen (宇宙, ラーメン) weighs most: an answer on 人 alone is not an answer."""
        core = [w for w in words if w.kind in ("word", "kana")]
        if not core:
            return False
        matched = {id(w) for w in hits}
        fired = {w.via for w in hits if w.kind == "synonym"}

        def rarity(w: _Word) -> float:
            # A one-character word (人, 日, 課) says little about the topic on its own.
            known = max((self.idf.get(t, 0.0) for t in w.alternatives), default=0.0) or self.unknown_idf
            return known / 2 if len(w.label) == 1 else known

        # Kana that Sudachi cut into pieces no page uses (こく・民研 in こくみんけんこうほけん) is noise.
        core = [w for w in core if w.kind == "kana" or not _unknown_kana(w, self.idf)]
        if not core:
            return False
        total = sum(rarity(w) for w in core)
        covered = sum(rarity(w) for w in core if id(w) in matched or w.triggers & fired)
        return covered / total >= MIN_COVERAGE

    def _score(self, doc: Doc, words: list[_Word]) -> tuple[float, list[_Word]]:
        total = 0.0
        hits: list[_Word] = []
        norm = K1 * (1 - B + B * doc.length / self.avgdl)
        seen: set[str] = set()
        for word in words:
            best = 0.0
            for term in word.alternatives:
                tf = doc.terms.get(term, 0)
                if tf:
                    best = max(best, self.idf[term] * tf * (K1 + 1) / (tf + norm))
            if best > 0 and word.label not in seen:
                seen.add(word.label)
                total += best * word.weight
                hits.append(word)
        return total, hits


def _unknown_kana(word: _Word, idf: dict[str, float]) -> bool:
    return not any(a in idf for a in word.alternatives) and any(
        textsearch.is_kana(a) for a in word.alternatives
    )


@dataclass
class _Synonym:
    term: str
    trigger: list[frozenset[str]]
    expansions: list[str]

    def __post_init__(self) -> None:
        self.expansion_words = [w for e in self.expansions for w in textsearch.ranking_words(e)]
        self.phrase = textsearch.normalize(self.term)
        self.pattern = (
            re.compile(rf"(?<![a-z]){re.escape(self.phrase)}(?![a-z])")
            if _LATIN.search(self.phrase)
            else None
        )

    def fires(self, whole: set[str], folded: str) -> bool:
        # Whole words only: 粗大ごみ must not fire the entry for ごみ. A phrase of several words also
        # fires when it appears as typed (the English "my number" has only stop words).
        if self.trigger and all(not alt.isdisjoint(whole) for alt in self.trigger):
            return True
        if self.pattern is not None:
            return self.pattern.search(folded) is not None
        return len(self.trigger) > 1 and self.phrase in folded


def _trigger(term: str) -> list[frozenset[str]]:
    return [alt for alt, weight in textsearch.ranking_words(term) if weight == 1.0 and not alt & STOP_WORDS]


def _label(alternatives: frozenset[str]) -> str:
    # The spelling to show: kanji or the longest form rather than a katakana reading.
    return sorted(alternatives, key=lambda a: (textsearch.is_kana(a), -len(a), a))[0]


def _why(doc: Doc, hits: list[_Word]) -> str:
    in_title = [w for w in hits if not w.alternatives.isdisjoint(doc.title_terms)]
    in_body = [w for w in hits if w not in in_title]
    parts = []
    if in_title:
        parts.append("タイトルに" + "・".join(f"「{_shown(w)}」" for w in in_title[:4]))
    if in_body:
        parts.append("本文に" + "・".join(f"「{_shown(w)}」" for w in in_body[:4]))
    return "、".join(parts) + "があります。" if parts else ""


def _shown(word: _Word) -> str:
    if word.via and word.via != word.label:
        return f"{word.label}（「{word.via}」から）"
    return word.label


# ---- the index, built from the modules' public records -------------------------------------------------

_lock = threading.Lock()
_cache: dict[str, Any] = {"fingerprint": None, "index": None}


def _fingerprint() -> tuple[Any, ...]:
    from kotodx.assistant.models import Faq, Synonym
    from kotodx.eapply.models import Procedure
    from kotodx.gis.models import Layer
    from kotodx.opendata.models import Dataset

    parts: list[Any] = []
    for qs, stamp in (
        (Faq.objects.all(), "updated_at"),
        (Synonym.objects.all(), "updated_at"),
        (Procedure.objects.all(), "updated_at"),
        (Dataset.objects.all(), "metadata_modified"),
        (Layer.objects.all(), "updated_at"),
    ):
        agg = qs.aggregate(n=Count("pk"), last=Max(stamp))
        parts.extend([agg["n"], agg["last"]])
    return tuple(parts)


def index() -> Index:
    """The current index; rebuilt when an FAQ, synonym, procedure, dataset or layer has changed."""
    fingerprint = _fingerprint()
    with _lock:
        if _cache["fingerprint"] != fingerprint or _cache["index"] is None:
            _cache["index"] = build_index()
            _cache["fingerprint"] = fingerprint
        result: Index = _cache["index"]
        return result


def build_index() -> Index:
    return Index(list(_documents()), _synonyms())


def _synonyms() -> list[tuple[str, list[str]]]:
    from kotodx.assistant.models import Synonym

    return [(s.term, s.expansion_list) for s in Synonym.objects.all() if s.expansion_list]


def _doc(kind: str, key: str, title: str, body: str, url: str, summary: str, department: str) -> Doc:
    title_terms = textsearch.ranking_terms(title)
    terms = Counter(title_terms * TITLE_WEIGHT)
    terms.update(textsearch.ranking_terms(body))
    return Doc(
        kind=kind,
        key=key,
        title=title,
        url=url,
        summary=summary[:160],
        department=department,
        terms=terms,
        title_terms=frozenset(title_terms),
        length=sum(terms.values()),
    )


def _documents() -> Iterable[Doc]:
    from kotodx.assistant.models import Faq
    from kotodx.eapply.models import Procedure
    from kotodx.gis.models import Layer
    from kotodx.opendata.models import Dataset

    for p in Procedure.objects.filter(is_public=True).select_related("department"):
        body = " ".join([p.get_category_display(), p.description, p.eligibility, p.documents, p.fee])
        yield _doc(
            "procedure",
            p.slug,
            p.name,
            body,
            reverse("eapply:procedure", args=[p.slug]),
            p.description,
            p.department.name,
        )
    for f in Faq.objects.filter(is_public=True).select_related("department", "procedure"):
        body = f.answer + (" " + f.procedure.name if f.procedure else "")
        yield _doc(
            "faq",
            str(f.pk),
            f.question,
            body,
            reverse("assistant:faq", args=[f.pk]),
            f.answer,
            f.department.name,
        )
    datasets = Dataset.objects.filter(state=Dataset.State.ACTIVE).select_related("department")
    for d in datasets.prefetch_related("tags"):
        body = " ".join([d.notes, *(t.name for t in d.tags.all())])
        yield _doc(
            "dataset",
            d.name,
            d.title,
            body,
            reverse("opendata:dataset", args=[d.name]),
            d.notes,
            d.department.name,
        )
    for layer in Layer.objects.filter(visibility=Layer.Visibility.PUBLIC).select_related("department"):
        yield _doc(
            "layer",
            layer.name,
            layer.title,
            layer.description,
            reverse("gis:map") + f"?layer={layer.name}",
            layer.description,
            layer.department.name,
        )
