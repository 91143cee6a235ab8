"""The catalog's version: a number that changes with every write of what a search reads, so that search
results can be cached (opendata.search) and still never be served after a change, in any process.

Database triggers change the one row of opendata_catalogversion on every insert, update and delete of
datasets, resources, tags, categories, their links, the search index and departments, whatever wrote
(the services, the admin, bulk loads, raw SQL, another process, the PostgreSQL TRUNCATE of a flush).
The row changes in the writer's transaction: a reader sees the new version only together with the data.
Values never repeat (random() on SQLite, a sequence on PostgreSQL): a version seen inside a transaction
that was rolled back cannot come back later with other data behind it.

The triggers are installed by migration 0002 and again after every migrate (apps.py): SQLite drops a
table's triggers when a migration rebuilds the table. A database without the row (another vendor, or
tables made without migrations) has no version, and searches are then not cached.
"""

from __future__ import annotations

from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

TABLE = "opendata_catalogversion"
_SQLITE_EVENTS = ("INSERT", "UPDATE", "DELETE")
_PG_FUNCTION = "opendata_catalog_changed"
_PG_SEQUENCE = "opendata_catalog_version_seq"


def watched_tables() -> list[str]:
    from kotodx.core.models import Department
    from kotodx.opendata.models import Dataset, Group, Resource, SearchTerm, Tag

    models: list[Any] = [
        Dataset,
        Resource,
        Dataset.tags.through,
        Dataset.groups.through,
        Tag,
        Group,
        SearchTerm,
        Department,
    ]
    return [m._meta.db_table for m in models]


def current(using: str = "default") -> int | None:
    """The catalog's version now, or None when this database keeps none (then nothing is cached)."""
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT value FROM {TABLE} WHERE id = 1")  # noqa: S608 - a constant name
        row = cursor.fetchone()
    return int(row[0]) if row else None


def install(connection: BaseDatabaseWrapper) -> None:
    """Create the triggers and the row (idempotent)."""
    tables = [t for t in watched_tables() if t in connection.introspection.table_names()]
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for table in tables:
                for event in _SQLITE_EVENTS:
                    cursor.execute(
                        f"CREATE TRIGGER IF NOT EXISTS {q(f'{TABLE}_{event.lower()}_{table}')} "  # noqa: S608
                        f"AFTER {event} ON {q(table)} BEGIN "
                        f"INSERT OR REPLACE INTO {TABLE} (id, value) VALUES (1, random()); END"
                    )
            cursor.execute(f"INSERT OR IGNORE INTO {TABLE} (id, value) VALUES (1, random())")  # noqa: S608
        elif connection.vendor == "postgresql":
            cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {_PG_SEQUENCE}")
            cursor.execute(
                f"CREATE OR REPLACE FUNCTION {_PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "  # noqa: S608
                f"BEGIN INSERT INTO {TABLE} (id, value) VALUES (1, nextval('{_PG_SEQUENCE}')) "
                "ON CONFLICT (id) DO UPDATE SET value = EXCLUDED.value; RETURN NULL; END $$"
            )
            for table in tables:
                cursor.execute(f"DROP TRIGGER IF EXISTS {_PG_FUNCTION} ON {q(table)}")
                cursor.execute(
                    f"CREATE TRIGGER {_PG_FUNCTION} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                    f"ON {q(table)} FOR EACH STATEMENT EXECUTE FUNCTION {_PG_FUNCTION}()"
                )
            cursor.execute(
                f"INSERT INTO {TABLE} (id, value) VALUES (1, nextval('{_PG_SEQUENCE}')) "  # noqa: S608
                "ON CONFLICT (id) DO NOTHING"
            )


def uninstall(connection: BaseDatabaseWrapper) -> None:
    """Drop the triggers (before the table goes: PostgreSQL's would fail every write without it)."""
    tables = [t for t in watched_tables() if t in connection.introspection.table_names()]
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for table in tables:
                for event in _SQLITE_EVENTS:
                    cursor.execute(f"DROP TRIGGER IF EXISTS {q(f'{TABLE}_{event.lower()}_{table}')}")
        elif connection.vendor == "postgresql":
            for table in tables:
                cursor.execute(f"DROP TRIGGER IF EXISTS {_PG_FUNCTION} ON {q(table)}")
            cursor.execute(f"DROP FUNCTION IF EXISTS {_PG_FUNCTION}()")
            cursor.execute(f"DROP SEQUENCE IF EXISTS {_PG_SEQUENCE}")
