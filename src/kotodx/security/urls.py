from django.urls import path

from kotodx.security import views

app_name = "security"

urlpatterns = [
    path("staff/security/", views.dashboard, name="dashboard"),
    path("staff/security/incidents/", views.dashboard, name="incidents"),
    path("staff/security/incidents/new/", views.incident_create, name="incident_create"),
    path("staff/security/incidents/<str:number>/", views.incident_detail, name="incident"),
    path("staff/security/incidents/<str:number>/edit/", views.incident_edit, name="incident_edit"),
    path("staff/security/incidents/<str:number>/stix.json", views.incident_stix, name="incident_stix"),
    path(
        "staff/security/incidents/<str:number>/report.<str:fmt>",
        views.incident_report,
        name="incident_report",
    ),
    path("staff/security/exercises/", views.exercises, name="exercises"),
    path("staff/security/sharing/", views.sharing_page, name="sharing"),
    path("staff/security/sharing/export/", views.export_shareable, name="export_shareable"),
]
