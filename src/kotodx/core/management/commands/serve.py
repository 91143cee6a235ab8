"""``kotodx serve``: the production web server (gunicorn, static files by WhiteNoise), optionally
with a queue consumer beside it (``--queue``) so that one command brings the platform up."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Any

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


class Command(BaseCommand):
    help = "本番用ウェブサーバ（gunicorn）を起動します。--queue でキュー処理も同時に起動します。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=int(os.environ.get("KOTODX_WEB_WORKERS", "2")))
        parser.add_argument("--queue", action="store_true", help="キュー処理（Huey consumer）も起動する")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("collectstatic", interactive=False, verbosity=0)
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
