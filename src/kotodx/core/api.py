"""JSON API of the core app (django-ninja): who am I, departments, jobs."""

from __future__ import annotations

import datetime as dt
import uuid

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.security import HttpBearer, django_auth

from kotodx.core import selectors, services
from kotodx.core.http import StaffRequest
from kotodx.core.models import Department, User
from kotodx.core.roles import ROLE_BY_CODE


class ApiTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = services.api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


# Staff endpoints accept a session (the browser, with CSRF) or a bearer token (scripts).
staff_auth = [ApiTokenAuth(), django_auth]
router = Router(tags=["core"])


class RoleOut(Schema):
    code: str
    name: str


class MeOut(Schema):
    username: str
    display_name: str
    department: str | None
    roles: list[RoleOut]
    ward_wide: bool


class DepartmentOut(Schema):
    code: str
    name: str
    name_en: str
    division: str
    is_it_division: bool


class JobOut(Schema):
    id: uuid.UUID
    kind: str
    title: str
    status: str
    done: int
    total: int | None
    percent: int | None
    message: str
    created_at: dt.datetime
    finished_at: dt.datetime | None


@router.get("/me", response=MeOut, auth=staff_auth, summary="ログイン中の職員")
def me(request: StaffRequest) -> MeOut:
    user = request.user
    return MeOut(
        username=user.username,
        display_name=user.display_name,
        department=user.department.name if user.department else None,
        roles=[
            RoleOut(code=c, name=ROLE_BY_CODE[c].name) for c in sorted(user.role_codes) if c in ROLE_BY_CODE
        ],
        ward_wide=selectors.is_ward_wide(user),
    )


@router.get("/departments", response=list[DepartmentOut], auth=staff_auth, summary="部署の一覧")
def departments(request: HttpRequest) -> list[Department]:
    return list(Department.objects.all())


@router.get("/jobs/{job_id}", response=JobOut, auth=staff_auth, summary="バックグラウンド処理の状態")
def job(request: StaffRequest, job_id: uuid.UUID) -> object:
    return get_object_or_404(selectors.jobs_visible_to(request.user), pk=job_id)
