"""DCAT (RDF) views of the open data catalog, the way ckanext-dcat publishes a CKAN site, so that
harvesters (data.go.jp, the Tokyo catalog, the European Data Portal) read our datasets as they read any
CKAN: the whole catalog at /opendata/catalog.{ttl,jsonld} in pages of 100 with Hydra paging links, and
each public dataset at /opendata/dataset/<name>.{ttl,jsonld}.

Mapping (ckanext-dcat's euro_dcat_ap / euro_dcat_ap_2 profiles):

- Dataset → dcat:Dataset at the URL of its page: title → dct:title@ja, notes → dct:description@ja,
  tags → dcat:keyword@ja, groups → dcat:theme (skos:Concept), id → dct:identifier, url (or the page)
  → dcat:landingPage, issued/metadata_modified → dct:issued/dct:modified, version → owl:versionInfo,
  department → dct:publisher (foaf:Organization), maintainer → dcat:contactPoint (vcard:Organization),
  spatial → dct:spatial (dct:Location), temporal_start/end → dct:temporal (dct:PeriodOfTime with
  dcat:startDate/endDate and schema:startDate/endDate), update_frequency → dct:accrualPeriodicity (EU
  frequency authority), standard_dataset → dct:conformsTo, licence URL → dct:license.
- Active resources → dcat:distribution (dcat:Distribution at the URL of the resource page): name →
  dct:title@ja, description → dct:description@ja, the resource page / url → dcat:accessURL, the download
  / url → dcat:downloadURL, format → dct:format, mimetype → dcat:mediaType (IANA), size → dcat:byteSize,
  hash → spdx:checksum, created/last_modified → dct:issued/dct:modified, licence URL → dct:license.
- The catalog page → dcat:Catalog plus a hydra:PagedCollection at the page's URL (hydra:totalItems,
  hydra:itemsPerPage, hydra:firstPage, hydra:lastPage, hydra:nextPage, hydra:previousPage), page URLs as
  plain literals as ckanext-dcat writes them.

Only public (active) datasets are ever described. URIs are built in the default language so that they
stay the same whatever language the request uses."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Max, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_safe
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, SKOS, XSD

from kotodx.opendata.models import Dataset, Resource

PAGE_SIZE = 100

DCT = DCTERMS
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
SCHEMA = Namespace("http://schema.org/")
SPDX = Namespace("http://spdx.org/rdf/terms#")
FREQUENCY = Namespace("http://publications.europa.eu/resource/authority/frequency/")
LANGUAGE = Namespace("http://publications.europa.eu/resource/authority/language/")

PREFIXES: dict[str, Any] = {
    "dcat": DCAT,
    "dct": DCT,
    "foaf": FOAF,
    "vcard": VCARD,
    "hydra": HYDRA,
    "xsd": XSD,
    "adms": ADMS,
    "schema": SCHEMA,
    "skos": SKOS,
    "owl": OWL,
    "spdx": SPDX,
    "rdf": RDF,
}

FORMATS = {
    "ttl": ("turtle", "text/turtle; charset=utf-8"),
    "jsonld": ("json-ld", "application/ld+json"),
}

FREQUENCIES: dict[str, str] = {
    Dataset.Frequency.IRREGULAR: "IRREG",
    Dataset.Frequency.DAILY: "DAILY",
    Dataset.Frequency.WEEKLY: "WEEKLY",
    Dataset.Frequency.MONTHLY: "MONTHLY",
    Dataset.Frequency.QUARTERLY: "QUARTERLY",
    Dataset.Frequency.YEARLY: "ANNUAL",
    Dataset.Frequency.NEVER: "NEVER",
}


# --- Graphs -----------------------------------------------------------------------------------------


def _graph() -> Graph:
    g = Graph(bind_namespaces="core")
    for prefix, namespace in PREFIXES.items():
        g.bind(prefix, namespace, override=True)
    return g


def _url(request: HttpRequest, viewname: str, *args: Any) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return request.build_absolute_uri(reverse(viewname, args=list(args)))


def _home(request: HttpRequest) -> str:
    return request.build_absolute_uri("/opendata/")


def _ja(text: str) -> Literal:
    return Literal(text, lang="ja")


def _datetime(value: dt.datetime | dt.date) -> Literal:
    if isinstance(value, dt.datetime):
        return Literal(value.isoformat(), datatype=XSD.dateTime)
    return Literal(value.isoformat(), datatype=XSD.date)


def _public() -> QuerySet[Dataset]:
    return (
        Dataset.objects.filter(state=Dataset.State.ACTIVE)
        .select_related("department")
        .prefetch_related("tags", "groups", "resources")
    )


def _add_dataset(g: Graph, dataset: Dataset, request: HttpRequest) -> URIRef:
    d = dataset
    ref = URIRef(_url(request, "opendata:dataset", d.name))
    g.add((ref, RDF.type, DCAT.Dataset))
    g.add((ref, DCT.title, _ja(d.title)))
    if d.notes:
        g.add((ref, DCT.description, _ja(d.notes)))
    g.add((ref, DCT.identifier, Literal(str(d.id))))
    for tag in d.tags.all():
        g.add((ref, DCAT.keyword, _ja(tag.name)))
    for group in d.groups.all():
        theme = URIRef(f"{_home(request)}?{urlencode({'groups': group.name})}")
        g.add((ref, DCAT.theme, theme))
        g.add((theme, RDF.type, SKOS.Concept))
        g.add((theme, SKOS.prefLabel, _ja(group.title)))
    g.add((ref, DCAT.landingPage, URIRef(d.url or str(ref))))
    g.add((ref, DCT.issued, _datetime(d.issued or d.metadata_created)))
    g.add((ref, DCT.modified, _datetime(d.metadata_modified)))
    if d.version:
        g.add((ref, OWL.versionInfo, Literal(d.version)))
    g.add((ref, DCT.language, LANGUAGE.JPN))
    if d.update_frequency in FREQUENCIES:
        g.add((ref, DCT.accrualPeriodicity, FREQUENCY[FREQUENCIES[d.update_frequency]]))
    license_ref = URIRef(d.license_url) if d.license_url else None
    if license_ref is not None:
        g.add((ref, DCT.license, license_ref))
        g.add((license_ref, RDF.type, DCT.LicenseDocument))
        g.add((license_ref, DCT.title, _ja(d.license_title)))

    dept = d.department
    publisher = URIRef(f"{_home(request)}?{urlencode({'organization': dept.code})}")
    g.add((ref, DCT.publisher, publisher))
    g.add((publisher, RDF.type, FOAF.Organization))
    g.add((publisher, FOAF.name, _ja(dept.name)))
    if dept.name_en:
        g.add((publisher, FOAF.name, Literal(dept.name_en, lang="en")))

    contact = BNode()
    g.add((ref, DCAT.contactPoint, contact))
    g.add((contact, RDF.type, VCARD.Organization))
    g.add((contact, VCARD.fn, _ja(d.maintainer or dept.name)))
    if d.maintainer_email:
        g.add((contact, VCARD.hasEmail, URIRef(f"mailto:{d.maintainer_email}")))

    if d.spatial:
        location = BNode()
        g.add((ref, DCT.spatial, location))
        g.add((location, RDF.type, DCT.Location))
        g.add((location, SKOS.prefLabel, _ja(d.spatial)))
    if d.temporal_start or d.temporal_end:
        period = BNode()
        g.add((ref, DCT.temporal, period))
        g.add((period, RDF.type, DCT.PeriodOfTime))
        for value, dcat_p, schema_p in (
            (d.temporal_start, DCAT.startDate, SCHEMA.startDate),
            (d.temporal_end, DCAT.endDate, SCHEMA.endDate),
        ):
            if value:
                g.add((period, dcat_p, _datetime(value)))
                g.add((period, schema_p, _datetime(value)))
    if d.standard_dataset:
        standard = BNode()
        g.add((ref, DCT.conformsTo, standard))
        g.add((standard, RDF.type, DCT.Standard))
        g.add((standard, DCT.identifier, Literal(d.standard_dataset)))
        g.add((standard, DCT.title, _ja("自治体標準オープンデータセット")))

    for resource in d.resources.all():
        if resource.state == Resource.State.ACTIVE:
            g.add((ref, DCAT.distribution, _add_distribution(g, d, resource, request, license_ref)))
    return ref


def _add_distribution(
    g: Graph, d: Dataset, r: Resource, request: HttpRequest, license_ref: URIRef | None
) -> URIRef:
    ref = URIRef(_url(request, "opendata:resource", d.name, r.pk))
    g.add((ref, RDF.type, DCAT.Distribution))
    g.add((ref, DCT.title, _ja(r.name)))
    if r.description:
        g.add((ref, DCT.description, _ja(r.description)))
    if r.is_upload:
        g.add((ref, DCAT.accessURL, ref))
        if r.current_version_id is not None:
            g.add((ref, DCAT.downloadURL, URIRef(_url(request, "opendata:resource_download", d.name, r.pk))))
    else:
        g.add((ref, DCAT.accessURL, URIRef(r.url)))
        g.add((ref, DCAT.downloadURL, URIRef(r.url)))
    if r.format:
        g.add((ref, DCT.format, Literal(r.format)))
    if r.mimetype:
        g.add((ref, DCAT.mediaType, URIRef(f"https://www.iana.org/assignments/media-types/{r.mimetype}")))
    if r.size is not None:
        g.add((ref, DCAT.byteSize, Literal(r.size, datatype=XSD.nonNegativeInteger)))
    if r.hash and ":" in r.hash:
        algorithm, value = r.hash.split(":", 1)
        checksum = BNode()
        g.add((ref, SPDX.checksum, checksum))
        g.add((checksum, RDF.type, SPDX.Checksum))
        g.add((checksum, SPDX.checksumValue, Literal(value, datatype=XSD.hexBinary)))
        g.add((checksum, SPDX.algorithm, SPDX[f"checksumAlgorithm_{algorithm.lower()}"]))
    g.add((ref, DCT.issued, _datetime(r.created)))
    if r.last_modified:
        g.add((ref, DCT.modified, _datetime(r.last_modified)))
    if license_ref is not None:
        g.add((ref, DCT.license, license_ref))
    return ref


def dataset_graph(dataset: Dataset, request: HttpRequest) -> Graph:
    """One dataset and its distributions (the caller checks that the dataset is public)."""
    g = _graph()
    _add_dataset(g, dataset, request)
    return g


def page_count(total: int) -> int:
    return max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE)


def catalog_graph(request: HttpRequest, page: int) -> Graph:
    """Page `page` (1-based) of the catalog: the public datasets ordered by name, PAGE_SIZE a page.
    Paging links point at the requested path (so a .jsonld page links to .jsonld pages)."""
    g = _graph()
    public = _public()
    total = public.count()
    last = page_count(total)
    catalog = URIRef(_home(request))
    g.add((catalog, RDF.type, DCAT.Catalog))
    g.add((catalog, DCT.title, _ja(f"{settings.SITE_NAME} オープンデータ")))
    g.add((catalog, DCT.description, _ja("江東区が公開しているオープンデータのカタログです。")))
    g.add((catalog, FOAF.homepage, catalog))
    g.add((catalog, DCT.language, LANGUAGE.JPN))
    modified = public.aggregate(m=Max("metadata_modified"))["m"]
    if modified is not None:
        g.add((catalog, DCT.modified, _datetime(modified)))
    for dataset in public.order_by("name")[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]:
        g.add((catalog, DCAT.dataset, _add_dataset(g, dataset, request)))

    base = request.build_absolute_uri(request.path)

    def page_url(n: int) -> str:
        return f"{base}?page={n}"

    paging = URIRef(page_url(page))
    g.add((paging, RDF.type, HYDRA.PagedCollection))
    g.add((paging, HYDRA.totalItems, Literal(total)))
    g.add((paging, HYDRA.itemsPerPage, Literal(PAGE_SIZE)))
    g.add((paging, HYDRA.firstPage, Literal(page_url(1))))
    g.add((paging, HYDRA.lastPage, Literal(page_url(last))))
    if page < last:
        g.add((paging, HYDRA.nextPage, Literal(page_url(page + 1))))
    if 1 < page <= last:
        g.add((paging, HYDRA.previousPage, Literal(page_url(page - 1))))
    return g


# --- Views ------------------------------------------------------------------------------------------


def _not_found(message: str) -> HttpResponse:
    return HttpResponseNotFound(message, content_type="text/plain; charset=utf-8")


def _response(g: Graph, fmt: str) -> HttpResponse:
    rdf_format, content_type = FORMATS[fmt]
    if rdf_format == "json-ld":
        context = {p: str(ns) for p, ns in PREFIXES.items()}
        body = g.serialize(format="json-ld", context=context, auto_compact=True, ensure_ascii=False)
    else:
        body = g.serialize(format=rdf_format)
    response = HttpResponse(body.encode("utf-8"), content_type=content_type)
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
def catalog_view(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        return _not_found("この形式には対応していません（.ttl または .jsonld）。")
    raw = request.GET.get("page", "1")
    try:
        page = int(raw)
    except ValueError:
        return _not_found("ページ番号が正しくありません。")
    last = page_count(Dataset.objects.filter(state=Dataset.State.ACTIVE).count())
    if not 1 <= page <= last:
        return _not_found(f"このページはありません（1〜{last}ページ）。")
    return _response(catalog_graph(request, page), fmt)


@require_safe
def dataset_view(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        return _not_found("この形式には対応していません（.ttl または .jsonld）。")
    dataset = _public().filter(name=name).first()
    if dataset is None:
        return _not_found("データセットが見つかりません。")
    return _response(dataset_graph(dataset, request), fmt)
