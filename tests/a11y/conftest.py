"""Helpers of the accessibility checker's tests."""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable
from typing import Any


def in_thread(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run fn in a thread of its own, as the scan job runs the crawler. Playwright's sync API refuses to
    start in a thread that already has an asyncio loop — the main thread, once the browser tests'
    session-wide Playwright has started there."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args, **kwargs).result()
