"""The platform as `make run` starts it: `kotodx serve --queue` (gunicorn + a real Huey consumer) on a
fresh data folder, driven over HTTP like a browser would; and the same server with its database down."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update({"KOTODX_DATA_DIR": str(data_dir), "KOTODX_WEB_WORKERS": "2", **extra})
    return env


def _kotodx(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kotodx.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )


class Server:
    def __init__(self, env: dict[str, str], queue: bool, log: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = ["serve", "--port", str(self.port)] + (["--queue"] if queue else [])
        self.log = log
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kotodx.cli", *args],
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 180  # the first start collects and compresses the static files
        while time.monotonic() < deadline:
            try:
                requests.get(self.url + "/healthz", timeout=2)
                return
            except requests.ConnectionError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.3)
        self.stop()
        raise AssertionError(f"server did not start:\n{log.read_text()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("kotodx-e2e") / "var"
    env = _env(data, KOTODX_QUEUE_NAME=f"kotodx-e2e-{os.getpid()}")
    _kotodx("migrate", "--noinput", env=env)
    out = _kotodx("loaddemo", env=env).stdout
    assert "it.officer" in out and "koto-demo-2026" in out
    server = Server(env, queue=True, log=data.parent / "serve.log")
    yield server
    # Stopping `serve` (Ctrl-C; SIGTERM here) stops its web workers and the queue consumer too.
    children = [
        int(p)
        for p in subprocess.run(
            ["pgrep", "-P", str(server.proc.pid)], capture_output=True, text=True
        ).stdout.split()
    ]
    assert len(children) >= 3  # 2 gunicorn workers + the consumer
    server.stop()
    time.sleep(1)
    assert [pid for pid in children if _alive(pid)] == []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _login(url: str, username: str) -> requests.Session:
    s = requests.Session()
    s.get(url + "/accounts/login/", timeout=10)
    r = s.post(
        url + "/accounts/login/",
        timeout=10,
        data={
            "username": username,
            "password": "koto-demo-2026",
            "csrfmiddlewaretoken": s.cookies["csrftoken"],
        },
    )
    assert r.status_code == 200 and r.url == url + "/staff/", r.text[:500]
    return s


def test_health_portal_and_openapi(platform: Server) -> None:
    health = requests.get(platform.url + "/healthz", timeout=10)
    assert health.status_code == 200 and health.json()["status"] == "ok"
    home = requests.get(platform.url + "/", timeout=10)
    assert '<html lang="ja">' in home.text and "江東区" in home.text
    css = re.search(r'href="(/static/kotodx/css/site\.[0-9a-f]+\.css)"', home.text)
    assert css, "static files are served with hashed names"
    assert requests.get(platform.url + css.group(1), timeout=10).status_code == 200
    spec = requests.get(platform.url + "/api/openapi.json", timeout=10).json()
    assert spec["openapi"].startswith("3.")


def test_audit_export_runs_on_the_real_queue_consumer(platform: Server) -> None:
    s = _login(platform.url, "kansa")
    r = s.post(
        platform.url + "/staff/audit/export/",
        timeout=10,
        data={"csrfmiddlewaretoken": s.cookies["csrftoken"]},
    )
    job_id = re.search(r"/staff/jobs/([0-9a-f-]{36})/", r.url).group(1)  # type: ignore[union-attr]
    deadline = time.monotonic() + 60
    status = ""
    while time.monotonic() < deadline:
        status = s.get(f"{platform.url}/api/core/jobs/{job_id}", timeout=10).json()["status"]
        if status in {"succeeded", "failed", "cancelled"}:
            break
        time.sleep(0.3)
    assert status == "succeeded", (platform.log.read_text())[-3000:]
    csv_file = s.get(f"{platform.url}/staff/jobs/{job_id}/download/", timeout=10)
    assert csv_file.content.startswith(b"\xef\xbb\xbf")
    text = csv_file.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("日時,操作者,部署,操作")
    assert "情報システム課" in text  # the demo departments' creation rows


@pytest.mark.parametrize(
    "database_url", ["sqlite:////nonexistent-dir/kotodx.sqlite3", "postgres://postgres@127.0.0.1:1/kotodx"]
)
def test_database_down_gives_503_and_a_friendly_page(tmp_path: Path, database_url: str) -> None:
    server = Server(
        _env(tmp_path / "var", DATABASE_URL=database_url), queue=False, log=tmp_path / "serve.log"
    )
    try:
        health = requests.get(server.url + "/healthz", timeout=20)
        assert health.status_code == 503
        assert health.json() == {"status": "error", "database": "unavailable"}
        # A member of staff tries to log in: the password check needs the database.
        s = requests.Session()
        s.get(server.url + "/accounts/login/", timeout=20)
        page = s.post(
            server.url + "/accounts/login/",
            timeout=20,
            data={
                "username": "it.officer",
                "password": "koto-demo-2026",
                "csrfmiddlewaretoken": s.cookies["csrftoken"],
            },
        )
        assert page.status_code == 503
        assert "ただいまサービスを利用できません" in page.text and '<html lang="ja">' in page.text
        assert "Traceback" not in page.text and "Error" not in page.text.replace("error", "")
    finally:
        server.stop()


def test_app_processes_started_together_collect_static_files_once(tmp_path: Path) -> None:
    """Several `kotodx serve` on one machine share STATIC_ROOT: started together, one collects and the
    other waits for it and collects nothing (they used to write over each other's files and one died);
    a restart without a change collects nothing; the files are readable by the proxy (0644)."""
    data = tmp_path / "var"
    env = _env(data)
    collect = "from kotodx.core.management.commands.serve import collect_static; print(collect_static())"
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "kotodx.cli", "shell", "-c", collect],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err for _, err in outputs]
    assert sorted(out.split()[-1] for out, _ in outputs) == ["False", "True"]
    static = data / "static"
    manifest = static / "staticfiles.json"
    assert manifest.exists()
    assert manifest.stat().st_mode & 0o777 == 0o644
    assert all(f.stat().st_mode & 0o777 == 0o644 for f in (static / "kotodx").rglob("*.css"))
    assert _kotodx("shell", "-c", collect, env=env).stdout.split()[-1] == "False"
    # A change of the static sources (here: the record of the last collection no longer matches) collects.
    (data / ".static-collected").write_text("an earlier version")
    assert _kotodx("shell", "-c", collect, env=env).stdout.split()[-1] == "True"


def test_the_static_fingerprint_follows_content_not_file_times(tmp_path: Path, settings) -> None:
    """Several app machines have checkouts of their own (other file times) and share one STATIC_ROOT: the
    fingerprint that decides whether to collect changes with a file's content only."""
    from kotodx.core.management.commands.serve import static_fingerprint

    source = tmp_path / "static"
    source.mkdir()
    (source / "site.css").write_text("body { color: #1a1a1c; }")
    settings.STATICFILES_DIRS = [source]
    before = static_fingerprint()
    os.utime(source / "site.css", (1_000_000_000, 1_000_000_000))  # another checkout, another time
    assert static_fingerprint() == before
    (source / "site.css").write_text("body { color: #000; }")
    changed = static_fingerprint()
    assert changed != before
    (source / "new.js").write_text("")
    assert static_fingerprint() not in (before, changed)
