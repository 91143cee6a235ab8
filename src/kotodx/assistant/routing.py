"""Inquiry routing: which department should answer a resident's e-mail or form text.

A scikit-learn pipeline: TF-IDF over SudachiPy terms (normalized forms, so 国保 and 国民健康保険 stay
distinct words but 引越 and 引っ越し meet) plus character 1–3-grams (a single kanji such as 税 or 犬
carries a topic; robust to words Sudachi splits oddly), then a logistic regression, which gives a
probability per department. Accuracy and the confusion matrix come from stratified k-fold
cross-validation: each inquiry is predicted by a model that never saw it. The fitted pipeline is
pickled into the database (RoutingModel.blob), so every app process and queue consumer routes with
the same model.
"""

from __future__ import annotations

import csv
import io
import pickle
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import FeatureUnion, Pipeline

from kotodx.core import textsearch

DEMO_INQUIRIES = Path(__file__).parent / "data" / "inquiries.csv"
MIN_PER_DEPARTMENT = 3
MAX_TEXT = 5000


def words(text: str) -> list[str]:
    """The analyser of the word features: normalized content words of the text."""
    out: list[str] = []
    for alternatives, weight in textsearch.ranking_words(text[:MAX_TEXT]):
        if weight == 1.0:
            out.append(sorted(alternatives, key=lambda a: (textsearch.is_kana(a), -len(a), a))[0])
    return out


def make_pipeline() -> Pipeline:
    return Pipeline(
        [
            (
                "features",
                FeatureUnion(
                    [
                        ("words", TfidfVectorizer(analyzer=words, sublinear_tf=True, min_df=1)),
                        (
                            "chars",
                            TfidfVectorizer(
                                analyzer="char_wb",
                                ngram_range=(1, 3),
                                sublinear_tf=True,
                                min_df=2,
                                preprocessor=textsearch.normalize,
                            ),
                        ),
                    ]
                ),
            ),
            ("classify", LogisticRegression(C=20, max_iter=2000)),
        ]
    )


@dataclass
class Trained:
    pipeline: Pipeline
    labels: list[str]
    accuracy: float
    confusion: list[list[int]]
    samples: int

    def blob(self) -> bytes:
        return pickle.dumps(self.pipeline)


def train(texts: list[str], labels: list[str], *, folds: int = 5) -> Trained:
    """Fit on every example; measure on k folds first. Departments with too few examples are refused."""
    counts = Counter(labels)
    rare = sorted(label for label, n in counts.items() if n < MIN_PER_DEPARTMENT)
    if rare:
        raise ValueError(
            f"学習用の例が{MIN_PER_DEPARTMENT}件未満の部署があります: {'、'.join(rare)}"
            "（例を増やすか、その部署の例を外してください）"
        )
    if len(counts) < 2:
        raise ValueError("2つ以上の部署の例が必要です。")
    k = max(2, min(folds, min(counts.values())))
    predicted = cross_val_predict(
        make_pipeline(), texts, labels, cv=StratifiedKFold(n_splits=k, shuffle=True, random_state=0)
    )
    names = sorted(counts)
    position = {name: i for i, name in enumerate(names)}
    confusion = [[0] * len(names) for _ in names]
    for truth, guess in zip(labels, predicted, strict=True):
        confusion[position[truth]][position[guess]] += 1
    accuracy = sum(confusion[i][i] for i in range(len(names))) / len(labels)
    pipeline = make_pipeline().fit(texts, labels)
    return Trained(pipeline, names, accuracy, confusion, len(labels))


def load(blob: bytes) -> Pipeline:
    # The blob is written only by train() in this code base (RoutingModel rows are never user input).
    pipeline: Pipeline = pickle.loads(blob)  # noqa: S301
    return pipeline


def predict(pipeline: Pipeline, text: str, *, top: int = 3) -> list[tuple[str, float]]:
    probabilities = pipeline.predict_proba([text[:MAX_TEXT]])[0]
    classes = list(pipeline.classes_)
    ranked = sorted(zip(classes, probabilities, strict=True), key=lambda cp: -cp[1])
    return [(str(c), float(p)) for c, p in ranked[:top]]


def read_labelled(data: bytes | str) -> list[tuple[str, str]]:
    """Rows of a labelled CSV with the header ``text,department`` (UTF-8, BOM allowed)."""
    if isinstance(data, bytes):
        data = data.decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(data))
    if reader.fieldnames is None or not {"text", "department"} <= set(reader.fieldnames):
        raise ValueError("CSVの1行目は text,department にしてください。")
    rows = []
    for row in reader:
        text, dept = (row.get("text") or "").strip(), (row.get("department") or "").strip()
        if text and dept:
            rows.append((text, dept))
    return rows


def evaluate(pipeline: Pipeline, rows: list[tuple[str, str]]) -> dict[str, Any]:
    """Accuracy of a fitted pipeline on labelled rows it was not trained on."""
    if not rows:
        return {"n": 0, "accuracy": 0.0, "top3": 0.0}
    right = top3 = 0
    for text, truth in rows:
        ranked = predict(pipeline, text)
        right += ranked[0][0] == truth
        top3 += truth in [c for c, _ in ranked]
    return {"n": len(rows), "accuracy": right / len(rows), "top3": top3 / len(rows)}
