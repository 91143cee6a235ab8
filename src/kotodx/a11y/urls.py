from django.urls import path

from kotodx.a11y import views

app_name = "a11y"

urlpatterns = [
    path("staff/a11y/", views.scan_list, name="scans"),
    path("staff/a11y/scans/<int:pk>/", views.scan_detail, name="scan"),
    path("staff/a11y/scans/<int:pk>/report/", views.scan_report, name="scan_report"),
    path("accessibility/report/", views.public_report, name="public_report"),
]
