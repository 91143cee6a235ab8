"""Benchmarks of the platform, reported as ratios against a baseline measured in the same run.

Pages served by `kotodx serve` (gunicorn) on the demo data, against the floor of the same machine in the
same run — a static file served by the same server: the portal, /healthz, and the plan hub's annual
report of a fiscal year as HTML, JSON and PDF (the document the ward gives its council). `make bench`.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from bench.server import serve

REQUESTS = int(os.environ.get("KOTODX_BENCH_REQUESTS", "300"))


def _time(session: requests.Session, url: str, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        r = session.get(url, timeout=10)
        out.append(time.perf_counter() - t)
        r.raise_for_status()
    return out


def main() -> None:
    data = Path(tempfile.mkdtemp()) / "var"
    env = {**os.environ, "KOTODX_DATA_DIR": str(data)}
    kotodx = [sys.executable, "-m", "kotodx.cli"]
    subprocess.run([*kotodx, "migrate", "--noinput"], env=env, check=True, capture_output=True)
    subprocess.run([*kotodx, "loaddemo"], env=env, check=True, capture_output=True)
    with serve(env) as base:
        s = requests.Session()
        home = s.get(base + "/", timeout=10).text
        static = base + home.split('href="', 3)[2].split('"')[0]  # the first stylesheet
        rows = []
        floor = statistics.median(_time(s, static, REQUESTS))
        pages = [
            ("portal home /", "/", REQUESTS),
            ("health /healthz", "/healthz", REQUESTS),
            ("login page", "/accounts/login/", REQUESTS),
            ("plan dashboard", "/plan/koto-2020/", 50),
            ("report FY2024 HTML", "/plan/reports/2024/", 30),
            ("report FY2024 JSON", "/plan/reports/2024.json", 30),
            ("report FY2024 PDF", "/plan/reports/2024.pdf", 5),
        ]
        for name, path, n in pages:
            rows.append((name, statistics.median(_time(s, base + path, n))))
        print(
            f"baseline: static file by the same server, median {floor * 1000:.2f} ms over {REQUESTS} requests"
        )
        for name, t in rows:
            print(f"{name:<20} median {t * 1000:8.2f} ms   {t / floor:7.1f}× the static-file floor")


def opendata() -> None:
    """The catalog at scale (bench/opendata_bench.py), on the embedded SQLite and on PostgreSQL."""
    runs = [("sqlite", {"KOTODX_DATA_DIR": tempfile.mkdtemp()})]
    db = f"kotodx_bench_{os.getpid()}"
    pg = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", f"CREATE DATABASE {db}", "postgres"],
        capture_output=True,
    )
    if pg.returncode == 0:
        runs.append(
            (
                "postgresql",
                {
                    "KOTODX_DATA_DIR": tempfile.mkdtemp(),
                    "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{db}",
                },
            )
        )
    try:
        for name, extra in runs:
            env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | extra
            out = subprocess.run(
                [sys.executable, "-m", "bench.opendata_bench"],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            result = json.loads(out.strip().splitlines()[-1])
            print(
                f"\nopen data catalog on {name}: {result['datasets']:,} datasets, "
                f"{result['resources']:,} resources, "
                f"DataStore {result['rows']:,} rows (built in {result['catalog_seconds']} s + "
                f"{result['load_seconds']} s)"
            )
            for label, t in result["timings_ms"].items():
                print(f"  {label:<28} p50 {t['p50']:8.2f} ms   p95 {t['p95']:8.2f} ms")
    finally:
        if pg.returncode == 0:
            subprocess.run(
                [
                    "psql",
                    "-h",
                    "127.0.0.1",
                    "-U",
                    "postgres",
                    "-q",
                    "-c",
                    f"DROP DATABASE IF EXISTS {db} WITH (FORCE)",
                    "postgres",
                ],
                capture_output=True,
            )


if __name__ == "__main__":
    from bench import a11y_bench, eapply_bench, gis_bench

    main()
    opendata()
    eapply_bench.main()
    gis_bench.main()
    a11y_bench.main()
    subprocess.run([sys.executable, "-m", "bench.stix_bench"], check=True)  # its own data dir and settings
    subprocess.run([sys.executable, "-m", "bench.assistant_bench"], check=True)  # its own data dir
    subprocess.run([sys.executable, "-m", "bench.ocr_accuracy"], check=True)  # OCR accuracy, no timing
