from django.apps import AppConfig


class GisConfig(AppConfig):
    name = "kotodx.gis"
    label = "gis"
    verbose_name = "統合型GIS"

    def ready(self) -> None:
        from kotodx.gis.services import sync_layers_of_resource
        from kotodx.opendata import services as opendata_services

        opendata_services.PUBLISHED_HOOKS.append(sync_layers_of_resource)
