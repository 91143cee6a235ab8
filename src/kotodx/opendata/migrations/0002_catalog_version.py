"""The catalog version and the triggers that change it (opendata.generation)."""

from typing import Any

from django.db import migrations, models


def install(apps: Any, schema_editor: Any) -> None:
    from kotodx.opendata import generation

    generation.install(schema_editor.connection)


def uninstall(apps: Any, schema_editor: Any) -> None:
    from kotodx.opendata import generation

    generation.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("opendata", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="CatalogVersion",
            fields=[
                ("id", models.PositiveSmallIntegerField(primary_key=True, serialize=False)),
                ("value", models.BigIntegerField()),
            ],
        ),
        migrations.RunPython(install, uninstall),
    ]
