from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kotodx.core"
    label = "core"
    verbose_name = "基盤"

    def ready(self) -> None:
        from kotodx.core import signals  # noqa: F401  (login/logout audit, role sync after migrate)
