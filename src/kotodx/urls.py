from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from kotodx.api import api
from kotodx.core import views as core_views

handler500 = "kotodx.core.views.server_error"
handler403 = "kotodx.core.views.permission_denied"

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]
urlpatterns += i18n_patterns(
    path("", include("kotodx.core.urls")),
    path("", include("kotodx.plan.urls")),
    prefix_default_language=False,
)
