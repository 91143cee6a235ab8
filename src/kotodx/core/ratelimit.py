"""A fixed-window rate limit in the shared cache (the database cache on the embedded default, Redis when
scaled out), so every process counts together."""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


def exceeded(bucket: str, *, limit: int, window: int) -> bool:
    """Count one more hit in ``bucket``; True when the window already holds ``limit`` hits."""
    key = f"ratelimit:{bucket}"
    hits = cache.get_or_set(key, 0, timeout=window) or 0
    if hits >= limit:
        return True
    try:
        cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.set(key, 1, timeout=window)
    return False
