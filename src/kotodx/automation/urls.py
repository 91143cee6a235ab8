from django.urls import path

from kotodx.automation import views

app_name = "automation"

urlpatterns = [
    path("staff/robots/", views.robot_list, name="robots"),
    path("staff/robots/new/", views.robot_create, name="robot_create"),
    path("staff/robots/<slug:name>/", views.robot_detail, name="robot"),
    path("staff/robots/<slug:name>/edit/", views.robot_edit, name="robot_edit"),
    path("staff/robots/<slug:name>/run/", views.robot_run, name="robot_run"),
    path("staff/robots/<slug:name>/export.yaml", views.robot_export, name="robot_export"),
    path(
        "staff/robots/<slug:name>/runs/<int:run_id>/files/<int:index>/", views.run_output, name="run_output"
    ),
    path("staff/robots/<slug:name>/runs/<int:run_id>/again/", views.run_again, name="run_again"),
]
