"""The platform's JSON API: one NinjaAPI, one router per app, OpenAPI at /api/openapi.json, its reference
at /api/docs (an accessible page of ours, written from the same OpenAPI document)."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from kotodx.assistant.api import router as assistant_router
from kotodx.core.api import router as core_router
from kotodx.eapply.api import router as eapply_router
from kotodx.gis.api import router as gis_router
from kotodx.governance.api import router as governance_router
from kotodx.plan.api import router as plan_router

ERRORS = {
    "400": "リクエストに誤りがあります",
    "401": "認証が必要です（APIトークンを Authorization: Bearer で送る）",
    "403": "権限がありません",
    "404": "見つからないか、見る権限がありません",
    "422": "入力に誤りがあります（errors に項目ごとの内容）",
    "429": "短い時間に多くのリクエストがありました（Retry-After 秒の後にもう一度）",
}


class KotoApi(NinjaAPI):
    """Every operation documents the error answers it can give, all with one JSON shape."""

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(**kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = {
            "type": "object",
            "properties": {
                "detail": {
                    "title": "内容",
                    "anyOf": [{"type": "string"}, {"type": "array"}, {"type": "object"}],
                },
                "errors": {"title": "項目ごとの誤り", "type": "array", "items": {}},
            },
            "required": ["detail"],
        }
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                for code, text in ERRORS.items():
                    if code in responses or int(code) in responses:
                        continue
                    responses.setdefault(
                        int(code),
                        {
                            "description": text,
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                            },
                        },
                    )
        return schema


api = KotoApi(
    title="江東区 DXプラットフォーム API",
    version="1",
    description=(
        "Koto DX Platform JSON API. 職員はセッション（ブラウザ）または APIトークン（Bearer）で認証します。"
    ),
    urls_namespace="api",
    docs_url=None,  # our own page (kotodx.core.views.api_docs): Swagger UI fails WCAG 2.1 AA
)
api.add_router("/core", core_router)
api.add_router("/plan", plan_router)
api.add_router("/eapply", eapply_router)
api.add_router("/gis", gis_router)
api.add_router("/governance", governance_router)
api.add_router("/assistant", assistant_router)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(
        request,
        {"detail": "認証が必要です。APIトークンを Authorization: Bearer で送ってください。"},
        status=401,
    )


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(
        request, {"detail": "入力に誤りがあります。", "errors": exc.errors}, status=422
    )
