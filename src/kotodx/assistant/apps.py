from django.apps import AppConfig


class AssistantConfig(AppConfig):
    name = "kotodx.assistant"
    label = "assistant"
    verbose_name = "AIアシスタント"

    def ready(self) -> None:
        from kotodx.assistant.selectors import staff_notices
        from kotodx.core import portal

        portal.STAFF_NOTICES.append(staff_notices)
