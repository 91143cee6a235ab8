"""Open data catalog at scale: 10,000 datasets, 50,000 resources and a 1,000,000-row DataStore resource.

Measures p50/p95 of package_search (keyword, and facets), package_show and datastore_search with a
filter, each through the real CKAN action view, and the raw database time of the same query as the
floor. package_search keeps results per catalog version (opendata.search): a request repeated is
answered from that cache, so the rows "new q" and "new page" ask something not asked before each time.
Run by `make bench` once per database (the embedded SQLite, and PostgreSQL when it answers); it reads
DATABASE_URL / KOTODX_DATA_DIR like the platform does. Prints one JSON line.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable

import django

N_DATASETS = int(os.environ.get("BENCH_DATASETS", "10000"))
N_ROWS = int(os.environ.get("BENCH_ROWS", "1000000"))
RUNS = int(os.environ.get("BENCH_RUNS", "200"))
WORDS = [
    "保育園",
    "公園",
    "図書館",
    "避難所",
    "AED",
    "公衆トイレ",
    "児童館",
    "駐輪場",
    "投票所",
    "集会所",
    "ごみ",
    "人口",
    "予算",
    "観光",
    "文化財",
    "学校",
    "病院",
    "道路",
    "橋梁",
    "防災",
    "介護",
    "子育て",
    "選挙",
    "税",
    "上水道",
    "下水道",
    "バス停",
    "自転車",
    "商店街",
    "イベント",
]
KINDS = ["一覧", "統計", "位置情報", "台帳"]
TOWNS = [
    "豊洲",
    "東雲",
    "有明",
    "亀戸",
    "大島",
    "砂町",
    "門前仲町",
    "清澄",
    "森下",
    "木場",
    "東陽",
    "南砂",
    "北砂",
]


def timed(fn: Callable[[], object], runs: int = RUNS) -> dict[str, float]:
    for _ in range(5):
        fn()
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return {
        "p50": round(statistics.median(samples), 2),
        "p95": round(samples[int(len(samples) * 0.95) - 1], 2),
    }


def build() -> dict[str, object]:
    from django.core.management import call_command

    from kotodx.core import textsearch
    from kotodx.core.models import Department
    from kotodx.opendata import datastore
    from kotodx.opendata.models import Dataset, Resource, SearchTerm, Tag

    call_command("migrate", verbosity=0)
    rnd = random.Random(42)
    depts = [
        Department.objects.get_or_create(code=f"dept-{i:02d}", defaults={"name": f"部署{i:02d}課"})[0]
        for i in range(20)
    ]
    tags = [Tag.objects.get_or_create(name=w)[0] for w in WORDS]
    t0 = time.perf_counter()
    datasets = [
        Dataset(
            id=uuid.UUID(int=rnd.getrandbits(128)),
            name=f"ds-{i:05d}",
            title=f"{rnd.choice(TOWNS)}の{rnd.choice(WORDS)}{rnd.choice(KINDS)}",
            notes=f"{rnd.choice(WORDS)}に関するデータです。",
            department=rnd.choice(depts),
            state=Dataset.State.ACTIVE,
        )
        for i in range(N_DATASETS)
    ]
    Dataset.objects.bulk_create(datasets, batch_size=2000)
    through = Dataset.tags.through
    through.objects.bulk_create(
        [through(dataset_id=d.id, tag_id=rnd.choice(tags).id) for d in datasets], batch_size=5000
    )
    formats = ["CSV", "CSV", "XLSX", "JSON", "PDF"]
    Resource.objects.bulk_create(
        [
            Resource(
                dataset=d,
                name=f"{d.title} {j}",
                url=f"https://example.jp/{d.name}/{j}",
                format=formats[j],
                position=j,
            )
            for d in datasets
            for j in range(5)
        ],
        batch_size=5000,
    )
    terms = []
    for d in datasets:
        weights: dict[str, int] = {}
        for t in textsearch.index_terms(d.title):
            weights[t[:100]] = 10
        for t in textsearch.index_terms(d.notes):
            weights.setdefault(t[:100], 1)
        terms += [SearchTerm(dataset=d, term=t, weight=w) for t, w in weights.items()]
    SearchTerm.objects.bulk_create(terms, batch_size=5000)
    catalog_seconds = time.perf_counter() - t0
    big = Resource.objects.create(dataset=datasets[0], name="100万行の表", format="CSV")
    rows = [
        [
            f"施設{i}",
            rnd.choice(TOWNS),
            rnd.choice(WORDS),
            f"{35.6 + rnd.random() / 10:.6f}",
            f"{139.8 + rnd.random() / 10:.6f}",
        ]
        for i in range(N_ROWS)
    ]
    t0 = time.perf_counter()
    datastore.load(big, 1, ["名称", "町名", "種別", "緯度", "経度"], rows)
    load_seconds = time.perf_counter() - t0
    return {
        "big": str(big.pk),
        "catalog_seconds": round(catalog_seconds, 1),
        "load_seconds": round(load_seconds, 1),
    }


def measure(big_id: str) -> dict[str, object]:
    from django.db import connection
    from django.test import RequestFactory

    from kotodx.opendata import ckan
    from kotodx.opendata.models import Resource

    rf = RequestFactory()

    def act(name: str, **params: str) -> Callable[[], object]:
        def call() -> object:
            response = ckan.action(rf.get(f"/api/3/action/{name}", params), name)
            assert response.status_code == 200, response.content[:300]
            return response

        return call

    table = connection.ops.quote_name(Resource.objects.get(pk=big_id).datastore_table)

    def raw(sql: str, params: list[object]) -> Callable[[], object]:
        def call() -> object:
            with connection.cursor() as c:
                c.execute(sql, params)
                return c.fetchall()

        return call

    show = f"ds-{N_DATASETS // 2:05d}"
    facet = {"fq": 'tags:"公園"', "facet.field": '["organization","tags","res_format"]', "rows": "20"}
    five = '["organization","tags","res_format","groups","license_id"]'
    # The catalog page's own request: Japanese words, a filter and every facet it shows.
    full = {"fq": "res_format:CSV", "facet.field": five, "rows": "20"}
    everything = {"facet.field": five, "rows": "20"}  # no q: the facets count the whole catalog
    qs = itertools.cycle([f"{town} {word}" for town in TOWNS for word in WORDS])  # 390 different
    starts = itertools.cycle(range(20, N_DATASETS, 20))
    return {
        "package_search keyword": timed(act("package_search", q="保育園 一覧", rows="20")),
        "  floor: term lookup": timed(
            raw(
                "SELECT dataset_id, MAX(weight) FROM opendata_searchterm WHERE term IN (%s, %s) "
                "GROUP BY dataset_id",
                ["保育園", "ホイクエン"],
            )
        ),
        "package_search fq+facets": timed(act("package_search", **facet)),
        "package_search q+fq+5 facets": timed(act("package_search", **full, q="豊洲 公園")),
        "package_search all+5 facets": timed(act("package_search", **everything)),
        # Each call a search not made before, so none is answered from a cache of results.
        "package_search q+fq+5 facets, new q": timed(lambda: act("package_search", **full, q=next(qs))()),
        "package_search all+5 facets, new page": timed(
            lambda: act("package_search", **everything, start=str(next(starts)))()
        ),
        "  floor: tag filter": timed(
            raw(
                "SELECT d.id FROM opendata_dataset d JOIN opendata_dataset_tags t ON "
                "t.dataset_id = d.id JOIN opendata_tag g ON g.id = t.tag_id WHERE g.name = %s "
                "ORDER BY d.metadata_modified DESC LIMIT 20",
                ["公園"],
            )
        ),
        "package_show": timed(act("package_show", id=show)),
        "  floor: dataset by name": timed(raw("SELECT * FROM opendata_dataset WHERE name = %s", [show])),
        "datastore_search filter": timed(
            act("datastore_search", resource_id=big_id, filters='{"町名": "豊洲"}', limit="100")
        ),
        "  floor: indexed filter": timed(
            raw(
                f"SELECT * FROM {table} WHERE c1 = %s ORDER BY _id LIMIT 100",  # noqa: S608
                ["豊洲"],
            )
        ),
    }


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kotodx.settings")
    django.setup()
    from django.db import connection

    built = build()
    result = {
        "database": connection.vendor,
        "datasets": N_DATASETS,
        "resources": N_DATASETS * 5,
        "rows": N_ROWS,
        **built,
        "timings_ms": measure(str(built["big"])),
    }
    print(json.dumps(result, ensure_ascii=False))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
