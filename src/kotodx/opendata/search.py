"""Dataset search: Japanese free text (core.textsearch over an inverted index), Solr-style filter
queries as CKAN clients send them (``fq``), sorting and facets. The HTML pages and ``package_search``
both call ``search()``."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from kotodx.core import textsearch
from kotodx.opendata.models import Dataset, Resource, SearchTerm

WEIGHTS = {"title": 10, "tag": 5, "resource": 3, "organization": 2, "notes": 1}
FACET_MATERIALIZE = 3000  # up to this many matches, facets count over a plain list of ids
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
    qs = base if base is not None else Dataset.objects.all()
    qs = qs.exclude(state=Dataset.State.DELETED) if include_drafts else qs.filter(state=Dataset.State.ACTIVE)
    if fq.strip():
        qs = qs.filter(parse_fq(fq)).distinct()
    sort = (sort or "score desc, metadata_modified desc").strip()
    normalized_sort = re.sub(r"\s+", " ", sort.lower())
    if normalized_sort not in SORTS:
        raise SearchQueryError(f"並べ替え「{sort}」には対応していません（例: metadata_modified desc）。")
    text = q.strip()
    scores: dict[Any, int] | None = None
    if text and text != "*:*":
        words = textsearch.query_words(text)
        if not words:
            return SearchResult(0, [], _facets(qs.none(), facet_fields, facet_limit, facet_mincount), sort)
        scores = _score(words)
        qs = qs.filter(pk__in=list(scores))
    order = SORTS[normalized_sort]
    if scores is not None and order is None:
        # Ranked by score: one query for the candidates' dates gives the count and the order.
        candidates = list(qs.values_list("pk", "metadata_modified"))
        count = len(candidates)
        ranked = sorted(candidates, key=lambda r: (-scores[r[0]], -r[1].timestamp()))
        page_ids = [pk for pk, _ in ranked[start : start + rows]]
        by_id = {d.pk: d for d in _with_related(Dataset.objects.filter(pk__in=page_ids))}
        page = [by_id[pk] for pk in page_ids]
    else:
        count = qs.count()
        page = list(
            _with_related(qs.order_by(*(order or ("-metadata_modified", "id"))))[start : start + rows]
        )
    return SearchResult(count, page, _facets(qs, facet_fields, facet_limit, facet_mincount), sort)


def _score(words: list[set[str]]) -> dict[Any, int]:
    scores: dict[Any, int] | None = None
    for alternatives in words:
        hits = dict(
            SearchTerm.objects.filter(term__in=list(alternatives))
            .values("dataset_id")
            .annotate(w=Max("weight"))
            .values_list("dataset_id", "w")
        )
        scores = hits if scores is None else {pk: s + hits[pk] for pk, s in scores.items() if pk in hits}
        if not scores:
            return {}
    return scores or {}


def _with_related(qs: QuerySet[Dataset]) -> QuerySet[Dataset]:
    return qs.select_related("department").prefetch_related("tags", "groups", "resources")


def _facets(
    qs: QuerySet[Dataset], fields: tuple[str, ...] | list[str], limit: int, mincount: int
) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    if not fields:
        return out
    for f in fields:
        if f not in FACET_PATHS:
            raise SearchQueryError(f"facet.field の「{f}」には対応していません。")
    ids = list(qs.values_list("pk", flat=True)[: FACET_MATERIALIZE + 1])
    if len(ids) <= FACET_MATERIALIZE:
        return _facets_counted(ids, fields, limit, mincount)
    subquery = qs.values("pk")  # a large match set: let the database join instead of a long IN list
    for f in fields:
        path = FACET_PATHS[f]
        base = Dataset.objects.filter(pk__in=subquery).exclude(**{f"{path}__isnull": True})
        if f == "res_format":
            base = base.filter(resources__state=Resource.State.ACTIVE).exclude(resources__format="")
        rows = (
            base.values(path)
            .annotate(n=Count("pk", distinct=True))
            .filter(n__gte=mincount)
            .order_by("-n", path)[: limit if limit >= 0 else None]
        )
        out[f] = {r[path]: r["n"] for r in rows}
    return out


FACET_PATHS = {
    "organization": "department__code",
    "tags": "tags__name",
    "groups": "groups__name",
    "license_id": "license_id",
    "res_format": "resources__format",
}


def _facets_counted(
    ids: list[Any], fields: tuple[str, ...] | list[str], limit: int, mincount: int
) -> dict[str, dict[str, int]]:
    """Facets of a small match set: one plain query per facet, counted here (no joins with DISTINCT)."""
    pairs: dict[str, Any] = {
        "organization": lambda: Dataset.objects.filter(pk__in=ids).values_list("pk", "department__code"),
        "license_id": lambda: Dataset.objects.filter(pk__in=ids).values_list("pk", "license_id"),
        "tags": lambda: Dataset.tags.through.objects.filter(dataset_id__in=ids).values_list(
            "dataset_id", "tag__name"
        ),
        "groups": lambda: Dataset.groups.through.objects.filter(dataset_id__in=ids).values_list(
            "dataset_id", "group__name"
        ),
        "res_format": lambda: (
            Resource.objects.filter(dataset_id__in=ids, state=Resource.State.ACTIVE)
            .exclude(format="")
            .values_list("dataset_id", "format")
        ),
    }
    out: dict[str, dict[str, int]] = {}
    for f in fields:
        counts: dict[str, set[Any]] = {}
        for pk, value in pairs[f]():
            if value:
                counts.setdefault(value, set()).add(pk)
        ranked = sorted(
            ((v, len(s)) for v, s in counts.items() if len(s) >= mincount), key=lambda t: (-t[1], t[0])
        )
        out[f] = dict(ranked[: limit if limit >= 0 else None])
    return out


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
