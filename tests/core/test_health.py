"""/healthz when the database answers (a database that is down: tests/e2e/test_serve.py)."""

from tests.conftest import client_for


def test_healthz_ok(db):
    response = client_for(None).get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
