"""Request id (for the audit log and logs) and the client address, kept for the length of a request."""

from __future__ import annotations

import ipaddress
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    ip_address: str | None


current_request: ContextVar[RequestContext | None] = ContextVar("kotodx_request", default=None)
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class ClientAddressMiddleware:
    """Behind the reverse proxy (nginx, HAProxy) every request comes from the proxy's address: then the
    resident's address is taken from ``X-Forwarded-For`` — only when the request comes from one of
    ``KOTODX_TRUSTED_PROXIES``, and as the right-most address there that is not a trusted proxy (what a
    client writes into the header itself stands left of what the proxies add). Rate limits, the login
    lockout and the audit log then count residents, not the proxy. Without trusted proxies (the embedded
    default, served directly) the header is ignored, so nobody can choose their own address."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        from django.conf import settings

        self.get_response = get_response
        self.trusted = _networks(getattr(settings, "KOTODX_TRUSTED_PROXIES", []))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.trusted:
            peer = request.META.get("REMOTE_ADDR", "")
            if _within(peer, self.trusted):
                client = peer
                for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
                    hop = hop.strip()
                    if not _within(hop, self.trusted):
                        client = hop if _address(hop) else peer  # garbage in the header: the proxy's own
                        break
                request.META["REMOTE_ADDR"] = client
                request.META["KOTODX_PROXY_ADDR"] = peer
        return self.get_response(request)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _networks(values: list[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(v.strip(), strict=False) for v in values if v.strip()]


def _within(text: str, networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    addr = _address(text)
    return addr is not None and any(addr in net for net in networks)


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        token = current_request.set(RequestContext(request_id, request.META.get("REMOTE_ADDR")))
        try:
            response = self.get_response(request)
        finally:
            current_request.reset(token)
        response["X-Request-ID"] = request_id
        return response


class RefuseNulMiddleware:
    """A NUL character in the address or a form value is never meaningful, and PostgreSQL refuses it in
    text: answer 400 with the reason (JSON for the APIs) instead of letting it reach a query."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        values = [request.path, *request.GET.keys(), *(v for vs in request.GET.lists() for v in vs[1])]
        if request.method == "POST" and request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            values += [*request.POST.keys(), *(v for vs in request.POST.lists() for v in vs[1])]
        if any("\x00" in v for v in values):
            message = "リクエストに使えない文字（NUL）が含まれています。"
            if request.path.startswith(("/api/", "/ogc/", "/taxii2/")):
                from django.http import JsonResponse

                return JsonResponse(
                    {"detail": message}, status=400, json_dumps_params={"ensure_ascii": False}
                )
            from django.http import HttpResponseBadRequest

            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
