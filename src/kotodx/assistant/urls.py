from django.urls import path

from kotodx.assistant import views

app_name = "assistant"

urlpatterns = [
    path("ask/", views.ask, name="ask"),
    path("ask/faq/<int:pk>/", views.faq, name="faq"),
    path("staff/assistant/", views.staff_home, name="staff_home"),
    path("staff/assistant/faq/", views.faq_list, name="staff_faqs"),
    path("staff/assistant/faq/new/", views.faq_edit, name="staff_faq_new"),
    path("staff/assistant/faq/<int:pk>/edit/", views.faq_edit, name="staff_faq_edit"),
    path("staff/assistant/faq/<int:pk>/delete/", views.faq_delete, name="staff_faq_delete"),
    path("staff/assistant/synonyms/", views.synonyms, name="staff_synonyms"),
    path(
        "staff/assistant/questions/<int:pk>/dismiss/", views.question_dismiss, name="staff_question_dismiss"
    ),
    path("staff/assistant/inquiries/", views.inquiries, name="staff_inquiries"),
    path("staff/assistant/inquiries/retrain/", views.retrain, name="staff_retrain"),
    path("staff/assistant/inquiries/import/", views.training_import, name="staff_training_import"),
    path("staff/assistant/inquiries/<int:pk>/", views.inquiry_detail, name="staff_inquiry"),
    path("staff/assistant/ocr/", views.ocr_list, name="staff_ocr_list"),
    path("staff/assistant/ocr/<int:pk>/", views.ocr_detail, name="staff_ocr"),
    path("staff/assistant/ocr/<int:pk>/file", views.ocr_file, name="staff_ocr_file"),
]
