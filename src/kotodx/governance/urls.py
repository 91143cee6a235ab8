from django.urls import path

from kotodx.governance import views

app_name = "governance"

urlpatterns = [
    path("staff/governance/systems/", views.system_list, name="systems"),
    path("staff/governance/systems/new/", views.system_create, name="system_create"),
    path("staff/governance/systems/import/", views.system_import, name="import"),
    path("staff/governance/systems/<int:pk>/", views.system_detail, name="system"),
    path("staff/governance/systems/<int:pk>/edit/", views.system_edit, name="system_edit"),
    path("staff/governance/systems/<int:pk>/advance/", views.system_advance, name="system_advance"),
    path("staff/governance/systems/<int:pk>/review/", views.review_start, name="review_start"),
    path("staff/governance/reviews/<int:pk>/answers/", views.review_answer, name="review_answer"),
    path("staff/governance/reviews/<int:pk>/decision/", views.review_decide, name="review_decide"),
    path("staff/governance/guideline/", views.guideline, name="guideline"),
    path("staff/governance/audits/", views.audit_list, name="audits"),
    path("staff/governance/audits/<int:pk>/", views.audit_detail, name="audit"),
    path("staff/governance/audits/<int:pk>/report.<str:fmt>", views.audit_report, name="audit_report"),
    path("staff/governance/actions/", views.action_list, name="actions"),
    path("staff/governance/actions/<int:pk>/", views.action_update, name="action_update"),
    path("staff/governance/pia/", views.pia_list, name="pia"),
    path("staff/governance/skills/", views.skills, name="skills"),
]
