from django.apps import AppConfig


class EapplyConfig(AppConfig):
    name = "kotodx.eapply"
    label = "eapply"
    verbose_name = "電子申請"
