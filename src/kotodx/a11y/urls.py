from django.urls import path

from kotodx.a11y import views

app_name = "a11y"

urlpatterns = [
    path("staff/a11y/", views.scan_list, name="scans"),
    path("staff/a11y/scans/<int:pk>/", views.scan_detail, name="scan"),
]
