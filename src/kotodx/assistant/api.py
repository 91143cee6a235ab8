"""JSON API of the assistant: Ask the ward for any front end (a chat widget, a kiosk), without login but
rate-limited per address; and inquiry routing for staff systems (a mail gateway), which writes nothing."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from kotodx.assistant import services
from kotodx.core import ratelimit
from kotodx.core.api import staff_auth
from kotodx.core.http import StaffRequest

router = Router(tags=["assistant"])


class AskIn(Schema):
    q: str = Field(
        ..., min_length=1, max_length=10_000, pattern=r"\S", description="質問（日本語または英語）"
    )


class AnswerOut(Schema):
    kind: str = Field(description="procedure / faq / dataset / layer")
    title: str
    url: str
    score: float
    why: str


class AskOut(Schema):
    question: str
    language: str
    answered: bool = Field(description="はっきりした答えがあったか（false なら区役所への問い合わせを案内）")
    notes: list[str]
    answers: list[AnswerOut]


class RouteIn(Schema):
    text: str = Field(..., max_length=20_000, description="問い合わせの本文")


class RouteOut(Schema):
    department: str
    name: str
    confidence: float


def limited(request: HttpRequest) -> bool:
    return ratelimit.exceeded(
        f"assistant-ask:{ratelimit.client_address(request)}", limit=settings.ASSISTANT_ASK_LIMIT, window=600
    )


@router.get("/ask", response=AskOut, auth=None, summary="区民の質問への答え（手続き・FAQ・データ・地図）")
def ask(request: HttpRequest, q: Query[AskIn]) -> dict[str, Any]:
    if limited(request):
        raise HttpError(429, "短い時間に多くの質問がありました。10分ほど待ってから、もう一度お試しください。")
    try:
        result = services.ask(q.q)
    except ValidationError as exc:
        raise HttpError(400, " ".join(exc.messages)) from exc
    return {
        "question": result.question,
        "language": result.language,
        "answered": result.answered,
        "notes": result.notes,
        "answers": [a.as_json() for a in result.answers],
    }


@router.get(
    "/route",
    response=list[RouteOut],
    auth=staff_auth,
    summary="問い合わせを振り分ける部署（上位3件）",
    description="振り分けモデルをまだ学習していないときは空のリストを返します。",
)
def route(request: StaffRequest, q: Query[RouteIn]) -> list[dict[str, Any]]:
    if not request.user.has_perm("assistant.route_inquiry"):
        raise HttpError(403, "問い合わせを振り分ける権限がありません。")
    if services.active_model() is None:
        return []
    _model, ranked = services.route_text(q.text)
    return [{"department": d.code, "name": d.name, "confidence": round(p, 4)} for d, p in ranked]
