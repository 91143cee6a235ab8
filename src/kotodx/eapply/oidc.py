"""Optional sign-in of residents by OpenID Connect (e.g. the Digital Agency's 認証アプリ), to pre-fill a
form with the name, address, e-mail and birth date the provider vouches for.

The protocol is Authlib's Django client (``authlib.integrations.django_client``): the provider's discovery
document (``<issuer>/.well-known/openid-configuration``), the authorization code flow with PKCE (S256),
``state`` and ``nonce`` kept in the session for one use, the code exchanged at the token endpoint, the ID
token's signature checked against the provider's JWKS and its ``iss``, ``aud``, ``exp``, ``iat`` and
``nonce`` checked (``aud`` explicitly: Authlib alone only checks ``azp``). This module configures it from
``settings.KOTODX_OIDC`` (environment variables ``KOTODX_OIDC_*``), turns every way it can fail into a
:class:`SignInError` with a Japanese message, and keeps the resident's identity in the session.

Residents are not users: no ``User`` is created. The session holds the issuer, the subject and only the
claims a form is pre-filled with (:func:`identity_from_claims`); signing out removes them.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass
from typing import Any

import requests
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.django_client import OAuth
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy, gettext_noop
from joserfc import errors as jose_errors

log = logging.getLogger(__name__)

SESSION_KEY = "eapply_resident"  # the signed-in resident: issuer, subject, provider, claims for pre-fill
NEXT_KEY = "eapply_oidc_next"  # the procedure (slug) the resident returns to after the provider
LEEWAY = 60  # seconds of clock difference allowed for exp / iat


@dataclass(frozen=True)
class Provider:
    issuer: str
    client_id: str
    client_secret: str
    label: str
    scopes: str
    token_auth_method: str
    timeout: int

    @property
    def discovery_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


def provider() -> Provider | None:
    """The configured provider, or None when sign-in is off (no issuer or client ID)."""
    conf = getattr(settings, "KOTODX_OIDC", None) or {}
    issuer, client_id = str(conf.get("issuer") or ""), str(conf.get("client_id") or "")
    if not issuer or not client_id:
        return None
    secret = str(conf.get("client_secret") or "")
    scopes = str(conf.get("scopes") or "openid profile email address").split()
    if "openid" not in scopes:
        scopes.insert(0, "openid")
    return Provider(
        issuer=issuer,
        client_id=client_id,
        client_secret=secret,
        label=str(conf.get("label") or DEFAULT_LABEL),
        scopes=" ".join(scopes),
        token_auth_method=str(conf.get("token_auth_method") or "")
        or ("client_secret_basic" if secret else "none"),
        timeout=int(conf.get("timeout") or 10),
    )


class SignInError(Exception):
    """A sign-in that did not succeed: ``message`` is for the resident, ``reason`` for the audit log."""

    def __init__(self, reason: str, message: str | Promise, status: int = 400):
        super().__init__(reason)
        self.reason, self.message, self.status = reason, message, status


AGAIN = gettext_lazy("サインインせずに申請を続けることもできます。")
UNREACHABLE = format_lazy(
    "{}{}",
    gettext_lazy(
        "サインインの相手先（認証サービス）に接続できませんでした。時間をおいてもう一度お試しください。"
    ),
    AGAIN,
)
DENIED = format_lazy(
    "{}{}", gettext_lazy("サインインは取り消されました（認証サービスで同意されませんでした）。"), AGAIN
)
EXPIRED_OR_REPLAYED = format_lazy(
    "{}{}",
    gettext_lazy(
        "サインインの手続きの有効期限が切れたか、別の画面で始められたものです。"
        "もう一度「サインイン」から始めてください。"
    ),
    AGAIN,
)
UNTRUSTED = format_lazy(
    "{}{}",
    gettext_lazy(
        "認証サービスからの応答を確認できなかったため、サインインしませんでした。もう一度お試しください。"
    ),
    AGAIN,
)
DEFAULT_LABEL = gettext_noop("マイナンバーカード等でサインイン（任意）")  # translated on /en/ (views)


def _client(p: Provider) -> Any:
    """A fresh Authlib client: the discovery document and keys are read again for every sign-in, so a
    provider's key rotation or a changed setting needs no restart (sign-ins are rare)."""
    oauth = OAuth()
    return oauth.register(
        name="kotodx_resident",
        client_id=p.client_id,
        client_secret=p.client_secret or None,
        server_metadata_url=p.discovery_url,
        client_kwargs={
            "scope": p.scopes,
            "code_challenge_method": "S256",
            "token_endpoint_auth_method": p.token_auth_method,
            "default_timeout": p.timeout,
        },
    )


def _metadata(client: Any, p: Provider) -> dict[str, Any]:
    try:
        metadata: dict[str, Any] = client.load_server_metadata()
    except (requests.RequestException, ValueError) as exc:
        log.warning("OIDC discovery at %s failed: %s", p.discovery_url, exc)
        raise SignInError("unreachable", UNREACHABLE, 502) from exc
    # OpenID Connect Discovery 1.0 §4.3: the document must name exactly the issuer it was fetched for.
    if metadata.get("issuer") != p.issuer:
        log.warning("OIDC discovery names issuer %r, expected %r", metadata.get("issuer"), p.issuer)
        raise SignInError("issuer_mismatch", UNREACHABLE, 502)
    return metadata


def begin(request: HttpRequest, *, redirect_uri: str) -> HttpResponse:
    """The redirect to the provider's authorization endpoint (state, nonce and PKCE verifier kept in
    the session by Authlib)."""
    p = provider()
    if p is None:
        raise SignInError("disabled", gettext_lazy("サインインは利用できません。"), 404)
    client = _client(p)
    _metadata(client, p)
    try:
        response: HttpResponse = client.authorize_redirect(request, redirect_uri, ui_locales="ja")
    except (requests.RequestException, ValueError, RuntimeError) as exc:
        raise SignInError("unreachable", UNREACHABLE, 502) from exc
    return response


def complete(request: HttpRequest) -> dict[str, Any]:
    """Finish the sign-in on the provider's redirect back: returns the resident's identity (for the
    session) or raises SignInError. The state is used once, whatever the outcome."""
    p = provider()
    if p is None:
        raise SignInError("disabled", gettext_lazy("サインインは利用できません。"), 404)
    client = _client(p)
    error = request.GET.get("error", "")
    if error:
        client.framework.clear_state_data(request.session, request.GET.get("state", ""))
        if error == "access_denied":
            raise SignInError("access_denied", DENIED, 200)
        raise SignInError(f"provider_error:{error[:40]}", UNTRUSTED)
    if not request.GET.get("code") or not request.GET.get("state"):
        raise SignInError("bad_request", EXPIRED_OR_REPLAYED)
    if client.framework.get_state_data(request.session, request.GET["state"]) is None:
        raise SignInError("bad_state", EXPIRED_OR_REPLAYED)
    _metadata(client, p)
    try:
        token = client.authorize_access_token(
            request,
            claims_options={
                "iss": {"essential": True, "value": p.issuer},
                "aud": {"essential": True, "values": [p.client_id]},
                "sub": {"essential": True},
            },
            leeway=LEEWAY,
        )
        if not token.get("userinfo"):
            raise SignInError("no_id_token", UNTRUSTED)
        claims = dict(token["userinfo"])
        metadata = client.load_server_metadata()
        if metadata.get("userinfo_endpoint") and token.get("access_token"):
            extra = dict(client.userinfo(token=token))
            # OpenID Connect Core §5.3.2: the UserInfo response is about the ID token's subject, or unused.
            if extra.get("sub") != claims.get("sub"):
                raise SignInError("userinfo_subject_mismatch", UNTRUSTED)
            claims = {**extra, **claims}
    except SignInError:
        raise
    except MismatchingStateError as exc:
        raise SignInError("bad_state", EXPIRED_OR_REPLAYED) from exc
    except OAuthError as exc:  # the token endpoint refused the code (invalid_grant, invalid_client, …)
        raise SignInError(f"token_refused:{str(exc.error)[:40]}", UNTRUSTED) from exc
    except jose_errors.ExpiredTokenError as exc:
        raise SignInError("expired", UNTRUSTED) from exc
    except jose_errors.ClaimError as exc:  # nonce, iss, aud, sub, iat: wrong or missing
        raise SignInError(f"bad_{exc.claim}", UNTRUSTED) from exc
    except jose_errors.JoseError as exc:  # signature, unknown key, malformed token, algorithm
        raise SignInError(f"bad_token:{type(exc).__name__}", UNTRUSTED) from exc
    except (requests.RequestException, ValueError) as exc:
        log.warning("OIDC token or userinfo request failed: %s", exc)
        raise SignInError("unreachable", UNREACHABLE, 502) from exc
    return {
        "iss": p.issuer,
        "sub": str(claims["sub"]),
        "provider": p.label,
        "at": timezone.localtime().isoformat(timespec="seconds"),
        "claims": identity_from_claims(claims),
    }


# --- claims -----------------------------------------------------------------------------------------


def _text(value: Any, limit: int = 200) -> str:
    return unicodedata.normalize("NFKC", str(value)).strip()[:limit] if isinstance(value, str) else ""


def identity_from_claims(claims: dict[str, Any]) -> dict[str, Any]:
    """Only what pre-fill needs, from standard claims (OpenID Connect Core §5.1): name (``name``, or
    ``family_name`` + ``given_name`` in Japanese order), its reading (``#ja-Kana-JP`` variants), e-mail,
    birth date (``YYYY-MM-DD`` only) and the ``address`` claim (object, or a plain string)."""
    name = _text(claims.get("name"))
    if not name and (claims.get("family_name") or claims.get("given_name")):
        name = " ".join(p for p in (_text(claims.get("family_name")), _text(claims.get("given_name"))) if p)
    kana = _text(claims.get("name#ja-Kana-JP"))
    if not kana and (claims.get("family_name#ja-Kana-JP") or claims.get("given_name#ja-Kana-JP")):
        kana = " ".join(
            p
            for p in (_text(claims.get("family_name#ja-Kana-JP")), _text(claims.get("given_name#ja-Kana-JP")))
            if p
        )
    birthdate = _text(claims.get("birthdate"), 10)
    if len(birthdate) != 10 or birthdate.startswith("0000"):  # "0000-04-01" = year withheld; "1990" alone
        birthdate = ""
    address: Any = claims.get("address")
    if isinstance(address, dict):
        address = {
            k: _text(address.get(k))
            for k in ("formatted", "street_address", "locality", "region", "postal_code", "country")
            if _text(address.get(k))
        }
    else:
        address = _text(address)
    return {
        "name": name,
        "kana": kana,
        "email": _text(claims.get("email"), 254),
        "birthdate": birthdate,
        "address": address or None,
    }


def signed_in(request: HttpRequest) -> dict[str, Any] | None:
    """The resident's identity from this browser's session, while sign-in is configured."""
    p = provider()
    identity = request.session.get(SESSION_KEY)
    if p is None or not isinstance(identity, dict) or identity.get("iss") != p.issuer:
        return None
    return identity
