"""CKAN Action API v3 (read actions) at /api/3/action/<name> and /api/action/<name>, GET or POST JSON,
with CKAN's envelopes, error types and status codes, so that CKAN clients (ckanapi, harvesters, the
Tokyo catalog's tools) work unchanged. Field names and shapes follow real CKAN package_show responses."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db.models import Count, Q
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from kotodx.core.models import Department
from kotodx.opendata import datastore, search
from kotodx.opendata.models import Dataset, Group, Resource, Tag

CKAN_VERSION = "2.10.4"
ROWS_MAX = 1000
# get_update_frequency_display() without Django rebuilding the choices (translated, hashed) on every call.
FREQUENCY_LABELS = dict(Dataset.Frequency.choices)


class ActionError(Exception):
    def __init__(
        self, status: int, type_: str, message: str | None = None, fields: dict[str, list[str]] | None = None
    ):
        self.status, self.type, self.message, self.fields = status, type_, message, fields or {}
        super().__init__(message or type_)


def not_found(what: str = "Not found") -> ActionError:
    return ActionError(404, "Not Found Error", what)


def invalid(**fields: str) -> ActionError:
    return ActionError(409, "Validation Error", fields={k: [v] for k, v in fields.items()})


# --- Shapes -----------------------------------------------------------------------------------------


def _iso(value: Any) -> str | None:
    """CKAN's timestamps: ISO 8601 in UTC without an offset."""
    if value is None:
        return None
    if timezone.is_aware(value):
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return str(value.isoformat())


def department_id(dept: Department) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"kotodx:department:{dept.code}"))


def organization_dict(dept: Department, package_count: int | None = None) -> dict[str, Any]:
    out = {
        "id": department_id(dept),
        "name": dept.code,
        "title": dept.name,
        "display_name": dept.name,
        "description": dept.division,
        "type": "organization",
        "is_organization": True,
        "state": "active",
        "approval_status": "approved",
        "image_url": "",
        "created": None,
    }
    if package_count is not None:
        out["package_count"] = package_count
    return out


def group_dict(group: Group, package_count: int | None = None) -> dict[str, Any]:
    out = {
        "id": str(group.id),
        "name": group.name,
        "title": group.title,
        "display_name": group.title,
        "description": group.description,
        "image_display_url": "",
        "type": "group",
        "is_organization": False,
        "state": "active",
        "created": _iso(group.created),
    }
    if package_count is not None:
        out["package_count"] = package_count
    return out


def resource_dict(r: Resource, request: HttpRequest) -> dict[str, Any]:
    if r.is_upload:
        url = request.build_absolute_uri(reverse("opendata:resource_download", args=[r.dataset.name, r.pk]))
    else:
        url = r.url
    return {
        "id": str(r.id),
        "package_id": str(r.dataset_id),
        "name": r.name,
        "description": r.description,
        "url": url,
        "format": r.format,
        "mimetype": r.mimetype or None,
        "mimetype_inner": None,
        "size": r.size,
        "hash": r.hash,
        "created": _iso(r.created),
        "last_modified": _iso(r.last_modified),
        "position": r.position,
        "state": r.state,
        "url_type": "upload" if r.is_upload else None,
        "resource_type": None,
        "cache_url": None,
        "cache_last_updated": None,
        "datastore_active": r.datastore_active,
        "encoding": r.encoding or None,
        "schema": r.schema or None,
        "validation_status": r.validation_status or None,
    }


def package_dict(d: Dataset, request: HttpRequest) -> dict[str, Any]:
    resources = [r for r in d.resources.all() if r.state == Resource.State.ACTIVE]
    tags = list(d.tags.all())
    extras = [
        {"key": "更新頻度", "value": str(FREQUENCY_LABELS.get(d.update_frequency, d.update_frequency))},
        {"key": "出典", "value": d.attribution},
    ]
    if d.standard_dataset:
        extras.append({"key": "自治体標準オープンデータセット", "value": d.standard_dataset})
    if d.spatial:
        extras.append({"key": "対象地域", "value": d.spatial})
    if d.temporal_start or d.temporal_end:
        extras.append({"key": "対象期間", "value": f"{d.temporal_start or ''}/{d.temporal_end or ''}"})
    extras += [e for e in d.extras if isinstance(e, dict) and "key" in e]
    org = organization_dict(d.department)
    return {
        "author": None,
        "author_email": None,
        "creator_user_id": None,
        "extras": extras,
        "groups": [group_dict(g) for g in d.groups.all()],
        "id": str(d.id),
        "isopen": d.license_id in ("CC-BY-4.0", "CC0-1.0", "PDL-1.0", "ODbL-1.0"),
        "license_id": d.license_id,
        "license_title": d.license_title,
        "license_url": d.license_url,
        "maintainer": d.maintainer or d.department.name,
        "maintainer_email": d.maintainer_email or None,
        "metadata_created": _iso(d.metadata_created),
        "metadata_modified": _iso(d.metadata_modified),
        "name": d.name,
        "notes": d.notes,
        "num_resources": len(resources),
        "num_tags": len(tags),
        "organization": org,
        "owner_org": org["id"],
        "private": d.state != Dataset.State.ACTIVE,
        "relationships_as_object": [],
        "relationships_as_subject": [],
        "resources": [resource_dict(r, request) for r in resources],
        "state": d.state,
        "tags": [
            {
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"kotodx:tag:{t.name}")),
                "name": t.name,
                "display_name": t.name,
                "state": "active",
                "vocabulary_id": None,
            }
            for t in tags
        ],
        "title": d.title,
        "type": "dataset",
        "url": d.url or request.build_absolute_uri(reverse("opendata:dataset", args=[d.name])),
        "version": d.version or None,
    }


# --- Parameters -------------------------------------------------------------------------------------


def _int(
    params: dict[str, Any], key: str, default: int, *, minimum: int = 0, maximum: int | None = None
) -> int:
    raw = params.get(key, default)
    if raw in (None, ""):
        return default
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise invalid(**{key: "Invalid integer"}) from None
    if value < minimum:
        raise invalid(**{key: f"Must be a natural number (≥ {minimum})"})
    return min(value, maximum) if maximum is not None else value


def _bool(params: dict[str, Any], key: str, default: bool = False) -> bool:
    raw = params.get(key, default)
    if isinstance(raw, bool):
        return raw
    return str(raw).lower() in ("true", "1", "yes", "on")


def _list(raw: Any, key: str) -> list[str]:
    if raw in (None, ""):
        return []
    if isinstance(raw, list):
        return [str(x) for x in raw]
    text = str(raw).strip()
    if text.startswith("["):
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            raise invalid(**{key: "Invalid JSON list"}) from None
        return [str(x) for x in value]
    return [text]


def _public_datasets() -> Any:
    return Dataset.objects.filter(state=Dataset.State.ACTIVE)


def _dataset(ref: Any) -> Dataset:
    if not ref:
        raise invalid(id="Missing value")
    ref = str(ref)
    qs = _public_datasets().select_related("department").prefetch_related("tags", "groups", "resources")
    try:
        return qs.get(Q(name=ref) | Q(id=uuid.UUID(ref)))
    except (ValueError, Dataset.DoesNotExist):
        try:
            return qs.get(name=ref)
        except Dataset.DoesNotExist:
            raise not_found() from None


def _department(ref: Any) -> Department:
    if not ref:
        raise invalid(id="Missing value")
    for dept in Department.objects.all():
        if str(ref) in (dept.code, department_id(dept), dept.name):
            return dept
    raise not_found()


# --- Actions ----------------------------------------------------------------------------------------


def package_list(request: HttpRequest, p: dict[str, Any]) -> Any:
    limit = _int(p, "limit", 10**9, maximum=10**9)
    offset = _int(p, "offset", 0)
    return list(_public_datasets().order_by("name").values_list("name", flat=True)[offset : offset + limit])


def package_show(request: HttpRequest, p: dict[str, Any]) -> Any:
    return package_dict(_dataset(p.get("id") or p.get("name")), request)


def package_search(request: HttpRequest, p: dict[str, Any]) -> Any:
    rows = _int(p, "rows", 10, maximum=ROWS_MAX)
    start = _int(p, "start", 0)
    facet_fields = _list(p.get("facet.field"), "facet.field")
    facet_limit = _int(p, "facet.limit", 50, minimum=-1)
    facet_mincount = _int(p, "facet.mincount", 1)
    fq = p.get("fq", "") or ""
    fq_list = _list(p.get("fq_list"), "fq_list")
    fq = " ".join([str(fq), *fq_list]).strip()
    try:
        result = search.search(
            q=str(p.get("q", "") or ""),
            fq=fq,
            rows=rows,
            start=start,
            sort=str(p.get("sort", "") or ""),
            facet_fields=facet_fields,
            facet_limit=facet_limit,
            facet_mincount=facet_mincount,
        )
    except search.SearchQueryError as exc:
        raise ActionError(400, "Search Query Error", f"Search Query is invalid: {exc}") from None
    titles = search.facet_titles(result.facets)
    return {
        "count": result.count,
        "sort": result.sort,
        "results": [package_dict(d, request) for d in result.datasets],
        "facets": result.facets,
        "search_facets": {
            f: {
                "title": f,
                "items": [
                    {"name": k, "display_name": titles.get((f, k), k), "count": n} for k, n in items.items()
                ],
            }
            for f, items in result.facets.items()
        },
    }


def organization_list(request: HttpRequest, p: dict[str, Any]) -> Any:
    counts = dict(_public_datasets().values_list("department_id").annotate(n=Count("id")))
    depts = [
        d for d in Department.objects.order_by("code") if counts.get(d.pk) or _bool(p, "include_empty", True)
    ]
    if p.get("sort", "").startswith("package_count"):
        depts.sort(key=lambda d: -counts.get(d.pk, 0))
    offset, limit = _int(p, "offset", 0), _int(p, "limit", 1000, maximum=1000)
    depts = depts[offset : offset + limit]
    if _bool(p, "all_fields"):
        return [organization_dict(d, counts.get(d.pk, 0)) for d in depts]
    return [d.code for d in depts]


def organization_show(request: HttpRequest, p: dict[str, Any]) -> Any:
    dept = _department(p.get("id"))
    datasets = _public_datasets().filter(department=dept)
    out = organization_dict(dept, datasets.count())
    if _bool(p, "include_datasets"):
        out["packages"] = [
            package_dict(d, request) for d in datasets.prefetch_related("tags", "groups", "resources")[:1000]
        ]
    return out


def group_list(request: HttpRequest, p: dict[str, Any]) -> Any:
    groups = Group.objects.annotate(
        n=Count("datasets", filter=Q(datasets__state=Dataset.State.ACTIVE))
    ).order_by("name")
    if _bool(p, "all_fields"):
        return [group_dict(g, g.n) for g in groups]
    return [g.name for g in groups]


def group_show(request: HttpRequest, p: dict[str, Any]) -> Any:
    ref = str(p.get("id") or "")
    if not ref:
        raise invalid(id="Missing value")
    group = Group.objects.filter(Q(name=ref) | Q(title=ref)).first()
    if group is None:
        try:
            group = Group.objects.filter(id=uuid.UUID(ref)).first()
        except ValueError:
            group = None
    if group is None:
        raise not_found()
    datasets = _public_datasets().filter(groups=group)
    out = group_dict(group, datasets.count())
    if _bool(p, "include_datasets"):
        out["packages"] = [
            package_dict(d, request) for d in datasets.prefetch_related("tags", "groups", "resources")[:1000]
        ]
    return out


def tag_list(request: HttpRequest, p: dict[str, Any]) -> Any:
    tags = Tag.objects.filter(datasets__state=Dataset.State.ACTIVE).distinct().order_by("name")
    if p.get("query"):
        tags = tags.filter(name__icontains=str(p["query"]))
    if _bool(p, "all_fields"):
        return [
            {
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"kotodx:tag:{t.name}")),
                "name": t.name,
                "display_name": t.name,
                "vocabulary_id": None,
            }
            for t in tags
        ]
    return [t.name for t in tags]


def _resource(ref: Any) -> Resource:
    if not ref:
        raise invalid(id="Missing value")
    try:
        rid = uuid.UUID(str(ref))
    except ValueError:
        raise not_found() from None
    r = (
        Resource.objects.select_related("dataset")
        .filter(pk=rid, state=Resource.State.ACTIVE, dataset__state=Dataset.State.ACTIVE)
        .first()
    )
    if r is None:
        raise not_found()
    return r


def resource_show(request: HttpRequest, p: dict[str, Any]) -> Any:
    return resource_dict(_resource(p.get("id")), request)


def resource_search(request: HttpRequest, p: dict[str, Any]) -> Any:
    queries = _list(p.get("query"), "query")
    qs = Resource.objects.select_related("dataset").filter(
        state=Resource.State.ACTIVE, dataset__state=Dataset.State.ACTIVE
    )
    allowed = {"name", "description", "format", "url", "id", "package_id"}
    for term in queries:
        if ":" not in term:
            raise invalid(query="Search Query must be of the form field:term")
        field, value = term.split(":", 1)
        if field not in allowed:
            raise invalid(query=f'Field "{field}" not recognised in resource_search.')
        if field == "id":
            qs = qs.filter(id=value) if _is_uuid(value) else qs.none()
        elif field == "package_id":
            qs = qs.filter(dataset_id=value) if _is_uuid(value) else qs.none()
        else:
            qs = qs.filter(**{f"{field}__icontains": value})
    count = qs.count()
    offset, limit = _int(p, "offset", 0), _int(p, "limit", 100, maximum=1000)
    order = p.get("order_by") or "position"
    if order not in ("name", "format", "position", "created", "last_modified"):
        raise invalid(order_by=f"Cannot sort by {order}")
    return {
        "count": count,
        "results": [resource_dict(r, request) for r in qs.order_by(order, "id")[offset : offset + limit]],
    }


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def status_show(request: HttpRequest, p: dict[str, Any]) -> Any:
    return {
        "site_title": f"{settings.SITE_NAME} オープンデータ",
        "site_url": request.build_absolute_uri("/")[:-1],
        "site_description": "江東区のオープンデータカタログ（CKAN互換API）",
        "ckan_version": CKAN_VERSION,
        "error_emails_to": None,
        "locale_default": "ja",
        "extensions": ["datastore", "dcat", "validation", "kotodx"],
    }


def datastore_search(request: HttpRequest, p: dict[str, Any]) -> Any:
    resource = _resource(p.get("resource_id") or p.get("id"))
    filters = p.get("filters") or {}
    if isinstance(filters, str):
        try:
            filters = json.loads(filters)
        except json.JSONDecodeError:
            raise invalid(filters="Cannot parse JSON") from None
    if not isinstance(filters, dict):
        raise invalid(filters="Not a JSON object")
    q = p.get("q")
    if isinstance(q, str) and q.strip().startswith("{"):
        try:
            q = json.loads(q)
        except json.JSONDecodeError:
            raise invalid(q="Cannot parse JSON") from None
    fields = p.get("fields")
    if isinstance(fields, str):
        fields = [f.strip() for f in fields.split(",") if f.strip()]
    try:
        result = datastore.search(
            resource,
            filters=filters,
            q=q,
            limit=_int(p, "limit", 100),
            offset=_int(p, "offset", 0),
            fields=fields,
            sort=p.get("sort") or None,
            include_total=_bool(p, "include_total", True),
        )
    except datastore.DatastoreError as exc:
        raise invalid(**{exc.field: str(exc)}) from None
    base = reverse("ckan_action", args=["datastore_search"])
    result["_links"] = {
        "start": f"{base}?resource_id={resource.pk}",
        "next": f"{base}?resource_id={resource.pk}&offset={result['offset'] + result['limit']}",
    }
    return result


ACTIONS: dict[str, Callable[[HttpRequest, dict[str, Any]], Any]] = {
    f.__name__: f
    for f in (
        package_list,
        package_show,
        package_search,
        organization_list,
        organization_show,
        group_list,
        group_show,
        tag_list,
        resource_show,
        resource_search,
        status_show,
        datastore_search,
    )
}


def help_show(request: HttpRequest, p: dict[str, Any]) -> Any:
    name = str(p.get("name", ""))
    if name not in ACTIONS and name != "help_show":
        raise not_found()
    return (ACTIONS.get(name, help_show).__doc__ or name).strip()


ACTIONS["help_show"] = help_show


# --- The endpoint -----------------------------------------------------------------------------------


@csrf_exempt
def action(request: HttpRequest, name: str) -> JsonResponse:
    help_url = request.build_absolute_uri(reverse("ckan_action", args=["help_show"])) + f"?name={name}"
    if name not in ACTIONS:
        return JsonResponse(f"Bad request: Action name not known: {name}", status=400, safe=False)
    if request.method not in ("GET", "POST"):
        return JsonResponse(f"Bad request: method {request.method} not allowed", status=405, safe=False)
    try:
        params = _params(request)
        result = ACTIONS[name](request, params)
    except ActionError as exc:
        error: dict[str, Any] = {"__type": exc.type}
        if exc.message:
            error["message"] = exc.message
        error.update(exc.fields)
        return JsonResponse(
            {"help": help_url, "success": False, "error": error},
            status=exc.status,
            json_dumps_params={"ensure_ascii": False},
        )
    return JsonResponse(
        {"help": help_url, "success": True, "result": result}, json_dumps_params={"ensure_ascii": False}
    )


def _params(request: HttpRequest) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for key in request.GET:
        values = request.GET.getlist(key)
        params[key] = values if len(values) > 1 else values[0]
    if request.method == "POST":
        content_type = request.content_type or ""
        if "json" in content_type or (request.body and request.body.lstrip()[:1] == b"{"):
            try:
                body = json.loads(request.body or b"{}")
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise ActionError(
                    400, "Bad request - JSON Error", f"Could not read request body: {exc}"
                ) from None
            if not isinstance(body, dict):
                raise ActionError(
                    400, "Bad request - JSON Error", "Request data JSON decoded to a non-object"
                )
            params.update(body)
        else:
            for key in request.POST:
                params[key] = request.POST.get(key)
    return params
