"""Behind the reverse proxy: the resident's address comes from X-Forwarded-For, only when the request
comes from a trusted proxy (core.middleware.ClientAddressMiddleware), so that rate limits, the login
lockout and the audit log count residents and not the proxy — and nobody chooses their own address."""

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from kotodx.core.middleware import ClientAddressMiddleware
from kotodx.core.models import AuditEntry
from tests.core.test_commands import _kotodx


def _seen(settings, trusted, peer, forwarded=None):  # type: ignore[no-untyped-def]
    settings.KOTODX_TRUSTED_PROXIES = trusted
    middleware = ClientAddressMiddleware(lambda r: HttpResponse(r.META["REMOTE_ADDR"]))
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return middleware(RequestFactory().get("/", REMOTE_ADDR=peer, **extra)).content.decode()


@pytest.mark.parametrize(
    ("trusted", "peer", "forwarded", "client"),
    [
        (["127.0.0.1"], "127.0.0.1", "198.51.100.7", "198.51.100.7"),
        # what the client wrote itself stands left of what the proxy added
        (["127.0.0.1"], "127.0.0.1", "6.6.6.6, 198.51.100.7", "198.51.100.7"),
        # two proxies: the load balancer's network and nginx on the machine
        (["127.0.0.1", "10.0.0.0/8"], "127.0.0.1", "6.6.6.6, 198.51.100.7, 10.1.2.3", "198.51.100.7"),
        (["::1"], "::1", "2001:db8::7", "2001:db8::7"),
        # not from a trusted proxy: the header is whatever the client wants, so it is ignored
        (["127.0.0.1"], "203.0.113.9", "198.51.100.7", "203.0.113.9"),
        ([], "127.0.0.1", "198.51.100.7", "127.0.0.1"),
        # from the proxy, but no usable address in the header
        (["127.0.0.1"], "127.0.0.1", None, "127.0.0.1"),
        (["127.0.0.1"], "127.0.0.1", "not-an-address", "127.0.0.1"),
        (["127.0.0.1"], "127.0.0.1", "", "127.0.0.1"),
    ],
)
def test_the_client_address(settings, trusted, peer, forwarded, client):
    assert _seen(settings, trusted, peer, forwarded) == client


def test_the_audit_log_and_lockout_see_the_resident_behind_the_proxy(db, settings):
    settings.KOTODX_TRUSTED_PROXIES = ["127.0.0.1"]
    behind = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    behind.post(reverse("core:login"), {"username": "someone", "password": "wrong-password-1"})
    entry = AuditEntry.objects.filter(action="login_failed").latest("pk")
    assert entry.ip_address == "198.51.100.7"


def test_a_bad_trusted_proxy_setting_stops_the_start_with_a_message(tmp_path):
    result = _kotodx(["check"], {"KOTODX_TRUSTED_PROXIES": "127.0.0.1,nginx-host"}, tmp_path)
    assert result.returncode != 0
    assert "KOTODX_TRUSTED_PROXIES" in result.stderr and "nginx-host" in result.stderr
    assert "Traceback" not in result.stderr
