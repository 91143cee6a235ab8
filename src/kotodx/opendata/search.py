"""Dataset search: Japanese free text (core.textsearch over an inverted index), Solr-style filter
queries as CKAN clients send them (``fq``), sorting and facets. The HTML pages and ``package_search``
both call ``search()``."""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import CharField, Count, Func, Max, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from kotodx.core import textsearch
from kotodx.opendata import generation
from kotodx.opendata.models import Dataset, Resource, SearchTerm

WEIGHTS = {"title": 10, "tag": 5, "resource": 3, "organization": 2, "notes": 1}
FACET_MATERIALIZE = 3000  # up to this many matches, their ids are named in the queries; beyond, a subquery
CACHE_SIZE = 256  # results kept per process (settings.OPENDATA_SEARCH_CACHE_SIZE; 0: none)
FACET_FIELDS = ("organization", "tags", "res_format", "groups", "license_id")
SORTS = {
    "score desc, metadata_modified desc": None,
    "score desc": None,
    "metadata_modified desc": ("-metadata_modified", "id"),
    "metadata_modified asc": ("metadata_modified", "id"),
    "metadata_created desc": ("-metadata_created", "id"),
    "metadata_created asc": ("metadata_created", "id"),
    "name asc": ("name",),
    "name desc": ("-name",),
    "title_string asc": ("title", "name"),
    "title_string desc": ("-title", "name"),
    "id asc": ("id",),
    "id desc": ("-id",),
}


class SearchQueryError(ValueError):
    """A filter query or sort that cannot be understood (CKAN "Search Query Error")."""


def index_dataset(dataset: Dataset) -> None:
    """Rebuild the search terms of one dataset (call after every change of its metadata)."""
    weights: dict[str, int] = {}

    def add(text: str, weight: int) -> None:
        for term in textsearch.index_terms(text or ""):
            term = term[:100]
            if weights.get(term, 0) < weight:
                weights[term] = weight

    add(dataset.title, WEIGHTS["title"])
    add(dataset.name, WEIGHTS["title"])
    for tag in dataset.tags.all():
        add(tag.name, WEIGHTS["tag"])
    for group in dataset.groups.all():
        add(group.title, WEIGHTS["tag"])
    for resource in dataset.resources.filter(state=Resource.State.ACTIVE):
        add(f"{resource.name} {resource.format}", WEIGHTS["resource"])
        add(resource.description, WEIGHTS["notes"])
    add(dataset.department.name, WEIGHTS["organization"])
    add(dataset.notes, WEIGHTS["notes"])
    SearchTerm.objects.filter(dataset=dataset).delete()
    SearchTerm.objects.bulk_create(
        [SearchTerm(dataset=dataset, term=t, weight=w) for t, w in weights.items()]
    )


# --- Filter queries -------------------------------------------------------------------------------

_FQ_TOKEN = re.compile(
    r"""\s*(?P<neg>[+-]?)(?P<field>[A-Za-z_]+):(?:"(?P<quoted>[^"]*)"|\[(?P<range>[^\]]*)\]|(?P<bare>[^\s"\[\]]+))\s*"""
)
FQ_FIELDS = {
    "organization",
    "owner_org",
    "tags",
    "res_format",
    "groups",
    "license_id",
    "name",
    "id",
    "metadata_modified",
    "metadata_created",
    "state",
    "standard_dataset",
    "dataset_type",
    "type",
    "capacity",
}


def _parse_time(text: str, field_name: str) -> dt.datetime | None:
    if text == "*":
        return None
    text = text.strip()
    m = re.fullmatch(r"NOW(?:-(\d+)DAYS?)?", text)
    if m:
        return timezone.now() - dt.timedelta(days=int(m.group(1) or 0))
    parsed = parse_datetime(text.replace("Z", "+00:00")) if "T" in text else None
    if parsed is None:
        try:
            parsed = dt.datetime.combine(dt.date.fromisoformat(text), dt.time())
        except ValueError:
            raise SearchQueryError(
                f"{field_name} の日時「{text}」を読めません（例: 2024-01-01T00:00:00Z）。"
            ) from None
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, dt.UTC)


def parse_fq(fq: str) -> Q:
    """``organization:x tags:"y z" res_format:CSV metadata_modified:[2024-01-01T00:00:00Z TO *]`` → Q."""
    query = Q()
    text = fq.replace(" AND ", " ").strip()
    pos = 0
    while pos < len(text):
        m = _FQ_TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise SearchQueryError(f"fq「{fq}」を解釈できません（例: organization:joho-system tags:防災）。")
        pos = m.end()
        name = m.group("field")
        if name not in FQ_FIELDS:
            raise SearchQueryError(f"fq の項目「{name}」には対応していません。")
        if name in ("dataset_type", "type"):
            continue  # every dataset here is of type "dataset"
        if name == "capacity":
            continue  # only public datasets are searched anyway
        if m.group("range") is not None:
            if name not in ("metadata_modified", "metadata_created"):
                raise SearchQueryError(
                    f"範囲の指定は metadata_modified と metadata_created だけです（{name}）。"
                )
            bounds = re.fullmatch(r"\s*(\S+)\s+TO\s+(\S+)\s*", m.group("range"))
            if not bounds:
                raise SearchQueryError(f"範囲「[{m.group('range')}]」は [開始 TO 終了] の形にしてください。")
            lo, hi = _parse_time(bounds.group(1), name), _parse_time(bounds.group(2), name)
            cond = Q()
            if lo:
                cond &= Q(**{f"{name}__gte": lo})
            if hi:
                cond &= Q(**{f"{name}__lte": hi})
        else:
            value = m.group("quoted") if m.group("quoted") is not None else m.group("bare")
            cond = _field_q(name, value)
        query &= ~cond if m.group("neg") == "-" else cond
    return query


def _field_q(name: str, value: str) -> Q:
    if name in ("organization", "owner_org"):
        return Q(department__code=value) | Q(department__name=value)
    if name == "tags":
        return Q(tags__name=value)
    if name == "groups":
        return Q(groups__name=value)
    if name == "res_format":
        return Q(resources__format__iexact=value, resources__state=Resource.State.ACTIVE)
    if name == "state":
        return Q(state=value)
    return Q(**{name: value})


# --- The search -----------------------------------------------------------------------------------


@dataclass
class SearchResult:
    count: int
    datasets: list[Dataset]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    sort: str = ""


class _Unindexed(Func):
    """A column as it is, except that SQLite may not read it through an index (``+state = 'active'``).

    Nothing runs ANALYZE on the embedded database, and without statistics SQLite takes the index of
    ``state`` for selective: it would read every active dataset before looking at the ids a q found or
    the tag an fq names, and sort them all for a page. Unindexed, it starts from the selective condition,
    or walks the metadata_modified index for the newest page. PostgreSQL plans from its statistics."""

    arity = 1
    template = "%(expressions)s"
    output_field = CharField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(compiler, connection, template="+%(expressions)s", **extra)


def _state_filter(path: str, include_drafts: bool) -> Any:
    state = _Unindexed(f"{path}state")
    return ~Exact(state, Dataset.State.DELETED) if include_drafts else Exact(state, Dataset.State.ACTIVE)


def search(
    *,
    q: str = "",
    fq: str = "",
    rows: int = 10,
    start: int = 0,
    sort: str = "",
    facet_fields: tuple[str, ...] | list[str] = (),
    facet_limit: int = 50,
    facet_mincount: int = 1,
    include_drafts: bool = False,
    base: QuerySet[Dataset] | None = None,
) -> SearchResult:
    qs = (base if base is not None else Dataset.objects.all()).filter(_state_filter("", include_drafts))
    if fq.strip():
        qs = qs.filter(parse_fq(fq))
    sort = (sort or "score desc, metadata_modified desc").strip()
    normalized_sort = re.sub(r"\s+", " ", sort.lower())
    if normalized_sort not in SORTS:
        raise SearchQueryError(f"並べ替え「{sort}」には対応していません（例: metadata_modified desc）。")
    fields = list(dict.fromkeys(facet_fields))
    for f in fields:
        if f not in FACET_FIELDS:
            raise SearchQueryError(f"facet.field の「{f}」には対応していません。")
    text = q.strip()
    words = textsearch.query_words(text) if text and text != "*:*" else None
    if words == []:
        return SearchResult(0, [], {f: {} for f in fields}, sort)
    cached = base is None and getattr(settings, "OPENDATA_SEARCH_CACHE_SIZE", CACHE_SIZE) > 0
    version = generation.current(qs.db) if cached else None
    # The page and the facets are kept apart: paging through a result counts its facets once.
    common = (version, text, fq, include_drafts)
    page_key = (*common, "page", normalized_sort, start, rows)
    facets_key = (*common, "facets", tuple(fields), facet_limit, facet_mincount)
    page = _cache.get(page_key) if version is not None else None
    facets = (_cache.get(facets_key) if version is not None else None) if fields else {}
    if page is None or facets is None:
        match = _Match(qs, words, include_drafts, plain=base is None and not fq.strip())
        if page is None:
            page = match.page(SORTS[normalized_sort], start, rows)
            if version is not None:
                _cache.put(page_key, page)
        if facets is None:
            facets = match.facets(fields, facet_limit, facet_mincount)
            if version is not None:
                _cache.put(facets_key, facets)
    count, page_ids = page
    return SearchResult(count, _load(page_ids), {f: dict(v) for f, v in facets.items()}, sort)


_UNKNOWN: Any = object()


class _Match:
    """The datasets a search matches, worked out once per request and only as far as it is asked.

    Ids stay as the database gives them (hex text on SQLite) until the page's few become UUIDs: the
    conversion of thousands of them, both ways, was most of the time of a search."""

    def __init__(
        self, qs: QuerySet[Dataset], words: list[set[str]] | None, include_drafts: bool, *, plain: bool
    ) -> None:
        self.distinct = not plain  # the joins of an fq (or of a base queryset) can repeat a dataset
        self.scores: dict[Any, int] | None = None
        if words is not None:
            self.scores = _score(words, qs.db)
            qs = qs.filter(_matching(words, self.scores))
            plain = False
        self.qs, self.plain, self.include_drafts = qs, plain, include_drafts
        self._ids: list[Any] | None = _UNKNOWN

    def ids(self) -> list[Any] | None:
        """The matching ids when there are few enough (FACET_MATERIALIZE) to name in a query."""
        if self._ids is _UNKNOWN:
            if self.scores == {}:
                self._ids = []
            else:
                query = _distinct(self.qs.order_by().values_list("pk"), self.distinct)
                ids = [r[0] for r in _rows(query[: FACET_MATERIALIZE + 1])]
                self._ids = ids if len(ids) <= FACET_MATERIALIZE else None
        return self._ids

    def page(self, order: tuple[str, ...] | None, start: int, rows: int) -> tuple[int, list[Any]]:
        """The count and the ids of the page, as UUIDs."""
        to_python = Dataset._meta.pk.to_python
        if self.scores == {}:
            return 0, []
        if self.scores is not None and order is None:
            # Ranked by score: one query for the candidates' dates gives the count and the order.
            scores = self.scores
            query = _distinct(self.qs.order_by().values_list("pk", "metadata_modified"), self.distinct)
            candidates = _rows(query)
            candidates.sort(key=lambda r: r[0])  # ties of score and date in id order, on every database
            candidates.sort(key=lambda r: (scores[r[0]], r[1]), reverse=True)
            count = len(candidates)
            self._ids = [r[0] for r in candidates] if count <= FACET_MATERIALIZE else None
            return count, [to_python(r[0]) for r in candidates[start : start + rows]]
        ids = self.ids()
        if ids is not None:
            count = len(ids)
        else:
            count = self.qs.values("pk").distinct().count() if self.distinct else self.qs.count()
        if not rows or count <= start:
            return count, []
        ordered = self.qs.order_by(*(order or ("-metadata_modified", "id"))).values_list("pk")
        return count, [
            to_python(r[0]) for r in _rows(_distinct(ordered, self.distinct)[start : start + rows])
        ]

    def facets(self, fields: list[str], limit: int, mincount: int) -> dict[str, dict[str, int]]:
        if not fields:
            return {}
        ids = self.ids()
        if ids == []:
            return {f: {} for f in fields}
        return _facets(self.qs, ids, fields, limit, mincount, self.include_drafts, plain=self.plain)


def _distinct(qs: QuerySet[Any], distinct: bool) -> QuerySet[Any]:
    return qs.distinct() if distinct else qs


def _rows(qs: QuerySet[Any]) -> list[Any]:
    """The rows of a values_list() as the database driver gives them (no UUID or datetime objects)."""
    try:
        sql, params = qs.query.sql_with_params()
    except EmptyResultSet:
        return []
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _ids(ids: list[Any]) -> RawSQL:
    """``IN (%s, …)`` of ids already in the database's form (no conversion of each by the ORM)."""
    return RawSQL(", ".join(["%s"] * len(ids)), ids)  # noqa: S611 - placeholders only


def _score(words: list[set[str]], using: str) -> dict[Any, int]:
    scores: dict[Any, int] | None = None
    for alternatives in words:
        lookup = (
            SearchTerm.objects.using(using)
            .filter(term__in=sorted(alternatives))
            .values("dataset_id")
            .annotate(w=Max("weight"))
            .values_list("dataset_id", "w")
            .order_by()
        )
        hits = dict(_rows(lookup))
        scores = hits if scores is None else {pk: s + hits[pk] for pk, s in scores.items() if pk in hits}
        if not scores:
            return {}
    return scores or {}


def _matching(words: list[set[str]], scores: dict[Any, int]) -> Q:
    """Datasets with every word: their ids when few, else a subquery per word."""
    if not scores:
        return Q(pk__in=[])
    if len(scores) <= FACET_MATERIALIZE:
        return Q(pk__in=_ids(list(scores)))
    condition = Q()
    for alternatives in words:
        condition &= Q(pk__in=SearchTerm.objects.filter(term__in=sorted(alternatives)).values("dataset_id"))
    return condition


def _with_related(qs: QuerySet[Dataset]) -> QuerySet[Dataset]:
    # Resources in their order within a dataset, without the join that their default ordering (by the
    # dataset's own ordering first) would add.
    resources = Prefetch("resources", queryset=Resource.objects.order_by("position", "created"))
    return qs.select_related("department").prefetch_related("tags", "groups", resources)


def _load(page_ids: list[Any]) -> list[Dataset]:
    if not page_ids:
        return []
    by_id = {d.pk: d for d in _with_related(Dataset.objects.filter(pk__in=page_ids))}
    return [by_id[pk] for pk in page_ids if pk in by_id]


def _facets(
    qs: QuerySet[Dataset],
    match: list[Any] | None,
    fields: list[str],
    limit: int,
    mincount: int,
    include_drafts: bool,
    *,
    plain: bool,
) -> dict[str, dict[str, int]]:
    """Counts of datasets per value, by GROUP BY in the database; the matching datasets given by their
    ids (up to FACET_MATERIALIZE), by the state alone (the whole catalog), or by a subquery."""

    def where(column: str, path: str) -> Any:
        if match is not None:
            return Q(**{f"{column}__in": _ids(match)})
        if plain:
            return _state_filter(path, include_drafts)
        return Q(**{f"{column}__in": qs.order_by().values("pk")})

    through_tags, through_groups = Dataset.tags.through.objects, Dataset.groups.through.objects
    queries: dict[str, Any] = {
        "organization": lambda: (
            Dataset.objects.filter(where("pk", "")).values("department__code").annotate(n=Count("pk"))
        ),
        "license_id": lambda: (
            Dataset.objects.filter(where("pk", "")).values("license_id").annotate(n=Count("pk"))
        ),
        # (dataset, tag) and (dataset, group) pairs are unique: no DISTINCT needed.
        "tags": lambda: (
            through_tags.filter(where("dataset_id", "dataset__"))
            .values("tag__name")
            .annotate(n=Count("dataset_id"))
        ),
        "groups": lambda: (
            through_groups.filter(where("dataset_id", "dataset__"))
            .values("group__name")
            .annotate(n=Count("dataset_id"))
        ),
        "res_format": lambda: (
            Resource.objects.filter(where("dataset_id", "dataset__"), state=Resource.State.ACTIVE)
            .exclude(format="")
            .values("format")
            .annotate(n=Count("dataset_id", distinct=True))
        ),
    }
    out: dict[str, dict[str, int]] = {}
    for f in fields:
        counts = [
            (value, n) for value, n in _rows(queries[f]().order_by().using(qs.db)) if value and n >= mincount
        ]
        ranked = sorted(counts, key=lambda t: (-t[1], t[0]))
        out[f] = dict(ranked[: limit if limit >= 0 else None])
    return out


# --- The cache of results -------------------------------------------------------------------------


class _ResultCache:
    """Search results (count and the page's ids; facets) of this process, keyed by the catalog's version
    (opendata.generation) and the request: a write anywhere changes the version, so a stale result is
    never read again, in this process or any other. Only ids are kept: the datasets are read afresh."""

    def __init__(self) -> None:
        self._entries: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> Any:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: tuple[Any, ...], value: Any) -> None:
        size = getattr(settings, "OPENDATA_SEARCH_CACHE_SIZE", CACHE_SIZE)
        with self._lock:
            if self._entries and next(iter(self._entries))[0] != key[0]:
                self._entries.clear()  # another version: nothing kept can be read again
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_cache = _ResultCache()


def facet_titles(facets: dict[str, dict[str, int]]) -> dict[tuple[str, str], str]:
    """Names people read for facet values: department and group titles, licence names."""
    from kotodx.core.models import Department
    from kotodx.opendata.models import LICENSES, Group

    titles: dict[tuple[str, str], str] = {}
    for dept in Department.objects.filter(code__in=list(facets.get("organization", {}))):
        titles[("organization", dept.code)] = dept.name
    for g in Group.objects.filter(name__in=list(facets.get("groups", {}))):
        titles[("groups", g.name)] = g.title
    for key in facets.get("license_id", {}):
        titles[("license_id", key)] = LICENSES.get(key, (key,))[0]
    return titles
