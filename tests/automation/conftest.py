"""The e-application fixture a robot test starts from."""

from tests.eapply.conftest import procedure  # noqa: F401  (a fixture, used by name)
