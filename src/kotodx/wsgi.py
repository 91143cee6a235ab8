"""WSGI entry point (gunicorn ``kotodx.wsgi:application``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kotodx.settings")
application = get_wsgi_application()
