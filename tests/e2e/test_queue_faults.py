"""A real queue consumer killed with SIGKILL in the middle of a job: the job is not left 実行中. The next
consumer to start takes it back at once (its holder's process is gone from this machine) and runs it
again; the accessibility scan resumes where it was — the pages checked before the kill are kept, the
others are checked, none twice (core.lease, a11y resume)."""

from __future__ import annotations

import http.server
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_serve import _env, _kotodx

pytestmark = pytest.mark.e2e

PAGES = 4


class _SlowSite(http.server.BaseHTTPRequestHandler):
    """Four pages linked in a row, each answered after a second and a half."""

    def do_GET(self) -> None:  # noqa: N802
        if self.path == "/robots.txt" or self.path == "/sitemap.xml":
            self.send_error(404)
            return
        n = int(self.path.strip("/p") or 1) if self.path.startswith("/p") else 1
        time.sleep(1.5)
        nxt = f'<p><a href="/p{n + 1}">次のページ</a></p>' if n < PAGES else ""
        body = (
            f'<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>ページ{n}</title></head>'
            f"<body><main><h1>ページ{n}</h1><p>江東区のお知らせです。</p>{nxt}</main></body></html>"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def slow_site() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _SlowSite)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/p1"
    server.shutdown()


STATE = """
import json
from kotodx.a11y.models import Scan
scan = Scan.objects.select_related("job").get(pk={pk})
job = scan.job
print(json.dumps({{"pages": list(scan.pages.values_list("position", flat=True)), "scan": scan.status,
    "ids": list(scan.pages.values_list("id", flat=True)),
    "job": job.status, "attempts": job.attempts, "worker": job.worker, "message": job.message}}))
"""


def _state(pk: int, env: dict[str, str]) -> dict:
    out = _kotodx("shell", "-c", STATE.format(pk=pk), env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


def _consumer(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "kotodx.cli", "run_huey"],
        env=env,
        stdout=log.open("a"),
        stderr=subprocess.STDOUT,
    )


def test_a_job_of_a_killed_consumer_is_run_again_whole(tmp_path: Path, slow_site: str) -> None:
    data = tmp_path / "var"
    env = _env(data, KOTODX_QUEUE_NAME=f"kotodx-lease-{os.getpid()}", KOTODX_QUEUE_WORKERS="1")
    _kotodx("migrate", "--noinput", env=env)
    start = f"""
from kotodx.a11y import services
from kotodx.core.models import User
user, _ = User.objects.get_or_create(
    username="lease-e2e", defaults={{"is_superuser": True, "is_staff": True}}
)
scan = services.scan_start(start_url="{slow_site}", max_pages={PAGES}, actor=user)
print(scan.pk)
"""
    pk = int(_kotodx("shell", "-c", start, env=env).stdout.strip().splitlines()[-1])
    log = tmp_path / "consumer.log"
    first = _consumer(env, log)
    try:
        deadline = time.monotonic() + 120
        state = _state(pk, env)
        while not state["pages"] and time.monotonic() < deadline:
            time.sleep(0.5)
            state = _state(pk, env)
        assert state["pages"] and state["job"] == "running", log.read_text()[-3000:]
        assert len(state["pages"]) < PAGES  # killed in the middle of the scan
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        before = _state(pk, env)
        assert before["job"] == "running"  # what the dead consumer left behind

        second = _consumer(env, log)
        try:
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline:
                state = _state(pk, env)
                if state["job"] in ("succeeded", "failed", "cancelled"):
                    break
                time.sleep(1)
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
    assert state["job"] == "succeeded", (state, log.read_text()[-3000:])
    assert state["attempts"] == 2 and state["worker"].endswith(f":{second.pid}")
    assert state["scan"] == "done"
    assert sorted(state["pages"]) == list(range(1, PAGES + 1))  # each page once
    assert set(before["ids"]) <= set(state["ids"])  # resumed: what the first run checked was kept
