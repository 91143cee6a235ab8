"""200 residents submitting a 3-page form against `kotodx serve`: submissions per second, p95 of the
requests, errors, and afterwards the stored submissions against the reference numbers handed out (zero
lost, zero duplicated). Run by `make bench` on the embedded SQLite and on PostgreSQL, two ways:

- at a person's pace: all 200 are filling the form at the same time, each reading and typing for
  BENCH_THINK seconds (default 2–6, at random) before each page is sent, having arrived within the first
  such span — 200 concurrent residents;
- all at once, no pause: 200 clients sending their next request the moment the last is answered (a stress
  test: on a 2-core machine the requests queue, so its p95 measures the queue, not a resident's wait)."""

from __future__ import annotations

import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from bench.server import serve

RESIDENTS = int(os.environ.get("BENCH_RESIDENTS", "200"))
RETRIES: list[str] = []  # requests sent again after a reset kept-alive connection
THINK = tuple(float(x) for x in os.environ.get("BENCH_THINK", "2,6").split(","))
DEFINITION = {
    "title": "ベンチマーク申請",
    "pages": [
        {
            "id": "p1",
            "title": "申請者",
            "fields": [
                {"id": "applicant_name", "type": "text", "label": "氏名", "required": True},
                {"id": "email", "type": "email", "label": "メールアドレス", "required": True},
            ],
        },
        {
            "id": "p2",
            "title": "内容",
            "fields": [
                {"id": "detail", "type": "textarea", "label": "申請の内容", "required": True},
                {"id": "when", "type": "date", "label": "希望日", "required": True},
            ],
        },
        {
            "id": "p3",
            "title": "確認",
            "fields": [{"id": "agree", "type": "yesno", "label": "同意", "required": True}],
        },
    ],
}


def setup(env: dict[str, str]) -> None:
    code = f"""
import django, json
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from kotodx.core.models import Department
from kotodx.eapply import services
dept, _ = Department.objects.get_or_create(code="bench", defaults={{"name": "ベンチ課"}})
p = services.procedure_save(procedure=None, actor=None, data={{"slug": "bench", "name": "ベンチ",
    "category": "other", "department": dept, "description": "bench"}})
services.form_save_draft(procedure=p, definition=json.loads({json.dumps(json.dumps(DEFINITION))}), actor=None)
services.form_publish(procedure=p, actor=None)
"""
    subprocess.run(
        [sys.executable, "-c", code], env={**env, "DJANGO_SETTINGS_MODULE": "kotodx.settings"}, check=True
    )


def resident(base: str, n: int, think: tuple[float, float] | None) -> tuple[str | None, list[float], str]:
    s = requests.Session()
    times: list[float] = []
    pace = random.Random(n)

    def post(url: str, data: dict[str, str]) -> requests.Response:
        if think:
            time.sleep(pace.uniform(*think))  # reading the page and typing the answers
        t = time.perf_counter()
        args = {"timeout": 60, "data": {**data, "csrfmiddlewaretoken": s.cookies.get("csrftoken", "")}}
        try:
            r = s.post(base + url if url.startswith("/") else url, **args)
        except requests.ConnectionError as exc:
            # A kept-alive connection the server closed (gunicorn's keep-alive is 2 s; a resident pauses
            # longer) just as the request went out: a browser sends it again on a new connection, and so
            # does this resident, once. The form's idempotency key keeps a repeat from storing twice;
            # the counts below would show it.
            if "reset" not in str(exc).lower() and "aborted" not in str(exc).lower():
                raise
            RETRIES.append(url)
            r = s.post(base + url if url.startswith("/") else url, **args)
        times.append(time.perf_counter() - t)
        return r

    try:
        if think:  # arriving within the first page's time, not all in one instant
            time.sleep(pace.uniform(0, think[1]))
        t = time.perf_counter()
        s.get(base + "/apply/bench/", timeout=60)
        times.append(time.perf_counter() - t)
        r = post("/apply/bench/start", {})
        r = post(r.url, {"applicant_name": f"区民 {n}", "email": f"r{n}@example.jp"})
        r = post(r.url, {"detail": "ベンチマークの申請です。", "when": "令和8年12月1日"})
        r = post(r.url, {"agree": "yes"})
        if not r.url.endswith("/check/"):
            return None, times, f"did not reach the check page: {r.url}"
        r = post(r.url, {})
        m = re.search(r'class="reference-number"><strong>([^<]+)<', r.text)
        return (m.group(1) if m else None), times, "" if m else f"no reference number (HTTP {r.status_code})"
    except requests.RequestException as exc:
        return None, times, str(exc)


def run(name: str, extra: dict[str, str], workers: int) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | extra
    env["KOTODX_EAPPLY_START_LIMIT"] = "1000000000"  # every simulated resident comes from 127.0.0.1
    setup(env)
    handed_out: list[str] = []
    with serve(env, workers) as base:
        for label, think, first in (
            (f"at a person's pace ({THINK[0]:g}–{THINK[1]:g} s per page)", THINK, 0),
            ("all at once, no pause", None, RESIDENTS),
        ):
            t0 = time.perf_counter()
            with ThreadPoolExecutor(max_workers=RESIDENTS) as pool:
                results = list(
                    pool.map(
                        resident, [base] * RESIDENTS, range(first, first + RESIDENTS), [think] * RESIDENTS
                    )
                )
            handed_out += [r for r, _t, _e in results if r]
            report(
                f"{name} ({workers} web processes), {label}",
                env,
                results,
                time.perf_counter() - t0,
                handed_out,
            )


def report(
    title: str,
    env: dict[str, str],
    results: list[tuple[str | None, list[float], str]],
    elapsed: float,
    handed_out: list[str],
) -> None:
    """One run's figures; the stored submissions are counted against every reference number handed out
    so far (the runs share the database)."""
    refs = [r for r, _t, _e in results if r]
    errors = [e for _r, _t, e in results if e]
    latencies = sorted(x for _r, t, _e in results for x in t)
    count = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup()\n"
            "from kotodx.eapply.models import Submission\n"
            "s = Submission.objects.exclude(status='draft')\n"
            "print(s.count(), s.values('reference_number').distinct().count())",
        ],
        env={**env, "DJANGO_SETTINGS_MODULE": "kotodx.settings"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    stored, distinct = int(count[0]), int(count[1])
    p95 = latencies[int(len(latencies) * 0.95) - 1] * 1000 if latencies else 0
    p50 = statistics.median(latencies) * 1000 if latencies else 0
    print(
        f"\ne-application on {title}: {RESIDENTS} residents × 3-page form"
        f" in {elapsed:.1f} s → {len(refs) / elapsed:.1f} submissions/s; requests p50 {p50:.0f} ms,"
        f" p95 {p95:.0f} ms; errors {len(errors)}; reference numbers handed out {len(handed_out)} in all,"
        f" stored {stored} ({distinct} distinct) → lost {max(0, len(handed_out) - distinct)},"
        f" duplicated {stored - distinct}"
    )
    if RETRIES:
        print(f"  sent again after a reset kept-alive connection: {len(RETRIES)} request(s)")
        RETRIES.clear()
    if errors:
        print("  first error:", errors[0])


def main() -> None:
    run("sqlite", {"KOTODX_DATA_DIR": tempfile.mkdtemp()}, workers=2)
    db = f"kotodx_bench_ea_{os.getpid()}"
    made = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", f"CREATE DATABASE {db}", "postgres"],
        capture_output=True,
    )
    if made.returncode == 0:
        try:
            run(
                "postgresql",
                {
                    "KOTODX_DATA_DIR": tempfile.mkdtemp(),
                    "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{db}",
                },
                workers=3,
            )
        finally:
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
    main()
