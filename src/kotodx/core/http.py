"""Request type of pages and endpoints that only logged-in staff reach (for type checking)."""

from django.http import HttpRequest

from kotodx.core.models import User


class StaffRequest(HttpRequest):
    user: User
