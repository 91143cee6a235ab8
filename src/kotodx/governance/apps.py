from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "kotodx.governance"
    label = "governance"
    verbose_name = "ICTガバナンス"

    def ready(self) -> None:
        from kotodx.core import portal
        from kotodx.governance.selectors import staff_notices

        portal.STAFF_NOTICES.append(staff_notices)
