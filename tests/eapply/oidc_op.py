"""A small but real OpenID provider for the tests, over HTTP on loopback (a ``http.server`` thread).

It serves discovery (``/.well-known/openid-configuration``), its keys (``/jwks``), ``/authorize`` (the
resident is taken as signed in and consenting: it answers with a redirect, as a provider does after its
own screens), ``/token`` (client authentication, one-use codes, redirect URI and PKCE S256 checked) and
``/userinfo`` (bearer token). ID tokens are RS256 JWTs signed with joserfc. ``mode`` makes it misbehave
the ways a provider or an attacker can: ``deny`` (error=access_denied), ``bad_nonce``,
``bad_signature`` (signed with another key under the published key id), ``expired``, ``wrong_aud``,
``wrong_iss``, ``other_issuer_in_discovery``, ``userinfo_other_sub``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import requests
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

CLIENT_ID = "kotodx-test"
CLIENT_SECRET = "op-test-secret"

KOTO_RESIDENT = {
    "sub": "resident-0001",
    "name": "江東 花子",
    "family_name#ja-Kana-JP": "コウトウ",
    "given_name#ja-Kana-JP": "ハナコ",
    "email": "hanako@example.jp",
    "email_verified": True,
    "birthdate": "1990-04-01",
    "address": {
        "formatted": "〒135-0016 東京都江東区東陽4丁目11番28号",
        "postal_code": "135-0016",
        "region": "東京都",
        "locality": "江東区",
        "street_address": "東陽4丁目11番28号",
        "country": "JP",
    },
}
ID_TOKEN_CLAIMS = ("name", "email", "email_verified")  # the rest comes from /userinfo only


class OpenIDProvider:
    def __init__(self, claims: dict[str, Any] | None = None) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "op-key-1", "use": "sig", "alg": "RS256"})
        self.impostor_key = RSAKey.generate_key(2048, parameters={"kid": "op-key-1"})
        self.claims = dict(claims or KOTO_RESIDENT)
        self.mode = ""
        self.client_secret = CLIENT_SECRET
        self.codes: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, str] = {}  # access token → sub
        self.seen: list[tuple[str, str, dict[str, Any]]] = []  # (method, path, params)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def settings(self, **extra: Any) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "client_id": CLIENT_ID,
            "client_secret": self.client_secret,
            "label": "マイナンバーカード等でサインイン（任意）",
            "scopes": "openid profile email address",
            "token_auth_method": "",
            "timeout": 5,
            **extra,
        }

    def authorize(self, url: str) -> str:
        """What a browser does at the provider: returns where the provider sends it back."""
        response = requests.get(url, allow_redirects=False, timeout=5)
        assert response.status_code == 302, response.text
        return response.headers["Location"]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- what the endpoints answer ---

    def discovery(self) -> dict[str, Any]:
        base = self.issuer
        return {
            "issuer": base + "/other" if self.mode == "other_issuer_in_discovery" else base,
            "authorization_endpoint": base + "/authorize",
            "token_endpoint": base + "/token",
            "userinfo_endpoint": base + "/userinfo",
            "jwks_uri": base + "/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": ["openid", "profile", "email", "address"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            "claims_supported": ["sub", "name", "email", "birthdate", "address"],
        }

    def jwks(self) -> dict[str, Any]:
        return KeySet([self.key]).as_dict(private=False)

    def authorize_endpoint(self, q: dict[str, str]) -> tuple[int, dict[str, str], str]:
        problems = []
        if q.get("response_type") != "code":
            problems.append("response_type")
        if q.get("client_id") != CLIENT_ID:
            problems.append("client_id")
        if not q.get("redirect_uri") or not q.get("state") or not q.get("nonce"):
            problems.append("redirect_uri/state/nonce")
        if q.get("code_challenge_method") != "S256" or len(q.get("code_challenge", "")) < 43:
            problems.append("PKCE")
        if "openid" not in q.get("scope", "").split():
            problems.append("scope")
        if problems:
            return 400, {}, "bad authorization request: " + ", ".join(problems)
        back = q["redirect_uri"]
        if self.mode == "deny":
            return (
                302,
                {"Location": back + "?" + urlencode({"error": "access_denied", "state": q["state"]})},
                "",
            )
        code = secrets.token_urlsafe(24)
        self.codes[code] = {**q, "at": time.time()}
        return 302, {"Location": back + "?" + urlencode({"code": code, "state": q["state"]})}, ""

    def token_endpoint(self, form: dict[str, str], auth: str) -> tuple[int, dict[str, Any]]:
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        if auth.startswith("Basic "):
            client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
        if client_id != CLIENT_ID or secret != self.client_secret:
            return 401, {"error": "invalid_client"}
        if form.get("grant_type") != "authorization_code":
            return 400, {"error": "unsupported_grant_type"}
        grant = self.codes.pop(form.get("code", ""), None)  # one use
        if grant is None or grant["redirect_uri"] != form.get("redirect_uri"):
            return 400, {"error": "invalid_grant"}
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if not verifier or challenge != grant["code_challenge"]:
            return 400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
        access = secrets.token_urlsafe(24)
        self.tokens[access] = self.claims["sub"]
        now = int(time.time())
        claims = {
            "iss": self.issuer + "/impostor" if self.mode == "wrong_iss" else self.issuer,
            "sub": self.claims["sub"],
            "aud": "someone-else" if self.mode == "wrong_aud" else CLIENT_ID,
            "iat": now - 3600 if self.mode == "expired" else now,
            "exp": now - 600 if self.mode == "expired" else now + 300,
            "auth_time": now,
            "nonce": "not-the-nonce" if self.mode == "bad_nonce" else grant["nonce"],
            **{k: self.claims[k] for k in ID_TOKEN_CLAIMS if k in self.claims},
        }
        key = self.impostor_key if self.mode == "bad_signature" else self.key
        id_token = jwt.encode({"alg": "RS256", "kid": "op-key-1"}, claims, key)
        return 200, {"access_token": access, "token_type": "Bearer", "expires_in": 300, "id_token": id_token}

    def userinfo_endpoint(self, auth: str) -> tuple[int, dict[str, Any]]:
        sub = self.tokens.get(auth.removeprefix("Bearer ").strip()) if auth.startswith("Bearer ") else None
        if sub is None:
            return 401, {"error": "invalid_token"}
        info = dict(self.claims)
        if self.mode == "userinfo_other_sub":
            info["sub"] = "someone-else"
        return 200, info


def _handler(op: OpenIDProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain" if isinstance(body, str) else "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            q = {k: v[0] for k, v in parse_qs(url.query).items()}
            op.seen.append(("GET", url.path, q))
            if url.path == "/.well-known/openid-configuration":
                self._send(200, op.discovery())
            elif url.path == "/jwks":
                self._send(200, op.jwks())
            elif url.path == "/authorize":
                status, headers, body = op.authorize_endpoint(q)
                self._send(status, body, headers)
            elif url.path == "/userinfo":
                self._send(*op.userinfo_endpoint(self.headers.get("Authorization", "")))
            else:
                self._send(404, "not found")

        def do_POST(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            op.seen.append(("POST", url.path, form))
            if url.path == "/token":
                self._send(*op.token_endpoint(form, self.headers.get("Authorization", "")))
            else:
                self._send(404, "not found")

    return Handler
