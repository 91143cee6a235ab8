from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "kotodx.security"
    label = "security"
    verbose_name = "CSIRT（情報セキュリティ）"

    def ready(self) -> None:
        from kotodx.core import portal
        from kotodx.security.selectors import staff_notices

        portal.STAFF_NOTICES.append(staff_notices)
