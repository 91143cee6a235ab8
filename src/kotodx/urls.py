from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path

from kotodx.api import api
from kotodx.core import views as core_views
from kotodx.opendata import ckan

handler500 = "kotodx.core.views.server_error"
handler403 = "kotodx.core.views.permission_denied"

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    re_path(r"^api/3/action/(?P<name>[A-Za-z_]+)/?$", ckan.action, name="ckan_action"),
    re_path(r"^api/action/(?P<name>[A-Za-z_]+)/?$", ckan.action),
    path("api/docs", core_views.api_docs, name="api_docs"),
    path("api/", api.urls),
    path("taxii2/", include("kotodx.security.taxii_urls")),
    path("", include("kotodx.gis.urls")),
    path("admin/", admin.site.urls),
]
urlpatterns += i18n_patterns(
    path("", include("kotodx.core.urls")),
    path("", include("kotodx.plan.urls")),
    path("", include("kotodx.opendata.urls")),
    path("", include("kotodx.eapply.urls")),
    path("", include("kotodx.governance.urls")),
    path("", include("kotodx.security.urls")),
    path("", include("kotodx.automation.urls")),
    path("", include("kotodx.a11y.urls")),
    path("", include("kotodx.assistant.urls")),
    prefix_default_language=False,
)
