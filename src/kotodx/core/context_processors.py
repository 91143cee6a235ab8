"""Values every template needs: the site name and the same page in the other language."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import translate_url
from django.utils.translation import get_language


def site(request: HttpRequest) -> dict[str, Any]:
    lang = get_language() or settings.LANGUAGE_CODE
    other = "en" if lang == "ja" else "ja"
    return {
        "site_name": settings.SITE_NAME,
        "other_language": other,
        "other_language_url": translate_url(request.get_full_path(), other),
    }
