"""The DataStore: each published tabular resource also lives in a table of its own (as CKAN's datastore
does), with an index on every column, so ``datastore_search`` filters a million rows by index.

Tables are named ``ds_<resource hex>_<version>`` and their columns ``c0..cN``; the real (Japanese) column
names and types are kept in Resource.datastore_fields. The same SQL runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection, transaction

from kotodx.opendata.models import Resource

BATCH = 5000
MAX_LIMIT = 32000
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


class DatastoreError(ValueError):
    """A bad datastore_search request; ``field`` names the parameter (CKAN Validation Error)."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def _column_types(header: Sequence[str], rows: list[list[str]]) -> list[str]:
    types = []
    for i in range(len(header)):
        values = [r[i].strip() for r in rows if i < len(r) and r[i].strip()]
        numeric = bool(values) and all(
            _NUMBER.match(unicodedata.normalize("NFKC", v).replace(",", "")) for v in values
        )
        types.append("numeric" if numeric else "text")
    return types


def _value(raw: str, kind: str) -> Any:
    raw = raw.strip()
    if kind == "numeric":
        return float(unicodedata.normalize("NFKC", raw).replace(",", "")) if raw else None
    return raw


def load(
    resource: Resource,
    version: int,
    header: Sequence[str],
    rows: list[list[str]],
    progress: Callable[[int], None] | None = None,
) -> None:
    """Put the rows of a newly published version into a fresh table, then switch the resource to it."""
    table = f"ds_{resource.pk.hex}_{version}"
    types = _column_types(header, rows)
    cols = [f"c{i}" for i in range(len(header))]
    sql_types = {
        "numeric": "DOUBLE PRECISION" if connection.vendor == "postgresql" else "REAL",
        "text": "TEXT",
    }
    old = resource.datastore_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {_q(table)}")
        column_sql = ", ".join(f"{_q(c)} {sql_types[t]}" for c, t in zip(cols, types, strict=True))
        cursor.execute(
            f"CREATE TABLE {_q(table)} ({_q('_id')} INTEGER PRIMARY KEY, {column_sql}, "
            f"{_q('_full_text')} TEXT)"
        )
        placeholders = ", ".join(["%s"] * (len(cols) + 2))
        insert = f"INSERT INTO {_q(table)} VALUES ({placeholders})"  # noqa: S608  (identifiers quoted, values bound)
        batch: list[list[Any]] = []
        for n, row in enumerate(rows, start=1):
            cells = [row[i] if i < len(row) else "" for i in range(len(cols))]
            batch.append(
                [n, *(_value(v, t) for v, t in zip(cells, types, strict=True)), _fold(" ".join(cells))]
            )
            if len(batch) >= BATCH:
                cursor.executemany(insert, batch)
                batch.clear()
                if progress:
                    progress(n)
        if batch:
            cursor.executemany(insert, batch)
        for c in cols:
            cursor.execute(f"CREATE INDEX {_q(f'{table}_{c}')} ON {_q(table)} ({_q(c)})")
        Resource.objects.filter(pk=resource.pk).update(
            datastore_table=table,
            row_count=len(rows),
            datastore_fields=[
                {"id": h, "type": t, "column": c} for h, t, c in zip(header, types, cols, strict=True)
            ],
        )
        if old and old != table:
            cursor.execute(f"DROP TABLE IF EXISTS {_q(old)}")
    resource.refresh_from_db()


def drop(resource: Resource) -> None:
    if resource.datastore_table:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {_q(resource.datastore_table)}")
        Resource.objects.filter(pk=resource.pk).update(datastore_table="", datastore_fields=[])


def search(
    resource: Resource,
    *,
    filters: dict[str, Any] | None = None,
    q: str | dict[str, str] | None = None,
    limit: int = 100,
    offset: int = 0,
    fields: Iterable[str] | None = None,
    sort: str | None = None,
    include_total: bool = True,
) -> dict[str, Any]:
    """CKAN's datastore_search over one resource: returns fields, records, total, limit, offset."""
    if not resource.datastore_table:
        raise DatastoreError(
            "resource_id", "このリソースはデータストアにありません（表形式のファイルではありません）。"
        )
    by_name = {f["id"]: f for f in resource.datastore_fields}
    if not 0 <= limit <= MAX_LIMIT:
        raise DatastoreError("limit", f"limit は 0〜{MAX_LIMIT} の整数にしてください。")
    if offset < 0:
        raise DatastoreError("offset", "offset は 0 以上の整数にしてください。")
    chosen = list(fields) if fields else list(by_name)
    unknown = [f for f in chosen if f not in by_name and f != "_id"]
    if unknown:
        raise DatastoreError("fields", f"列「{'、'.join(unknown)}」はありません。")
    where, params = [], []
    for name, value in (filters or {}).items():
        if name not in by_name:
            raise DatastoreError("filters", f"列「{name}」はありません。")
        f = by_name[name]
        values = value if isinstance(value, list) else [value]
        if f["type"] == "numeric":
            try:
                values = [float(unicodedata.normalize("NFKC", str(v)).replace(",", "")) for v in values]
            except ValueError:
                raise DatastoreError("filters", f"列「{name}」は数値の列です。") from None
        else:
            values = [str(v) for v in values]
        where.append(f"{_q(f['column'])} IN ({', '.join(['%s'] * len(values))})")
        params.extend(values)
    if isinstance(q, dict):
        for name, text in q.items():
            if name not in by_name:
                raise DatastoreError("q", f"列「{name}」はありません。")
            where.append(f"LOWER(CAST({_q(by_name[name]['column'])} AS TEXT)) LIKE %s")
            params.append(f"%{_fold(str(text))}%")
    elif q:
        for word in _fold(q).split():
            where.append(f"{_q('_full_text')} LIKE %s")
            params.append(f"%{word}%")
    order = _order_by(sort, by_name)
    where_sql = f" WHERE {' AND '.join(where)}" if where else ""
    select = ", ".join([_q("_id")] + [_q(by_name[c]["column"]) for c in chosen if c != "_id"])
    table = _q(resource.datastore_table)
    # Identifiers are quoted names of our own (c0..cN); every value is a bound parameter.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {select} FROM {table}{where_sql} ORDER BY {order} LIMIT %s OFFSET %s",  # noqa: S608
            [*params, limit, offset],
        )
        rows = cursor.fetchall()
        total = None
        if include_total:
            cursor.execute(f"SELECT COUNT(*) FROM {table}{where_sql}", params)  # noqa: S608
            total = cursor.fetchone()[0]
    names = ["_id"] + [c for c in chosen if c != "_id"]
    records = [{n: _out(v) for n, v in zip(names, row, strict=True)} for row in rows]
    out_fields = [{"id": "_id", "type": "int"}] + [
        {"id": c, "type": by_name[c]["type"]} for c in chosen if c != "_id"
    ]
    result: dict[str, Any] = {
        "resource_id": str(resource.pk),
        "fields": out_fields,
        "records": records,
        "limit": limit,
        "offset": offset,
    }
    if include_total:
        result["total"] = total
    return result


def _out(v: Any) -> Any:
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def _order_by(sort: str | None, by_name: dict[str, dict[str, Any]]) -> str:
    if not sort:
        return _q("_id")
    parts = []
    for item in sort.split(","):
        bits = item.strip().rsplit(" ", 1)
        name = bits[0].strip().strip('"')
        direction = bits[1].lower() if len(bits) == 2 and bits[1].lower() in ("asc", "desc") else "asc"
        if len(bits) == 2 and bits[1].lower() not in ("asc", "desc"):
            name = item.strip().strip('"')
        if name == "_id":
            parts.append(f"{_q('_id')} {direction}")
        elif name in by_name:
            parts.append(f"{_q(by_name[name]['column'])} {direction}")
        else:
            raise DatastoreError("sort", f"並べ替えの列「{name}」はありません。")
    return ", ".join(parts + [_q("_id")])
