from django.apps import AppConfig


class PlanConfig(AppConfig):
    name = "kotodx.plan"
    label = "plan"
    verbose_name = "情報化推進プラン"

    def ready(self) -> None:
        from kotodx.plan.metrics import autodiscover

        autodiscover()
