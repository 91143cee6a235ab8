"""``kotodx serve``: the production web server (gunicorn, static files by WhiteNoise), optionally
with a queue consumer beside it (``--queue``) so that one command brings the platform up."""

from __future__ import annotations

import fcntl
import hashlib
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.core.management import call_command
from django.core.management.base import BaseCommand
from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from kotodx.wsgi import application

        return application


def static_fingerprint() -> str:
    """What collectstatic would collect: every source file's path and content (not its time, which
    differs between the checkouts of several app machines sharing one STATIC_ROOT)."""
    digest = hashlib.sha256(repr(settings.STORAGES["staticfiles"]).encode())
    for finder in get_finders():
        for path, storage in sorted(finder.list(["CVS", ".*", "*~"]), key=lambda item: item[0]):
            with open(storage.path(path), "rb") as fh:  # noqa: PTH123
                digest.update(f"{path}\0".encode() + hashlib.file_digest(fh, "sha256").digest())
    return digest.hexdigest()


def collect_static() -> bool:
    """Collects the static files when they changed since the last collection; returns whether it did.

    One process at a time (a lock file beside STATIC_ROOT, on the shared data folder: its NFS mount must
    support locks): app processes started together would otherwise write over each other's files (one
    died with FileNotFoundError), and a restart without a change of code costs no 20 s of collecting.
    """
    root = Path(settings.STATIC_ROOT)
    root.parent.mkdir(parents=True, exist_ok=True)
    done = root.parent / ".static-collected"
    with open(root.parent / ".static-collect.lock", "w") as lock:  # noqa: PTH123
        fcntl.flock(lock, fcntl.LOCK_EX)
        fingerprint = static_fingerprint()
        current = done.exists() and done.read_text() == fingerprint
        if current and (root / "staticfiles.json").exists():
            return False
        call_command("collectstatic", interactive=False, verbosity=0)
        done.write_text(fingerprint)
        return True


class Command(BaseCommand):
    help = "本番用ウェブサーバ（gunicorn）を起動します。--queue でキュー処理も同時に起動します。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=int(os.environ.get("KOTODX_WEB_WORKERS", "2")))
        parser.add_argument("--queue", action="store_true", help="キュー処理（Huey consumer）も起動する")

    def handle(self, *args: Any, **options: Any) -> None:
        collect_static()
        consumer = None
        if options["queue"]:
            consumer = subprocess.Popen([sys.executable, "-m", "kotodx.cli", "run_huey", "--quiet"])  # noqa: S603
            self.stdout.write(f"キュー処理を起動しました (pid {consumer.pid})")
        self.stdout.write(
            f"http://{options['host']}:{options['port']}/ で待ち受けます。Ctrl-C で停止します。"
        )
        try:
            _Gunicorn(
                {
                    "bind": f"{options['host']}:{options['port']}",
                    "workers": options["workers"],
                    "worker_class": "gthread",
                    "threads": 4,
                    "timeout": 60,
                    "accesslog": "-",
                    "proc_name": "kotodx",
                }
            ).run()
        finally:
            if consumer is not None and consumer.poll() is None:
                consumer.send_signal(signal.SIGTERM)
                try:
                    consumer.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    consumer.kill()
