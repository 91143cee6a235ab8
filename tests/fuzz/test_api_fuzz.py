"""Schemathesis over our OpenAPI document, every operation, as an anonymous caller and with a staff API
token: no server error and no response that breaks the schema. Runs in-process (WSGI), bounded."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from kotodx.core import services as core_services
from kotodx.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)


@pytest.fixture
def token(personas):  # type: ignore[no-untyped-def]
    _, key = core_services.api_token_create(user=personas.it_officer, name="fuzz", actor=personas.it_officer)
    return key


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_anonymous(case):  # type: ignore[no-untyped-def]
    case.call_and_validate()


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_with_a_staff_token(case, token):  # type: ignore[no-untyped-def]
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"})
