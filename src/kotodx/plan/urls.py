from django.urls import path, re_path

from kotodx.plan import views

app_name = "plan"

urlpatterns = [
    path("plan/", views.plan_list, name="public"),
    path("plan/reports/", views.report_redirect, name="report_latest"),
    re_path(r"^plan/reports/(?P<fy>\d{4})/$", views.report_html, name="report"),
    re_path(r"^plan/reports/(?P<fy>\d{4})\.pdf$", views.report_pdf, name="report_pdf"),
    re_path(r"^plan/reports/(?P<fy>\d{4})\.csv$", views.report_csv, name="report_csv"),
    re_path(r"^plan/reports/(?P<fy>\d{4})\.json$", views.report_json, name="report_json"),
    path("plan/staff/", views.staff_home, name="staff_home"),
    path("plan/staff/entries/<int:entry_id>/", views.entry_detail, name="entry_detail"),
    path(
        "plan/staff/entries/<int:entry_id>/actions/<str:action>/",
        views.entry_transition,
        name="entry_transition",
    ),
    path("plan/staff/entries/<int:entry_id>/evaluation", views.entry_override, name="entry_override"),
    path("plan/staff/entries/<int:entry_id>/correction", views.entry_correct, name="entry_correct"),
    path("plan/staff/entries/<int:entry_id>/evidence", views.evidence_upload, name="evidence_upload"),
    path("plan/staff/evidence/<int:evidence_id>/", views.evidence_download, name="evidence_download"),
    path("plan/staff/load/", views.plan_upload, name="plan_upload"),
    path("plan/staff/kpis/<int:kpi_id>/revise/", views.kpi_revise, name="kpi_revise"),
    path("plan/staff/<slug:code>/successor/", views.successor_create, name="successor_create"),
    path("plan/staff/<slug:code>/final/", views.final_edit, name="final_edit"),
    path("plan/staff/<slug:code>/<int:number>/<int:fy>/new", views.entry_create, name="entry_create"),
    path("plan/<slug:code>/", views.plan_detail, name="plan_detail"),
    path("plan/<slug:code>/measures/<int:number>/", views.measure_detail, name="measure_detail"),
    path("plan/<slug:code>/revisions/", views.revision_list, name="revision_list"),
    path("plan/<slug:code>/final/", views.final_evaluation, name="final"),
]
