"""Login events go to the audit log; role groups are brought up to date after every migrate."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.management import call_command
from django.db import transaction
from django.db.models.signals import post_migrate
from django.dispatch import receiver

from kotodx.core.services import audit_record, roles_sync


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    with transaction.atomic():
        audit_record(actor=user, action="login", target=user)


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        with transaction.atomic():
            audit_record(actor=user, action="logout", target=user)


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    # The login ID typed is kept (it is what an investigator needs); the password never is.
    with transaction.atomic():
        audit_record(
            actor=None,
            action="login_failed",
            target_type="core.user",
            target_repr=str(credentials.get("username", ""))[:150],
        )


@receiver(post_migrate)
def _after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    # Roles after each app, since each app's permissions are created by its own post_migrate call.
    roles_sync()
    if getattr(sender, "label", "") == "core":
        # The embedded mode keeps its cache (shared by all processes: rate limits) in the database.
        call_command("createcachetable", database=using, verbosity=0)
