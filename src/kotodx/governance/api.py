"""JSON API of ICT governance: the inventory as the caller may see it, one system with its gate state,
and the PIA threshold assessment. Staff only (session or API token)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from kotodx.core.api import staff_auth
from kotodx.core.http import StaffRequest
from kotodx.governance import pia, selectors, services
from kotodx.governance.models import System

router = Router(tags=["governance"])


class SystemOut(Schema):
    id: int
    name: str
    department: str
    stage: str
    stage_name: str
    hosting: str
    network: str
    confidentiality: int
    personal_info: bool
    specific_personal_info: bool
    standard_area: str
    migration: str
    department_bought: bool
    contract_end: dt.date | None
    gate_status: str | None


class PiaIn(Schema):
    persons: int = Field(ge=0, description="特定個人情報ファイルの対象人数")
    handlers: int = Field(ge=0, description="取扱者数（委託先を含む）")
    incident: bool = Field(False, description="過去1年以内の重大事故")


class PiaOut(Schema):
    level: str
    name: str


def _out(s: System) -> dict[str, Any]:
    review = services.current_review(s)
    return {
        "id": s.pk,
        "name": s.name,
        "department": s.department.code,
        "stage": s.stage,
        "stage_name": s.stage_name,
        "hosting": s.hosting,
        "network": s.network,
        "confidentiality": s.confidentiality,
        "personal_info": s.personal_info,
        "specific_personal_info": s.specific_personal_info,
        "standard_area": s.standard_area,
        "migration": s.migration,
        "department_bought": s.department_bought,
        "contract_end": s.contract_end,
        "gate_status": review.status if review else None,
    }


def _need_view(request: StaffRequest) -> None:
    if not request.user.has_perm("governance.view_system"):
        raise HttpError(403, "情報システム台帳を見る権限がありません。")


@router.get("/systems", response=list[SystemOut], auth=staff_auth, summary="情報システム台帳（見られる範囲）")
def system_list(request: StaffRequest, network: str = "", stage: str = "") -> list[dict[str, Any]]:
    _need_view(request)
    qs = selectors.systems_visible_to(request.user)
    if network:
        qs = qs.filter(network=network)
    if stage:
        qs = qs.filter(stage=stage)
    return [_out(s) for s in qs]


@router.get("/systems/{system_id}", response=SystemOut, auth=staff_auth, summary="情報システム（1件）")
def system_get(request: StaffRequest, system_id: int) -> dict[str, Any]:
    _need_view(request)
    system = selectors.systems_visible_to(request.user).filter(pk=system_id).first()
    if system is None:
        raise Http404
    return _out(system)


@router.get("/pia", response=PiaOut, auth=staff_auth, summary="特定個人情報保護評価のしきい値判断")
def pia_assess(request: StaffRequest, q: Query[PiaIn]) -> dict[str, str]:
    try:
        level = pia.level(q.persons, q.handlers, q.incident)
    except ValueError as exc:
        raise HttpError(422, str(exc)) from exc
    return {"level": level, "name": pia.NAMES[level]}
