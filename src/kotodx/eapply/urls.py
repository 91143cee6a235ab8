from django.urls import path

from kotodx.eapply import builder, staff_views, views

app_name = "eapply"

urlpatterns = [
    path("apply/", views.catalog, name="catalog"),
    path("apply/status/", views.status, name="status"),
    path("apply/postal/", views.postal_address, name="postal"),
    path("apply/resume/<str:key>/", views.resume, name="resume"),
    path("apply/signin/", views.signin, name="signin"),
    path("apply/signin/callback/", views.signin_callback, name="signin_callback"),
    path("apply/signout/", views.signout, name="signout"),
    path("apply/s/<uuid:submission_id>/check/", views.check, name="check"),
    path("apply/s/<uuid:submission_id>/done/", views.done, name="done"),
    path("apply/s/<uuid:submission_id>/<slug:page_id>/", views.page, name="page"),
    path("apply/<slug:slug>/", views.procedure_detail, name="procedure"),
    path("apply/<slug:slug>/start", views.start, name="start"),
    path("staff/apply/", staff_views.queue, name="staff_queue"),
    path(
        "staff/apply/submissions/<uuid:submission_id>/",
        staff_views.submission_detail,
        name="staff_submission",
    ),
    path(
        "staff/apply/submissions/<uuid:submission_id>/action",
        staff_views.submission_action,
        name="staff_action",
    ),
    path(
        "staff/apply/submissions/<uuid:submission_id>/files/<int:file_id>",
        staff_views.submission_file,
        name="staff_file",
    ),
    path("staff/apply/procedures/", staff_views.procedure_list, name="staff_procedures"),
    path("staff/apply/procedures/new/", staff_views.procedure_edit, name="staff_procedure_new"),
    path("staff/apply/procedures.csv", staff_views.procedures_csv, name="staff_procedures_csv"),
    path("staff/apply/procedures/<slug:slug>/edit/", staff_views.procedure_edit, name="staff_procedure_edit"),
    path("staff/apply/procedures/<slug:slug>/form/", staff_views.form_overview, name="staff_form"),
    path("staff/apply/procedures/<slug:slug>/builder/", builder.builder, name="staff_builder"),
    path(
        "staff/apply/procedures/<slug:slug>/builder/<slug:field_id>/", builder.field_edit, name="staff_field"
    ),
    path(
        "staff/apply/procedures/<slug:slug>/form/v<int:number>.json",
        staff_views.form_export,
        name="staff_form_export",
    ),
    path("staff/apply/procedures/<slug:slug>/export.<str:fmt>", staff_views.export, name="staff_export"),
]
