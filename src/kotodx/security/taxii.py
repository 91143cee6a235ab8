"""A TAXII 2.1 server (read-only) for the ward's shareable collections: discovery at /taxii2/, one API
root, collections, objects with added_after / limit / next / match[id|type|version|spec_version],
an object and its versions, and the manifest. Partners authenticate with an API token (Bearer, or HTTP
Basic with the token as password); a collection answers only the tokens it lists (403 otherwise)."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt

from kotodx.core.models import User
from kotodx.core.services import api_token_authenticate
from kotodx.security.models import TaxiiCollection, TaxiiObject
from kotodx.security.sharing import feed_objects

TAXII = "application/taxii+json;version=2.1"
STIX = "application/stix+json;version=2.1"
MAX_PAGE = 1000


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> JsonResponse:
    response = JsonResponse(
        data, status=status, content_type=TAXII, json_dumps_params={"ensure_ascii": False}
    )
    for k, v in (headers or {}).items():
        response[k] = v
    return response


def _error(status: int, title: str, description: str = "") -> JsonResponse:
    response = _json({"title": title, "description": description, "http_status": str(status)}, status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="taxii", Basic realm="taxii"'
    return response


def _caller(request: HttpRequest) -> User | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return api_token_authenticate(header[7:].strip())
    if header.startswith("Basic "):
        try:
            _, _, token = base64.b64decode(header[6:]).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        return api_token_authenticate(token)
    return None


def _can_read(user: User, collection: TaxiiCollection) -> bool:
    return user.has_perm("security.share_stix") or collection.readers.filter(pk=user.pk).exists()


def taxii_view(fn: Any) -> Any:
    """Authentication, the Accept header, GET only: the common checks of every TAXII endpoint."""

    @csrf_exempt
    def wrapper(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        user = _caller(request)
        if user is None:
            return _error(401, "認証が必要です", "APIトークンを Authorization: Bearer で送ってください。")
        accept = request.headers.get("Accept", "*/*")
        if not any(
            a in accept for a in ("application/taxii+json", "*/*", "application/*", "application/json")
        ):
            return _error(406, "応答の形式を受け付けられません", f"Accept に {TAXII} を指定してください。")
        if request.method != "GET":
            response = _error(405, "このコレクションは読み取り専用です")
            response["Allow"] = "GET"  # a 405 must say what is allowed (RFC 9110)
            return response
        return fn(request, user, **kwargs)

    wrapper.__name__ = fn.__name__
    return wrapper


@taxii_view
def discovery(request: HttpRequest, user: User) -> HttpResponse:
    root = request.build_absolute_uri(reverse("taxii:api_root"))
    return _json(
        {
            "title": "江東区CSIRT TAXII",
            "description": "江東区が都区市町村CSIRTと共有する脅威情報・インシデント情報（STIX 2.1）",
            "contact": "江東区 情報システム課",
            "default": root,
            "api_roots": [root],
        }
    )


@taxii_view
def api_root(request: HttpRequest, user: User) -> HttpResponse:
    return _json({"title": "江東区CSIRT", "versions": [TAXII], "max_content_length": 20 * 1024 * 1024})


def _collection_doc(c: TaxiiCollection, user: User) -> dict[str, Any]:
    return {
        "id": str(c.id),
        "title": c.title,
        "description": c.description,
        "alias": c.alias,
        "can_read": _can_read(user, c),
        "can_write": False,
        "media_types": [STIX],
    }


@taxii_view
def collections(request: HttpRequest, user: User) -> HttpResponse:
    readable = [c for c in TaxiiCollection.objects.all() if _can_read(user, c)]
    return _json({"collections": [_collection_doc(c, user) for c in readable]} if readable else {})


def _get_collection(user: User, collection_id: str) -> TaxiiCollection | JsonResponse:
    c = TaxiiCollection.objects.filter(pk=collection_id).first() if _is_uuid(collection_id) else None
    if c is None:
        return _error(404, "コレクションがありません")
    if not _can_read(user, c):
        return _error(403, "このコレクションを読む権限がありません")
    return c


def _is_uuid(text: str) -> bool:
    import uuid

    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


@taxii_view
def collection(request: HttpRequest, user: User, collection_id: str) -> HttpResponse:
    c = _get_collection(user, collection_id)
    return c if isinstance(c, JsonResponse) else _json(_collection_doc(c, user))


def _filtered(request: HttpRequest, c: TaxiiCollection, object_id: str | None = None) -> Any:
    """Objects after the filters; raises ValueError with a Japanese message on a bad parameter."""
    qs = feed_objects(c)
    g = request.GET
    if object_id:
        qs = qs.filter(stix_id=object_id)
    if g.get("added_after"):
        try:
            when = parse_datetime(g["added_after"])
        except ValueError:  # well-formed but no such date (2026-13-45…)
            when = None
        if when is None or when.tzinfo is None:  # RFC 3339 carries an offset
            raise ValueError("added_after は RFC 3339 の日時で指定してください（例: 2026-04-01T00:00:00Z）。")
        qs = qs.filter(date_added__gt=when)
    if g.get("match[id]"):
        qs = qs.filter(stix_id__in=g["match[id]"].split(","))
    if g.get("match[type]"):
        qs = qs.filter(stix_type__in=g["match[type]"].split(","))
    if g.get("match[spec_version]") and "2.1" not in g["match[spec_version]"].split(","):
        qs = qs.none()
    versions = g.get("match[version]", "last")
    rows = list(qs.order_by("date_added", "pk"))
    if versions in ("last", "first"):
        chosen: dict[str, TaxiiObject] = {}
        for r in rows:
            if r.stix_id not in chosen or (versions == "last") == (r.version > chosen[r.stix_id].version):
                chosen[r.stix_id] = r
        rows = sorted(chosen.values(), key=lambda r: (r.date_added, r.pk))
    elif versions != "all":
        wanted = set(versions.split(","))
        rows = [r for r in rows if r.version in wanted]
    return rows


def _page(request: HttpRequest, rows: list[TaxiiObject]) -> tuple[list[TaxiiObject], bool, str]:
    g = request.GET
    try:
        limit = min(int(g.get("limit", MAX_PAGE)), MAX_PAGE)
        start = int(g.get("next", 0))
    except ValueError:
        raise ValueError("limit と next は整数で指定してください。") from None
    if limit < 1 or start < 0:
        raise ValueError("limit は1以上、next は0以上にしてください。")
    page = rows[start : start + limit]
    more = start + limit < len(rows)
    return page, more, str(start + limit) if more else ""


def _date_headers(page: list[TaxiiObject]) -> dict[str, str]:
    if not page:
        return {}
    return {
        "X-TAXII-Date-Added-First": _stamp(page[0].date_added),
        "X-TAXII-Date-Added-Last": _stamp(page[-1].date_added),
    }


def _stamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@taxii_view
def objects(
    request: HttpRequest, user: User, collection_id: str, object_id: str | None = None
) -> HttpResponse:
    c = _get_collection(user, collection_id)
    if isinstance(c, JsonResponse):
        return c
    try:
        rows = _filtered(request, c, object_id)
        page, more, nxt = _page(request, rows)
    except ValueError as exc:
        return _error(400, "パラメータに誤りがあります", str(exc))
    if object_id and not rows:
        return _error(404, "オブジェクトがありません")
    body: dict[str, Any] = {"more": more, "objects": [r.data for r in page]}
    if nxt:
        body["next"] = nxt
    return _json(body, headers=_date_headers(page))


@taxii_view
def versions(request: HttpRequest, user: User, collection_id: str, object_id: str) -> HttpResponse:
    c = _get_collection(user, collection_id)
    if isinstance(c, JsonResponse):
        return c
    rows = list(feed_objects(c).filter(stix_id=object_id).order_by("date_added", "pk"))
    if not rows:
        return _error(404, "オブジェクトがありません")
    return _json({"more": False, "versions": [r.version for r in rows]}, headers=_date_headers(rows))


@taxii_view
def manifest(request: HttpRequest, user: User, collection_id: str) -> HttpResponse:
    c = _get_collection(user, collection_id)
    if isinstance(c, JsonResponse):
        return c
    try:
        page, more, nxt = _page(request, _filtered(request, c))
    except ValueError as exc:
        return _error(400, "パラメータに誤りがあります", str(exc))
    body: dict[str, Any] = {
        "more": more,
        "objects": [
            {"id": r.stix_id, "date_added": _stamp(r.date_added), "version": r.version, "media_type": STIX}
            for r in page
        ],
    }
    if nxt:
        body["next"] = nxt
    return _json(body, headers=_date_headers(page))
