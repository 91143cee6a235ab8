"""Japanese first, English under /en/; accessible page skeleton."""

import pytest
from django.urls import reverse

from tests.conftest import client_for


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/accessibility/"])
def test_japanese_pages(db, path):
    body = client_for(None).get(path).content.decode()
    assert '<html lang="ja">' in body
    assert 'class="skip-link" href="#main"' in body and '<main id="main"' in body
    assert 'href="/en' in body  # the same page in English


@pytest.mark.parametrize(
    ("path", "english"), [("/en/", "Online services"), ("/en/accounts/login/", "Staff login")]
)
def test_english_pages(db, path, english):
    response = client_for(None).get(path)
    body = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="en">' in body
    assert english in body


def test_english_accept_language_does_not_move_the_japanese_default(db):
    body = client_for(None).get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="ja">' in body


def test_security_headers(db):
    response = client_for(None).get(reverse("core:home"))
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert len(response["X-Request-ID"]) >= 16


def test_login_form_without_csrf_token_is_refused_in_japanese(personas):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("core:login"), {"username": "t.clerk_a", "password": "x"})
    assert response.status_code == 403
    assert "送信を受け付けられませんでした" in response.content.decode()


def test_unknown_page_is_a_friendly_404(db):
    response = client_for(None).get("/no-such-page/")
    assert response.status_code == 404
    assert "ページが見つかりません" in response.content.decode()
