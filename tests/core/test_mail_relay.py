"""Mail to a real SMTP relay (aiosmtpd on loopback) that asks for a login over STARTTLS or implicit TLS,
configured by environment as docs/deploy.md says; the kotodx process is started as in production."""

import contextlib
import socket
import ssl
import subprocess

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from tests.core.test_commands import _kotodx

SEND = (
    "from django.core.mail import send_mail;"
    "send_mail('受付のお知らせ', '本文', None, ['resident@example.jp'])"
)


class _Inbox:
    def __init__(self):
        self.mails = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802  (aiosmtpd's hook name)
        self.mails.append((session.authenticated, envelope.rcpt_tos, envelope.content))
        return "250 OK"


def _authenticate(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == b"koto-relay" and auth_data.password == b"s3cret"
    return AuthResult(success=ok)


@pytest.fixture
def certificate(tmp_path):
    cert, key = tmp_path / "relay.pem", tmp_path / "relay.key"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return cert, context


@contextlib.contextmanager
def _relay(auth_require_tls=True, **kw):
    """A real SMTP relay on a free loopback port that asks for a login; yields (inbox, port)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=_authenticate,
        auth_require_tls=auth_require_tls,
        **kw,
    )
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def _env(port, cert, **extra):
    return {
        "KOTODX_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "KOTODX_EMAIL_HOST": "127.0.0.1",
        "KOTODX_EMAIL_PORT": str(port),
        "KOTODX_EMAIL_USER": "koto-relay",
        "KOTODX_EMAIL_PASSWORD": "s3cret",
        "SSL_CERT_FILE": str(cert),  # the test relay's own certificate is the trusted one
        **extra,
    }


def test_mail_goes_through_a_relay_with_login_over_starttls(certificate, tmp_path):
    cert, context = certificate
    with _relay(tls_context=context, require_starttls=True) as (inbox, port):
        result = _kotodx(["shell", "-c", SEND], _env(port, cert, KOTODX_EMAIL_STARTTLS="1"), tmp_path)
        assert result.returncode == 0, result.stderr
        assert len(inbox.mails) == 1
        authenticated, rcpt, content = inbox.mails[0]
        assert authenticated and rcpt == ["resident@example.jp"]
        assert b"Subject: =?utf-8?" in content
        # Without STARTTLS the relay refuses the login, and the sender says so (no mail, no silence).
        result = _kotodx(["shell", "-c", SEND], _env(port, cert), tmp_path)
        assert result.returncode != 0 and len(inbox.mails) == 1


def test_mail_goes_through_a_relay_with_login_over_implicit_tls(certificate, tmp_path):
    cert, context = certificate
    # aiosmtpd only counts STARTTLS as TLS for its auth_require_tls; this whole connection is TLS.
    with _relay(ssl_context=context, auth_require_tls=False) as (inbox, port):
        result = _kotodx(["shell", "-c", SEND], _env(port, cert, KOTODX_EMAIL_SSL="1"), tmp_path)
        assert result.returncode == 0, result.stderr
        assert len(inbox.mails) == 1 and inbox.mails[0][0]


def test_starttls_and_implicit_tls_together_are_refused_at_start(tmp_path):
    result = _kotodx(["check"], {"KOTODX_EMAIL_STARTTLS": "1", "KOTODX_EMAIL_SSL": "1"}, tmp_path)
    assert result.returncode != 0
    assert "KOTODX_EMAIL_STARTTLS" in result.stderr and "どちらか一方" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_login_without_tls_is_refused_in_production(tmp_path):
    env = {"KOTODX_PRODUCTION": "1", "SECRET_KEY": "x" * 50, "KOTODX_EMAIL_USER": "koto-relay"}
    result = _kotodx(["check"], env, tmp_path)
    assert result.returncode != 0
    assert "KOTODX_EMAIL_STARTTLS" in result.stderr and "暗号化" in result.stderr
    assert "Traceback" not in result.stderr
    assert _kotodx(["check"], {**env, "KOTODX_EMAIL_STARTTLS": "1"}, tmp_path).returncode == 0


def test_an_untrusted_relay_certificate_is_refused(certificate, tmp_path):
    """The relay's certificate is checked: without it among the trusted ones, nothing is sent."""
    cert, context = certificate
    with _relay(tls_context=context, require_starttls=True) as (inbox, port):
        env = _env(port, cert, KOTODX_EMAIL_STARTTLS="1")
        env["SSL_CERT_FILE"] = str(tmp_path / "no-such-ca.pem")
        result = _kotodx(["shell", "-c", SEND], env, tmp_path)
        assert result.returncode != 0 and "CERTIFICATE_VERIFY_FAILED" in result.stderr
        assert inbox.mails == []
