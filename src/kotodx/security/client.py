"""Our TAXII 2.1 client (the ``taxii2-client`` package): pull a partner's collection page by page and
import what it serves, as if the partner had sent the bundle."""

from __future__ import annotations

import json
from typing import Any

import requests

from kotodx.core.models import User
from kotodx.security import stix


class BearerAuth(requests.auth.AuthBase):
    def __init__(self, token: str):
        self.token = token

    def __call__(self, r: Any) -> Any:
        r.headers["Authorization"] = f"Bearer {self.token}"
        return r


def pull(
    collection_url: str,
    *,
    token: str,
    source: str,
    actor: User | None,
    added_after: str | None = None,
    per_request: int = 500,
) -> stix.ImportResult:
    """Fetch every object of the collection (following ``next``) and import them as one bundle."""
    from taxii2client.exceptions import TAXIIServiceException
    from taxii2client.v21 import Collection, as_pages

    try:
        collection = Collection(collection_url, auth=BearerAuth(token))
        objects: list[dict[str, Any]] = []
        kwargs = {"added_after": added_after} if added_after else {}
        for envelope in as_pages(collection.get_objects, per_request=per_request, **kwargs):
            objects += envelope.get("objects", [])
    except (TAXIIServiceException, requests.RequestException) as exc:
        raise stix.BundleProblem([f"TAXIIサーバーから取得できませんでした: {exc}"]) from exc
    bundle = {"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000000", "objects": objects}
    return stix.import_bundle(json.dumps(bundle).encode(), source=source, actor=actor)
