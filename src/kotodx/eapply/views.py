"""Resident pages of e-application: the procedure catalog, filling a form page by page, check your
answers, submit, save-and-resume links, and the status check."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kotodx.core import ratelimit
from kotodx.eapply import formdef, oidc, selectors, services
from kotodx.eapply.forms import StatusCheckForm
from kotodx.eapply.models import Procedure, Submission

SESSION_KEY = "eapply_submissions"  # submission id → resume key, for this browser
LANGUAGE_KEY = "eapply_signin_language"  # the page language a sign-in started from


def catalog(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:100]
    category = request.GET.get("category", "")
    if category not in Procedure.Category.values:
        category = ""
    return render(
        request,
        "eapply/catalog.html",
        {
            "procedures": selectors.procedure_search(q, category),
            "q": q,
            "category": category,
            "categories": Procedure.Category.choices,  # translated by eapply_i18n's label_tr
        },
    )


def procedure_detail(request: HttpRequest, slug: str) -> HttpResponse:
    procedure = get_object_or_404(Procedure.objects.select_related("department"), slug=slug, is_public=True)
    provider = oidc.provider()
    return render(
        request,
        "eapply/procedure.html",
        {
            "procedure": procedure,
            "online": procedure.is_online,
            # the default label is translated; one set by KOTODX_OIDC_NAME is shown as it is
            "signin_label": (
                _(oidc.DEFAULT_LABEL) if provider and provider.label == oidc.DEFAULT_LABEL else provider.label
            )
            if provider
            else "",
            "resident": oidc.signed_in(request),
        },
    )


def _remember(request: HttpRequest, submission: Submission, key: str) -> None:
    keys = dict(request.session.get(SESSION_KEY, {}))
    keys[str(submission.pk)] = key
    request.session[SESSION_KEY] = keys


def _own(request: HttpRequest, submission_id: Any) -> tuple[Submission, str]:
    """The applicant's own submission: this browser must hold its resume key."""
    key = request.session.get(SESSION_KEY, {}).get(str(submission_id))
    submission = services.submission_for_key(key) if key else None
    if submission is None or str(submission.pk) != str(submission_id):
        raise Http404
    return submission, key


@require_POST
def start(request: HttpRequest, slug: str) -> HttpResponse:
    procedure = get_object_or_404(Procedure, slug=slug, is_public=True)
    if ratelimit.exceeded(
        f"eapply-start:{ratelimit.client_address(request)}", limit=settings.EAPPLY_START_LIMIT, window=600
    ):
        response = render(
            request,
            "eapply/limited.html",
            {
                "message": _(
                    "短い時間に多くの申請が始められました。10分ほど待ってから、もう一度お試しください。"
                )
            },
            status=429,
        )
        response["Retry-After"] = "600"
        return response
    try:
        submission, key = services.submission_start(procedure=procedure, identity=oidc.signed_in(request))
    except ValidationError:
        raise Http404 from None
    _remember(request, submission, key)
    first = formdef.visible_pages(submission.version.definition, {})[0]["id"]
    return redirect("eapply:page", submission_id=submission.pk, page_id=first)


def resume(request: HttpRequest, key: str) -> HttpResponse:
    submission = services.submission_for_key(key)
    if submission is None or not submission.is_editable_by_applicant:
        return render(request, "eapply/resume_invalid.html", status=404)
    _remember(request, submission, key)
    return redirect("eapply:check", submission_id=submission.pk)


def _pages(submission: Submission) -> list[dict[str, Any]]:
    return formdef.visible_pages(submission.version.definition, submission.answers)


@never_cache
@require_http_methods(["GET", "POST"])
def page(request: HttpRequest, submission_id: Any, page_id: str) -> HttpResponse:
    submission, key = _own(request, submission_id)
    if not submission.is_editable_by_applicant:
        return redirect("eapply:done", submission_id=submission.pk)
    definition = submission.version.definition
    pages = _pages(submission)
    ids = [p["id"] for p in pages]
    if page_id not in ids:
        raise Http404
    current = pages[ids.index(page_id)]
    data = request.POST if request.method == "POST" else None
    form = formdef.page_form(
        definition, page_id, submission.answers, data=data, files=request.FILES if data is not None else None
    )
    # 追加 / 削除 of a repeating group item: the form renumbers and shows the page again without errors.
    if data is not None and not getattr(form, "group_action", None) and form.is_valid():
        answers, uploads = formdef.page_answers(form)
        try:
            submission = services.submission_save_page(
                submission=submission, page_id=page_id, answers=answers, uploads=uploads
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            pages = _pages(submission)
            ids = [p["id"] for p in pages]
            if (
                request.GET.get("return") == "check"
                or page_id not in ids
                or ids.index(page_id) == len(ids) - 1
            ):
                return redirect("eapply:check", submission_id=submission.pk)
            return redirect("eapply:page", submission_id=submission.pk, page_id=ids[ids.index(page_id) + 1])
    index = ids.index(page_id)
    prefilled = (submission.verified_identity or {}).get("prefilled") or {}
    return render(
        request,
        "eapply/page.html",
        {
            "prefilled": [f.get("label", f["id"]) for f in current.get("fields", []) if f["id"] in prefilled],
            "submission": submission,
            "procedure": submission.procedure,
            "page": current,
            "form": form,
            "step": index + 1,
            "steps": len(ids),
            "previous": ids[index - 1] if index else None,
            "resume_url": request.build_absolute_uri(reverse("eapply:resume", args=[key])),
            "title": definition.get("title") or submission.procedure.name,
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def check(request: HttpRequest, submission_id: Any) -> HttpResponse:
    submission, _key = _own(request, submission_id)
    if not submission.is_editable_by_applicant:
        return redirect("eapply:done", submission_id=submission.pk)
    definition = submission.version.definition
    missing = formdef.missing_pages(definition, submission.answers)
    error = ""
    if request.method == "POST":
        try:
            submission = services.submission_submit(
                submission=submission, base_url=request.build_absolute_uri("/")
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            return redirect("eapply:done", submission_id=submission.pk)
    return render(
        request,
        "eapply/check.html",
        {
            "submission": submission,
            "procedure": submission.procedure,
            "summary": formdef.summary(definition, submission.answers),
            "missing": missing,
            "error": error,
            "correction": submission.events.filter(kind="correction").last()
            if submission.status == Submission.Status.CORRECTION
            else None,
        },
    )


def done(request: HttpRequest, submission_id: Any) -> HttpResponse:
    submission, _key = _own(request, submission_id)
    if submission.is_editable_by_applicant:
        return redirect("eapply:check", submission_id=submission.pk)
    return render(request, "eapply/done.html", {"submission": submission, "procedure": submission.procedure})


STATUS_LIMIT = 10  # look-ups per address per 10 minutes: guessing reference numbers does not scale
POSTAL_LIMIT = 120  # postal-code look-ups per address per 10 minutes: a family's forms, not a crawl


@require_GET
def postal_address(request: HttpRequest) -> JsonResponse:
    """The address of ``?code=`` for the 「住所を検索」 button (static/kotodx/js/postal.js): JSON with the
    parts, what to put in a text or a Koto address question and what to tell the resident
    (formdef.PostalFill.as_json); ``{"error": …}`` with 400 (not a postal code), 404 (no such code) or
    429 (too many look-ups), in the page's language."""
    if ratelimit.exceeded(
        f"eapply-postal:{ratelimit.client_address(request)}", limit=POSTAL_LIMIT, window=600
    ):
        response = JsonResponse(
            {"error": _("短い時間に多くの検索がありました。10分ほど待つか、住所を入力してください。")},
            status=429,
        )
        response["Retry-After"] = "600"
        return response
    try:
        found = formdef.postal_fill(request.GET.get("code", "")[:40])
    except ValidationError as exc:
        return JsonResponse({"error": " ".join(exc.messages)}, status=404 if exc.code == "unknown" else 400)
    return JsonResponse(found.as_json(), json_dumps_params={"ensure_ascii": False})


@never_cache
@require_http_methods(["GET", "POST"])
def status(request: HttpRequest) -> HttpResponse:
    form = StatusCheckForm(request.POST or None)
    found = None
    limited = False
    if request.method == "POST":
        if ratelimit.exceeded(
            f"eapply-status:{ratelimit.client_address(request)}", limit=STATUS_LIMIT, window=600
        ):
            limited = True
        else:
            if form.is_valid():
                found = (
                    Submission.objects.select_related("procedure")
                    .filter(
                        reference_number__iexact=form.cleaned_data["reference_number"],
                        applicant_email__iexact=form.cleaned_data["email"],
                    )
                    .exclude(status=Submission.Status.DRAFT)
                    .first()
                )
                if found is None:
                    form.add_error(
                        None, _("受付番号とメールアドレスの組み合わせに一致する申請はありません。")
                    )
    response = render(
        request,
        "eapply/status.html",
        {
            "form": form,
            "found": found,
            "limited": limited,
            "events": found.events.filter(visible_to_applicant=True) if found else [],
        },
        status=429 if limited else 200,
    )
    return response


# --- Optional sign-in by OpenID Connect (eapply.oidc) ----------------------------------------------


def _signin_procedure(slug: Any) -> Procedure | None:
    return Procedure.objects.filter(slug=str(slug or "")[:80], is_public=True).first()


def _back(procedure: Procedure | None) -> HttpResponse:
    if procedure is not None:
        return redirect("eapply:procedure", slug=procedure.slug)
    return redirect("eapply:catalog")


def _signin_failed(
    request: HttpRequest, error: oidc.SignInError, procedure: Procedure | None
) -> HttpResponse:
    provider = oidc.provider()
    if provider is not None:
        services.resident_signin_failed(issuer=provider.issuer, reason=error.reason)
    return render(
        request,
        "eapply/signin_failed.html",
        {
            "message": error.message,
            "procedure": procedure,
            "online": procedure is not None and procedure.is_online,
        },
        status=error.status,
    )


@never_cache
@require_GET
def signin(request: HttpRequest) -> HttpResponse:
    """Go to the provider (a link, not a form: CSP form-action would stop a form's redirect there)."""
    if oidc.provider() is None:
        raise Http404
    procedure = _signin_procedure(request.GET.get("next"))
    if ratelimit.exceeded(
        f"eapply-signin:{ratelimit.client_address(request)}", limit=settings.EAPPLY_START_LIMIT, window=600
    ):
        response = render(
            request,
            "eapply/limited.html",
            {
                "message": _(
                    "短い時間に何度もサインインが始められました。10分ほど待ってから、もう一度お試しください。"
                )
            },
            status=429,
        )
        response["Retry-After"] = "600"
        return response
    request.session[oidc.NEXT_KEY] = procedure.slug if procedure is not None else ""
    request.session[LANGUAGE_KEY] = translation.get_language() or settings.LANGUAGE_CODE
    with translation.override("ja"):  # one redirect URI to register with the provider, in any language
        callback = request.build_absolute_uri(reverse("eapply:signin_callback"))
    try:
        return oidc.begin(request, redirect_uri=callback)
    except oidc.SignInError as exc:
        return _signin_failed(request, exc, procedure)


@never_cache
@require_GET
def signin_callback(request: HttpRequest) -> HttpResponse:
    if oidc.provider() is None:
        raise Http404
    procedure = _signin_procedure(request.session.pop(oidc.NEXT_KEY, ""))
    # The callback URL has no language prefix: answer in the language the resident started in.
    language = str(request.session.pop(LANGUAGE_KEY, "") or settings.LANGUAGE_CODE)
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    with translation.override(language):
        response = _signin_complete(request, procedure)
    if language != settings.LANGUAGE_CODE:
        response["Content-Language"] = language
    return response


def _signin_complete(request: HttpRequest, procedure: Procedure | None) -> HttpResponse:
    try:
        identity = oidc.complete(request)
    except oidc.SignInError as exc:
        return _signin_failed(request, exc, procedure)
    request.session.cycle_key()  # a new session id for the signed-in resident (no session fixation)
    request.session[oidc.SESSION_KEY] = identity
    services.resident_signin_record(identity=identity)
    claims = identity["claims"]
    text = _("サインインしました。")  # the procedure page says what it means for the form
    if claims.get("address") and services.koto_address(claims["address"]) is None:
        text += _("住所は江東区内の住所として読み取れなかったため、入力されません。")
    messages.success(request, text)
    return _back(procedure)


@require_POST
def signout(request: HttpRequest) -> HttpResponse:
    identity = request.session.pop(oidc.SESSION_KEY, None)
    if isinstance(identity, dict):
        services.resident_signout_record(identity=identity)
        messages.success(request, _("サインアウトしました。"))
    return _back(_signin_procedure(request.POST.get("next")))
