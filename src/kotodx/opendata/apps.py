from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class OpendataConfig(AppConfig):
    name = "kotodx.opendata"
    label = "opendata"
    verbose_name = "オープンデータ"

    def ready(self) -> None:
        post_migrate.connect(_catalog_triggers, sender=self, dispatch_uid="opendata_catalog_triggers")


def _catalog_triggers(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """The catalog version's triggers again after every migrate: SQLite drops a table's triggers when a
    migration rebuilds the table (opendata.generation)."""
    from django.db import connections

    from kotodx.opendata import generation

    connection = connections[using]
    if generation.TABLE in connection.introspection.table_names():
        generation.install(connection)
