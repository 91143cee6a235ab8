"""Pages of the open data catalog: search and browse for everyone, downloads, previews; staff editing,
uploads, validation reports and publication."""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from kotodx.core.http import StaffRequest
from kotodx.opendata import datastore, search, services, validation
from kotodx.opendata.forms import DatasetForm, OverrideForm, ResourceForm
from kotodx.opendata.models import LICENSE_LABELS, Dataset, DownloadCount, Resource, ResourceVersion

PAGE_SIZE = 20
FACETS = ("organization", "groups", "tags", "res_format", "license_id")
FACET_TITLES = {
    "organization": _("公開部署"),
    "groups": _("分類"),
    "tags": _("タグ"),
    "res_format": _("形式"),
    "license_id": _("ライセンス"),
}
# Facet values that are data (department, category and tag names) stay Japanese on the English pages;
# formats and licence names are not.
DATA_FACETS = {"organization", "groups", "tags"}


def _staff_view(request: HttpRequest) -> bool:
    return request.user.is_authenticated and request.user.has_perm("opendata.view_dataset")


def catalog(request: HttpRequest) -> HttpResponse:
    """Search and browse. Filters are CKAN's fq fields, so a URL here maps to a package_search call."""
    q = request.GET.get("q", "").strip()[:200]
    chosen = {f: request.GET.getlist(f) for f in FACETS if request.GET.getlist(f)}
    fq = " ".join(f'{f}:"{v.replace(chr(34), "")}"' for f, values in chosen.items() for v in values)
    try:
        page_no = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page_no = 1
    sort = request.GET.get("sort", "")
    if sort not in ("", "metadata_modified desc", "title_string asc"):
        sort = ""
    try:
        result = search.search(
            q=q,
            fq=fq,
            rows=PAGE_SIZE,
            start=(page_no - 1) * PAGE_SIZE,
            sort=sort,
            facet_fields=FACETS,
            facet_limit=15,
        )
        error = ""
    except search.SearchQueryError as exc:
        result, error = search.SearchResult(0, []), str(exc)
    titles = search.facet_titles(result.facets)
    titles.update({("license_id", k): str(v) for k, v in LICENSE_LABELS.items()})
    facets = [
        {
            "field": f,
            "title": FACET_TITLES[f],
            "data": f in DATA_FACETS,
            "items": [
                {"value": k, "label": titles.get((f, k), k), "count": n, "selected": k in chosen.get(f, [])}
                for k, n in result.facets.get(f, {}).items()
            ],
        }
        for f in FACETS
    ]
    pages = max(1, (result.count + PAGE_SIZE - 1) // PAGE_SIZE)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "opendata/catalog.html",
        {
            "q": q,
            "result": result,
            "facets": facets,
            "error": error,
            "page_no": page_no,
            "pages": pages,
            "query": query.urlencode(),
            "sort": sort,
            "chosen": chosen,
            "can_create": request.user.is_authenticated and request.user.has_perm("opendata.add_dataset"),
        },
    )


def _visible_dataset(request: HttpRequest, name: str) -> Dataset:
    qs = Dataset.objects.select_related("department").prefetch_related("tags", "groups")
    dataset = get_object_or_404(qs, name=name)
    if dataset.state == Dataset.State.ACTIVE:
        return dataset
    if dataset.state == Dataset.State.DRAFT and _staff_view(request):
        return dataset
    raise Http404


def dataset_detail(request: HttpRequest, name: str) -> HttpResponse:
    dataset = _visible_dataset(request, name)
    resources = list(dataset.resources.filter(state=Resource.State.ACTIVE).select_related("current_version"))
    downloads = dict(
        DownloadCount.objects.filter(resource__in=resources).values_list("resource").annotate(n=Sum("count"))
    )
    user = request.user
    return render(
        request,
        "opendata/dataset_detail.html",
        {
            "dataset": dataset,
            "resources": resources,
            "downloads": downloads,
            "can_edit": user.is_authenticated and services.can_edit(user, dataset),
        },
    )


def _visible_resource(request: HttpRequest, name: str, resource_id: Any) -> Resource:
    dataset = _visible_dataset(request, name)
    return get_object_or_404(
        Resource.objects.select_related("current_version", "dataset"),
        pk=resource_id,
        dataset=dataset,
        state=Resource.State.ACTIVE,
    )


def resource_detail(request: HttpRequest, name: str, resource_id: Any) -> HttpResponse:
    resource = _visible_resource(request, name, resource_id)
    page = None
    points: list[dict[str, Any]] = []
    if resource.datastore_active:
        try:
            offset = max(0, int(request.GET.get("offset", "0")))
        except ValueError:
            offset = 0
        page = datastore.search(resource, limit=50, offset=offset)
        page["prev"] = max(0, offset - 50) if offset else None
        page["next"] = offset + 50 if offset + 50 < (page.get("total") or 0) else None
        page["first"] = offset + 1
        page["last"] = min(offset + 50, page.get("total") or 0)
        points = _points(resource)
    monthly = resource.downloads.order_by("month")[:24]
    user = request.user
    return render(
        request,
        "opendata/resource_detail.html",
        {
            "resource": resource,
            "dataset": resource.dataset,
            "page": page,
            "points": points,
            "monthly": monthly,
            "versions": resource.versions.all() if _staff_view(request) else [],
            "can_edit": user.is_authenticated and services.can_edit(user, resource.dataset),
        },
    )


def _points(resource: Resource) -> list[dict[str, Any]]:
    """Rows with 緯度/経度 (latitude/longitude), for the map preview."""
    names = {f["id"] for f in resource.datastore_fields}
    lat = next((n for n in ("緯度", "latitude", "lat") if n in names), None)
    lon = next((n for n in ("経度", "longitude", "lon", "lng") if n in names), None)
    if not lat or not lon:
        return []
    label = next((n for n in ("名称", "施設名", "name") if n in names), None)
    fields = [lat, lon] + ([label] if label else [])
    rows = datastore.search(resource, limit=5000, fields=fields, include_total=False)["records"]
    out = []
    for r in rows:
        try:
            la, lo = float(r[lat]), float(r[lon])
        except (TypeError, ValueError):
            continue
        if 20 <= la <= 46 and 122 <= lo <= 154:
            out.append({"lat": la, "lon": lo, "name": str(r.get(label, "")) if label else ""})
    return out


def resource_download(request: HttpRequest, name: str, resource_id: Any) -> HttpResponse:
    """The published file as uploaded (original bytes), or ?encoding=utf-8 as UTF-8 with BOM for Excel."""
    resource = _visible_resource(request, name, resource_id)
    version = resource.current_version
    if version is None:
        if resource.url:
            return redirect(resource.url)
        raise Http404
    data = version.file.open("rb").read()
    base = version.original_name.rsplit(".", 1)[0] or resource.name
    if request.GET.get("encoding") == "utf-8":
        text = validation.decode_csv(data).text
        data = ("\ufeff" + text).encode("utf-8")
        filename, content_type = f"{base}_utf8.csv", "text/csv; charset=utf-8"
    else:
        charset = {"utf-8": "utf-8", "utf-8-sig": "utf-8", "cp932": "shift_jis"}.get(
            version.encoding, "utf-8"
        )
        filename, content_type = version.original_name, f"text/csv; charset={charset}"
    services.download_record(resource)
    response = HttpResponse(data, content_type=content_type)
    from django.utils.http import content_disposition_header

    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    response["Access-Control-Allow-Origin"] = "*"
    return response


# --- Staff ------------------------------------------------------------------------------------------


@login_required
@permission_required("opendata.add_dataset", raise_exception=True)
def dataset_create(request: StaffRequest) -> HttpResponse:
    form = DatasetForm(user=request.user, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            dataset = services.dataset_save(
                dataset=None,
                data=form.dataset_data(),
                tags=form.tag_list(),
                groups=list(form.cleaned_data["groups"]),
                actor=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, "データセットを作成しました（下書き）。次にファイルまたはURLを追加してください。"
            )
            return redirect("opendata:dataset", name=dataset.name)
    return render(request, "opendata/dataset_form.html", {"form": form, "dataset": None})


@login_required
@permission_required("opendata.change_dataset", raise_exception=True)
def dataset_edit(request: StaffRequest, name: str) -> HttpResponse:
    dataset = get_object_or_404(Dataset.objects.exclude(state=Dataset.State.DELETED), name=name)
    if not services.can_edit(request.user, dataset):
        raise PermissionDenied("このデータセットを編集できるのは、公開部署の担当者と情報システム課です。")
    form = DatasetForm(user=request.user, instance=dataset, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.dataset_save(
                dataset=dataset,
                data=form.dataset_data(),
                tags=form.tag_list(),
                groups=list(form.cleaned_data["groups"]),
                actor=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "保存しました。")
            return redirect("opendata:dataset", name=dataset.name)
    return render(request, "opendata/dataset_form.html", {"form": form, "dataset": dataset})


@login_required
@require_POST
def dataset_state(request: StaffRequest, name: str, action: str) -> HttpResponse:
    dataset = get_object_or_404(Dataset.objects.exclude(state=Dataset.State.DELETED), name=name)
    try:
        if action == "publish":
            services.dataset_publish(dataset=dataset, actor=request.user)
            messages.success(request, "公開しました。誰でも検索・ダウンロードできます。")
        elif action == "unpublish":
            services.dataset_unpublish(dataset=dataset, actor=request.user)
            messages.success(request, "非公開（下書き）に戻しました。")
        elif action == "delete":
            services.dataset_unpublish(dataset=dataset, actor=request.user, delete=True)
            messages.success(request, "削除しました。")
            return redirect("opendata:home")
        else:
            raise Http404
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("opendata:dataset", name=dataset.name)


@login_required
@permission_required("opendata.change_dataset", raise_exception=True)
def resource_add(request: StaffRequest, name: str) -> HttpResponse:
    dataset = get_object_or_404(Dataset.objects.exclude(state=Dataset.State.DELETED), name=name)
    if not services.can_edit(request.user, dataset):
        raise PermissionDenied("このデータセットを編集できるのは、公開部署の担当者と情報システム課です。")
    form = ResourceForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        upload = d.get("file")
        try:
            resource = services.resource_create(
                dataset=dataset,
                name=d["name"],
                description=d["description"],
                url=d.get("url") or "",
                fmt=d.get("format") or "",
                schema=d.get("schema") or "",
                actor=request.user,
            )
            if upload is not None:
                _version, job = services.resource_upload(
                    resource=resource, filename=upload.name, data=upload.read(), actor=request.user
                )
                if job is not None:
                    return redirect("core:job_detail", job_id=job.pk)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("opendata:dataset", name=dataset.name)
    return render(request, "opendata/resource_form.html", {"form": form, "dataset": dataset})


@login_required
@permission_required("opendata.change_dataset", raise_exception=True)
def resource_replace(request: StaffRequest, name: str, resource_id: Any) -> HttpResponse:
    resource = get_object_or_404(Resource, pk=resource_id, dataset__name=name, state=Resource.State.ACTIVE)
    if not services.can_edit(request.user, resource.dataset):
        raise PermissionDenied("このデータセットを編集できるのは、公開部署の担当者と情報システム課です。")
    form = ResourceForm(request.POST or None, request.FILES or None, replace=True)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            _version, job = services.resource_upload(
                resource=resource, filename=upload.name, data=upload.read(), actor=request.user
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            assert job is not None
            return redirect("core:job_detail", job_id=job.pk)
    return render(
        request,
        "opendata/resource_form.html",
        {"form": form, "dataset": resource.dataset, "resource": resource},
    )


@login_required
@permission_required("opendata.view_dataset", raise_exception=True)
def version_detail(request: StaffRequest, name: str, resource_id: Any, number: int) -> HttpResponse:
    version = get_object_or_404(
        ResourceVersion.objects.select_related("resource__dataset"),
        resource_id=resource_id,
        resource__dataset__name=name,
        number=number,
    )
    form = OverrideForm(request.POST or None)
    can_edit = services.can_edit(request.user, version.resource.dataset)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("このデータセットを編集できるのは、公開部署の担当者と情報システム課です。")
        if form.is_valid():
            try:
                services.version_publish(
                    version=version, actor=request.user, override_reason=form.cleaned_data["reason"]
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, f"第{version.number}版を公開しました。")
                return redirect("opendata:resource", name=name, resource_id=resource_id)
    return render(
        request,
        "opendata/version_detail.html",
        {
            "version": version,
            "resource": version.resource,
            "dataset": version.resource.dataset,
            "form": form,
            "report": version.report or {},
            "can_edit": can_edit,
        },
    )


def validation_report_csv(request: HttpRequest, name: str, resource_id: Any, number: int) -> HttpResponse:
    """The errors of a version as CSV (UTF-8 with BOM), for the officer fixing the file in Excel."""
    if not _staff_view(request):
        raise Http404
    version = get_object_or_404(
        ResourceVersion, resource_id=resource_id, resource__dataset__name=name, number=number
    )
    from kotodx.core.csvutil import write_rows

    out = io.StringIO()
    problems = (version.report or {}).get("problems", [])
    write_rows(
        out,
        ["行", "列", "種類", "内容"],
        (
            [p.get("row") or "", p.get("column") or "", p.get("code", ""), p.get("message", "")]
            for p in problems
        ),
    )
    response = HttpResponse(out.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="validation-{version.resource_id}-{number}.csv"'
    return response
