"""Pages of the core app: portal home, login, staff home, audit log, jobs, API tokens, health."""

from __future__ import annotations

import sys
from io import BytesIO
from typing import Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import DatabaseError, connection, transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from kotodx.core import portal, selectors, services
from kotodx.core.forms import (
    ApiTokenForm,
    AuditFilterForm,
    LoginForm,
    OtpConfirmForm,
    StaffPasswordChangeForm,
)
from kotodx.core.http import StaffRequest
from kotodx.core.models import ApiToken, Job
from kotodx.core.roles import ROLE_BY_CODE

# --- Public pages ---------------------------------------------------------------------------------


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {"cards": portal.cards()})


def accessibility(request: HttpRequest) -> HttpResponse:
    """The web accessibility policy: the newest version staff published, else the default text."""
    from kotodx.core import policy as policy_text

    current = selectors.accessibility_policy()
    english = request.LANGUAGE_CODE == "en"
    if current is None:
        body, lang = (policy_text.DEFAULT_EN, "en") if english else (policy_text.DEFAULT_JA, "ja")
    elif english and current.body_en:
        body, lang = current.body_en, "en"
    else:
        body, lang = current.body_ja, "ja"
    return render(
        request,
        "core/accessibility.html",
        {"policy": current, "body": policy_text.render(body), "body_lang": lang},
    )


@login_required
@permission_required("core.change_accessibilitypolicy", raise_exception=True)
def accessibility_policy_edit(request: StaffRequest) -> HttpResponse:
    from kotodx.core import policy as policy_text
    from kotodx.core.forms import AccessibilityPolicyForm, add_service_errors

    current = selectors.accessibility_policy()
    initial = {
        "body_ja": current.body_ja if current else policy_text.DEFAULT_JA,
        "body_en": current.body_en if current else policy_text.DEFAULT_EN,
    }
    form = AccessibilityPolicyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.accessibility_policy_save(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "ウェブアクセシビリティ方針を公開しました。")
            return redirect("core:accessibility_policy_edit")
    history = selectors.accessibility_policy_history()
    return render(request, "core/accessibility_policy_edit.html", {"form": form, "history": history})


@require_GET
def api_docs(request: HttpRequest) -> HttpResponse:
    """The API reference, written from the OpenAPI document: operations by tag, parameters, responses."""
    from kotodx.api import api

    schema = api.get_openapi_schema(path_prefix="/api/")
    groups: dict[str, list[dict[str, Any]]] = {}
    for path, methods in schema["paths"].items():
        for method, op in methods.items():
            body = op.get("requestBody", {}).get("content", {})
            groups.setdefault((op.get("tags") or ["その他"])[0], []).append(
                {
                    "method": method.upper(),
                    "path": path,
                    "id": op.get("operationId", f"{method}-{path}"),
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "parameters": [
                        {
                            "name": p["name"],
                            "in": p["in"],
                            "required": p.get("required", False),
                            "type": _schema_type(p.get("schema", {})),
                            "description": p.get("description", ""),
                        }
                        for p in op.get("parameters", [])
                    ],
                    "body": [_schema_type(c.get("schema", {})) for c in body.values()],
                    "responses": sorted(
                        (code, r.get("description", "")) for code, r in op.get("responses", {}).items()
                    ),
                    "auth": bool(op.get("security")),
                }
            )
    return render(
        request,
        "core/api_docs.html",
        {"info": schema["info"], "groups": sorted(groups.items())},
    )


def _schema_type(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if schema.get("type") == "array":
        return f"{_schema_type(schema.get('items', {}))} の配列"
    if "anyOf" in schema:
        return " または ".join(_schema_type(s) for s in schema["anyOf"])
    return str(schema.get("type", ""))


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok", "database_vendor": connection.vendor})


# --- Login ----------------------------------------------------------------------------------------


def _safe_next(request: HttpRequest) -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(
        nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return nxt
    return reverse("core:staff_home")


@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = LoginForm(request, data=request.POST)
        if form.is_valid():
            auth_login(request, form.user)
            if form.device is not None:
                otp_login(request, form.device)
            return redirect(_safe_next(request))
    else:
        form = LoginForm(request)
    return render(
        request,
        "registration/login.html",
        {
            "form": form,
            "next": request.GET.get("next", request.POST.get("next", "")),
        },
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    auth_logout(request)
    messages.info(request, _("ログアウトしました。"))
    return redirect("core:home")


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: StaffRequest) -> HttpResponse:
    form = StaffPasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.password_change(
            user=request.user, new_password=form.cleaned_data["new_password1"], actor=request.user
        )
        update_session_auth_hash(request, request.user)
        messages.success(request, _("パスワードを変更しました。"))
        return redirect("core:staff_home")
    return render(request, "core/password_change.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def otp_setup(request: StaffRequest) -> HttpResponse:
    confirmed = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    if request.method == "POST" and request.POST.get("action") == "remove" and confirmed:
        with transaction.atomic():
            TOTPDevice.objects.filter(user=request.user).delete()
            services.audit_record(
                actor=request.user, action="update", target=request.user, note="2段階認証を解除"
            )
        messages.info(request, _("2段階認証を解除しました。"))
        return redirect("core:otp_setup")
    if confirmed:
        return render(request, "core/otp_setup.html", {"confirmed": True})
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name="TOTP", confirmed=False)
    form = OtpConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            with transaction.atomic():
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                services.audit_record(
                    actor=request.user, action="update", target=request.user, note="2段階認証を設定"
                )
            otp_login(request, device)
            messages.success(request, _("2段階認証を設定しました。次回から確認コードが必要です。"))
            return redirect("core:staff_home")
        form.add_error(
            "token", _("確認コードが正しくありません。認証アプリの最新のコードを入力してください。")
        )
    svg = BytesIO()
    qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage).save(svg)
    return render(
        request,
        "core/otp_setup.html",
        {
            "form": form,
            "qr_svg": svg.getvalue().decode(),
            "secret": device.bin_key.hex(),
        },
    )


# --- Staff pages ----------------------------------------------------------------------------------


@login_required
def staff_home(request: StaffRequest) -> HttpResponse:
    user = request.user
    roles = [ROLE_BY_CODE[c] for c in sorted(user.role_codes) if c in ROLE_BY_CODE]
    jobs = selectors.jobs_visible_to(user).filter(created_by=user)[:5]
    return render(
        request,
        "core/staff_home.html",
        {
            "roles": roles,
            "ward_wide": selectors.is_ward_wide(user),
            "jobs": jobs,
            "cards": portal.staff_cards(user),
            "notices": portal.staff_notices(user),
        },
    )


@login_required
@permission_required("core.view_auditentry", raise_exception=True)
def audit_list(request: StaffRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    entries = selectors.audit_entry_list(selectors.AuditFilter())
    if form.is_bound and form.is_valid():
        entries = selectors.audit_entry_list(selectors.AuditFilter(**form.cleaned_data))
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "core/audit_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "target_types": selectors.audit_target_types(),
        },
    )


@login_required
@permission_required("core.view_auditentry", raise_exception=True)
@require_POST
def audit_export(request: StaffRequest) -> HttpResponse:
    form = AuditFilterForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("絞り込み条件に誤りがあるため出力できません。"))
        return redirect("core:audit_list")
    params = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in form.cleaned_data.items() if v}
    job = services.job_start(
        kind="core.audit_export", title=_("監査ログのCSV出力"), params=params, actor=request.user
    )
    return redirect("core:job_detail", job_id=job.pk)


def _visible_job(request: StaffRequest, job_id: Any) -> Job:
    return get_object_or_404(selectors.jobs_visible_to(request.user), pk=job_id)


@login_required
def job_list(request: StaffRequest) -> HttpResponse:
    page = Paginator(selectors.jobs_visible_to(request.user), 30).get_page(request.GET.get("page"))
    return render(request, "core/job_list.html", {"page": page})


@login_required
def job_detail(request: StaffRequest, job_id: Any) -> HttpResponse:
    job = _visible_job(request, job_id)
    template = "core/_job_status.html" if request.headers.get("HX-Request") else "core/job_detail.html"
    return render(request, template, {"job": job})


@login_required
@require_POST
def job_cancel(request: StaffRequest, job_id: Any) -> HttpResponse:
    job = services.job_cancel(job=_visible_job(request, job_id), actor=request.user)
    if request.headers.get("HX-Request"):
        return render(request, "core/_job_status.html", {"job": job})
    return redirect("core:job_detail", job_id=job.pk)


@login_required
def job_download(request: StaffRequest, job_id: Any) -> FileResponse:
    job = _visible_job(request, job_id)
    if job.status != Job.Status.SUCCEEDED or not job.result_file:
        raise Http404
    path = (settings.MEDIA_ROOT / job.result_file).resolve()
    if settings.MEDIA_ROOT.resolve() not in path.parents or not path.exists():
        raise Http404
    filename = (job.result or {}).get("filename", path.name)
    return FileResponse(path.open("rb"), as_attachment=True, filename=filename, content_type="text/csv")


@login_required
@require_http_methods(["GET", "POST"])
def token_list(request: StaffRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_key = services.api_token_create(
                user=request.user, name=form.cleaned_data["name"], actor=request.user
            )
            form = ApiTokenForm()
        except ValidationError as exc:
            form.add_error(None, exc)
    tokens = ApiToken.objects.filter(user=request.user)
    return render(request, "core/token_list.html", {"form": form, "tokens": tokens, "new_key": new_key})


@login_required
@require_POST
def token_revoke(request: StaffRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    services.api_token_revoke(token=token, actor=request.user)
    messages.success(request, _("トークン「%(name)s」を失効させました。") % {"name": token.name})
    return redirect("core:token_list")


# --- Errors ---------------------------------------------------------------------------------------


def _error_page(request: HttpRequest, template: str, status: int) -> HttpResponse:
    # Rendered without context processors that touch the database: the database may be the problem.
    from django.template import loader

    html = loader.get_template(template).render(
        {"request_path": request.path, "site_name": settings.SITE_NAME}
    )
    return HttpResponse(html, status=status)


def server_error(request: HttpRequest) -> HttpResponse:
    exc = sys.exc_info()[1]
    if isinstance(exc, DatabaseError):
        response = _error_page(request, "503.html", 503)
        response["Retry-After"] = "60"
        return response
    return _error_page(request, "500.html", 500)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = str(exception) if exception is not None and str(exception) else ""
    return render(request, "403.html", {"message": message}, status=403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", status=403)
