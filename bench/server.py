"""`kotodx serve` started for a benchmark on a free loopback port, waited for, and stopped afterwards."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import requests


@contextmanager
def serve(env: dict[str, str], workers: int = 2) -> Iterator[str]:
    """Yield the base URL of a running `kotodx serve` (gunicorn) with the given environment."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "kotodx.cli", "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(900):  # the first start collects the static files
            try:
                requests.get(base + "/healthz", timeout=1)
                break
            except requests.ConnectionError:
                if proc.poll() is not None:
                    raise SystemExit("kotodx serve did not start") from None
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)
