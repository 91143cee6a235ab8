"""/healthz when the database answers (a database that is down: tests/e2e/test_serve.py)."""

import pytest

from tests.conftest import client_for


def test_healthz_ok(db):
    response = client_for(None).get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@pytest.mark.parametrize(
    "url",
    [
        "/api/governance/systems?network=a%00b",
        "/opendata/?q=%00",
        "/ogc/collections?f=%00json",
        "/api/docs?x%00=1",
    ],
)
def test_a_nul_character_is_refused_with_a_reason(personas, url):
    response = client_for(personas.it_officer).get(url)
    assert response.status_code == 400
    assert "NUL" in response.content.decode()
