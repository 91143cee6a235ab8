from django.urls import path

from kotodx.opendata import dcat, views

app_name = "opendata"

urlpatterns = [
    path("opendata/", views.catalog, name="home"),
    path("opendata/new/", views.dataset_create, name="dataset_create"),
    path("opendata/catalog.<str:fmt>", dcat.catalog_view, name="catalog_rdf"),
    path("opendata/dataset/<slug:name>.<str:fmt>", dcat.dataset_view, name="dataset_rdf"),
    path("opendata/dataset/<slug:name>/", views.dataset_detail, name="dataset"),
    path("opendata/dataset/<slug:name>/edit/", views.dataset_edit, name="dataset_edit"),
    path("opendata/dataset/<slug:name>/state/<str:action>/", views.dataset_state, name="dataset_state"),
    path("opendata/dataset/<slug:name>/resource/new/", views.resource_add, name="resource_add"),
    path("opendata/dataset/<slug:name>/resource/<uuid:resource_id>/", views.resource_detail, name="resource"),
    path(
        "opendata/dataset/<slug:name>/resource/<uuid:resource_id>/download",
        views.resource_download,
        name="resource_download",
    ),
    path(
        "opendata/dataset/<slug:name>/resource/<uuid:resource_id>/replace/",
        views.resource_replace,
        name="resource_replace",
    ),
    path(
        "opendata/dataset/<slug:name>/resource/<uuid:resource_id>/v<int:number>/",
        views.version_detail,
        name="version",
    ),
    path(
        "opendata/dataset/<slug:name>/resource/<uuid:resource_id>/v<int:number>/report.csv",
        views.validation_report_csv,
        name="version_report_csv",
    ),
]
