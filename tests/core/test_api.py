"""The JSON API: OpenAPI 3 document, staff tokens (hashed at rest), session auth."""

import re

from django.urls import reverse
from openapi_spec_validator import validate

from kotodx.core import services
from kotodx.core.models import ApiToken
from tests.conftest import client_for


def test_openapi_document_is_valid_openapi_3(db):
    response = client_for(None).get("/api/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert spec["openapi"].startswith("3.")
    validate(spec)
    assert "/api/core/me" in spec["paths"]


def test_api_docs_page_is_ours_and_lists_every_operation(db):
    body = client_for(None).get("/api/docs").content.decode()
    assert re.search(r'<main id="main"[^>]* lang="ja"', body), "not our own page (base layout, in Japanese)"
    spec = client_for(None).get("/api/openapi.json").json()
    for path, methods in spec["paths"].items():
        for method in methods:
            assert f"<code>{method.upper()} {path}</code>" in body, (method, path)
    # no third-party UI: nothing loaded from another origin (a random CSRF token may spell "cdn")
    assert "swagger-ui" not in body.lower()
    assert not re.search(r'(src|href)="(https?:)?//', body), "external asset on /api/docs"


def test_token_is_shown_once_and_stored_hashed(personas):
    client = client_for(personas.clerk_a)
    page = client.post(reverse("core:token_list"), {"name": "集計スクリプト"}).content.decode()
    token = ApiToken.objects.get(user=personas.clerk_a)
    key = page.split('<code id="new-token">')[1].split("</code>")[0]
    assert key.startswith("kdx_") and len(key) > 40
    assert token.key_hash != key and key not in token.key_hash
    assert key not in client.get(reverse("core:token_list")).content.decode()


def test_token_authenticates_until_revoked(personas):
    token, key = services.api_token_create(user=personas.clerk_a, name="t", actor=personas.clerk_a)
    api = client_for(None)
    me = api.get("/api/core/me", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert me.status_code == 200
    assert me.json()["department"] == "子育て支援課"
    assert me.json()["roles"] == [{"code": "dept_clerk", "name": "部署担当者"}]
    services.api_token_revoke(token=token, actor=personas.clerk_a)
    assert api.get("/api/core/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_no_or_bad_token_is_401_with_a_japanese_message(db):
    api = client_for(None)
    for header in ({}, {"HTTP_AUTHORIZATION": "Bearer kdx_nope"}, {"HTTP_AUTHORIZATION": "Bearer "}):
        response = api.get("/api/core/me", **header)
        assert response.status_code == 401
        assert "認証が必要です" in response.json()["detail"]


def test_session_auth_works_for_the_browser(personas):
    assert client_for(personas.auditor).get("/api/core/me").json()["ward_wide"] is True


def test_staff_cannot_revoke_anothers_token(personas):
    token, _ = services.api_token_create(user=personas.clerk_a, name="t", actor=personas.clerk_a)
    response = client_for(personas.clerk_b).post(reverse("core:token_revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.is_active


def test_empty_token_name_is_refused_with_a_message(personas):
    body = client_for(personas.clerk_a).post(reverse("core:token_list"), {"name": "  "}).content.decode()
    assert "入力内容に誤りがあります" in body
    assert not ApiToken.objects.exists()


def test_departments_endpoint(personas):
    _, key = services.api_token_create(user=personas.committee, name="t", actor=personas.committee)
    rows = client_for(None).get("/api/core/departments", HTTP_AUTHORIZATION=f"Bearer {key}").json()
    assert {
        "code": "joho-system",
        "name": "情報システム課",
        "name_en": "",
        "division": "",
        "is_it_division": True,
    } in rows
