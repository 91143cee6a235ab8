"""The AI assistant on the demo data: answering a question (readings, kana, synonyms, BM25 over every
procedure, FAQ, dataset and layer) against the floor of only cutting the question into words with
SudachiPy, which any Japanese search must do; building the index against tokenising the same documents;
routing an inquiry against only turning it into TF-IDF features. Same run, same machine: ratios.

    python -m bench.assistant_bench
"""

from __future__ import annotations

import os
import tempfile
import time
from io import StringIO
from pathlib import Path


def best(fn, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    os.environ.setdefault("KOTODX_DATA_DIR", tempfile.mkdtemp())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kotodx.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from kotodx.assistant import evaluation, routing, search, services
    from kotodx.core import textsearch

    call_command("migrate", verbosity=0)
    call_command("loaddemo", stdout=StringIO())
    questions = [q for q, _ in evaluation.read(evaluation.EVAL_SET.read_bytes())]
    index = search.build_index()
    docs = list(search._documents())  # noqa: SLF001 - the bench measures the module's own parts
    texts = [d.title + " " + d.summary for d in docs]

    floor_q = best(lambda: [textsearch.ranking_words(q) for q in questions])
    ours_q = best(lambda: [index.search(q) for q in questions])
    floor_i = best(lambda: [textsearch.ranking_terms(t) for t in texts], repeat=1)
    ours_i = best(search.build_index, repeat=1)

    rows = routing.read_labelled(Path("tests/assistant/data/inquiries_heldout.csv").read_bytes())
    inquiries = [t for t, _ in rows]
    model = services.active_model()
    assert model is not None
    pipeline = routing.load(bytes(model.blob))
    features = pipeline.named_steps["features"]
    floor_r = best(lambda: [features.transform([t]) for t in inquiries])
    ours_r = best(lambda: [routing.predict(pipeline, t) for t in inquiries])

    n, m = len(questions), len(inquiries)
    print(f"== AI assistant (demo data: {len(index.docs)} documents) ==")
    print(
        f"answer a question: {1000 * ours_q / n:.2f} ms (Sudachi words only {1000 * floor_q / n:.2f} ms) "
        f"ratio {ours_q / floor_q:.2f}x over {n} questions"
    )
    print(
        f"build the index: {ours_i:.2f} s (tokenising the documents only {floor_i:.2f} s) "
        f"ratio {ours_i / floor_i:.2f}x"
    )
    print(
        f"route an inquiry: {1000 * ours_r / m:.2f} ms (TF-IDF features only {1000 * floor_r / m:.2f} ms) "
        f"ratio {ours_r / floor_r:.2f}x over {m} inquiries"
    )


if __name__ == "__main__":
    main()
