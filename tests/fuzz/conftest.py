"""Schemathesis calls the WSGI application directly (not through Django's test client), so Django's
request signals would close the database connection after each call — on PostgreSQL that ends the test's
transaction. The test client disconnects that handler during a request; so do we, for these tests."""

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections


@pytest.fixture(autouse=True)
def _keep_the_test_connection():  # type: ignore[no-untyped-def]
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
