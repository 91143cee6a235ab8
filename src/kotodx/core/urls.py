from django.urls import path

from kotodx.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("accounts/login/", views.login_view, name="login"),
    path("accounts/logout/", views.logout_view, name="logout"),
    path("accounts/password/", views.password_change, name="password_change"),
    path("accounts/otp/", views.otp_setup, name="otp_setup"),
    path("staff/", views.staff_home, name="staff_home"),
    path("staff/audit/", views.audit_list, name="audit_list"),
    path("staff/accessibility-policy/", views.accessibility_policy_edit, name="accessibility_policy_edit"),
    path("staff/audit/export/", views.audit_export, name="audit_export"),
    path("staff/jobs/", views.job_list, name="job_list"),
    path("staff/jobs/<uuid:job_id>/", views.job_detail, name="job_detail"),
    path("staff/jobs/<uuid:job_id>/cancel/", views.job_cancel, name="job_cancel"),
    path("staff/jobs/<uuid:job_id>/download/", views.job_download, name="job_download"),
    path("staff/tokens/", views.token_list, name="token_list"),
    path("staff/tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
]
