from django.apps import AppConfig


class AutomationConfig(AppConfig):
    name = "kotodx.automation"
    label = "automation"
    verbose_name = "業務自動化（RPA）"

    def ready(self) -> None:
        from kotodx.automation import triggers

        triggers.connect()
