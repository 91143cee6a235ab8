"""Shared fixtures: the test personas every module's tests reuse, and clients logged in as them."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.conf import settings
from django.test import Client

from kotodx.core import services
from kotodx.core.models import Department, User

# Tests render templates without running collectstatic first.
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

PASSWORD = "correct-horse-battery-42"


@pytest.fixture(autouse=True)
def _fast_hashing(settings):  # type: ignore[no-untyped-def]
    # Argon2 is the real hasher (tested on its own); the suite creates many users.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
    ]


@pytest.fixture(autouse=True)
def _no_start_limit(settings):  # type: ignore[no-untyped-def]
    # The cache outlives a test on Redis: tests that start many applications must not trip the limit
    # (tests/eapply/test_resident.py sets it low on purpose, from an address of its own).
    settings.EAPPLY_START_LIMIT = 10**6
    settings.ASSISTANT_ASK_LIMIT = 10**6


@pytest.fixture(autouse=True)
def _japanese_after_each_test():  # type: ignore[no-untyped-def]
    """A test that renders an /en/ page leaves English active in its thread: the next test starts in Japanese,
    as a request does."""
    yield
    from django.utils import translation

    translation.activate("ja")


@pytest.fixture(autouse=True, scope="session")
def _queue_inline():  # type: ignore[no-untyped-def]
    """Jobs run inline (after commit) in the in-process tests; tests/e2e run a real consumer."""
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True
    yield
    HUEY.immediate = False


@dataclass
class Personas:
    it_dept: Department
    dept_a: Department
    dept_b: Department
    admin: User
    it_officer: User
    clerk_a: User
    clerk_b: User
    subcommittee: User
    committee: User
    auditor: User

    NAMES = ("admin", "it_officer", "clerk_a", "clerk_b", "subcommittee", "committee", "auditor")

    def all(self) -> dict[str, User]:
        return {n: getattr(self, n) for n in self.NAMES}


@pytest.fixture
def personas(db) -> Personas:  # type: ignore[no-untyped-def]
    it = services.department_upsert(
        code="joho-system", name="情報システム課", is_it_division=True, actor=None
    )
    a = services.department_upsert(code="kosodate", name="子育て支援課", actor=None)
    b = services.department_upsert(code="bosai", name="防災課", actor=None)
    kikaku = services.department_upsert(code="kikaku", name="企画課", actor=None)
    kansa = services.department_upsert(code="kansa", name="監査事務局", actor=None)

    def staff(username: str, dept: Department, role: str, **kw) -> User:  # type: ignore[no-untyped-def]
        return services.staff_upsert(
            username=username,
            display_name=username,
            department=dept,
            roles=[role],
            password=PASSWORD,
            actor=None,
            **kw,
        )

    return Personas(
        it_dept=it,
        dept_a=a,
        dept_b=b,
        admin=staff("t.admin", it, "system_admin"),
        it_officer=staff("t.it", it, "it_officer"),
        clerk_a=staff("t.clerk_a", a, "dept_clerk"),
        clerk_b=staff("t.clerk_b", b, "dept_clerk"),
        subcommittee=staff("t.bukai", kikaku, "subcommittee"),
        committee=staff("t.iin", kikaku, "committee"),
        auditor=staff("t.kansa", kansa, "auditor"),
    )


def check_access(
    url: str, expected: dict[str, int], personas: Personas, *, method: str = "get", data: dict | None = None
) -> None:  # type: ignore[type-arg]
    """Each persona (and "anonymous") gets the expected status for the URL: one rule per line in tests."""
    for name, status in expected.items():
        user = None if name == "anonymous" else getattr(personas, name)
        response = getattr(client_for(user), method)(url, data or {})
        assert response.status_code == status, (
            f"{name}: {method.upper()} {url} → {response.status_code}, not {status}"
        )


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client
