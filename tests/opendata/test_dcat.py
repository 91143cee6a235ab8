"""DCAT as harvesters read it: the catalog and dataset documents parsed with rdflib from real HTTP
responses, Turtle and JSON-LD alike, and the catalog's Hydra paging."""

import datetime as dt

import pytest
from django.urls import path
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, FOAF, RDF, SKOS

from kotodx import urls as project_urls
from kotodx.opendata import dcat
from kotodx.opendata.models import Dataset, Resource, ResourceVersion
from tests.conftest import client_for

# Until the project's urls.py has them: our two patterns first, then the project's (so opendata:… resolves).
urlpatterns = [
    path("opendata/catalog.<str:fmt>", dcat.catalog_view),
    path("opendata/dataset/<slug:name>.<str:fmt>", dcat.dataset_view),
    *project_urls.urlpatterns,
]
pytestmark = pytest.mark.urls(__name__)

DCT = DCTERMS
# Plain namespaces: pytest probing a DefinedNamespace at collection time warns.
DCAT = Namespace("http://www.w3.org/ns/dcat#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SITE = "http://testserver"
PUBLIC = {"hoikuen", "aed", "hinanjo", "wifi"}


def get(url):
    return client_for(None).get(url)


def parse(response, fmt="turtle"):
    assert response.status_code == 200, response.content[:500]
    g = Graph()
    g.parse(data=response.content.decode("utf-8"), format=fmt)
    return g


def ds_uri(name):
    return URIRef(f"{SITE}/opendata/dataset/{name}/")


def datasets_in(g):
    return set(g.subjects(RDF.type, DCAT.Dataset))


def test_catalog_ttl_describes_the_public_datasets(catalog):
    response = get("/opendata/catalog.ttl")
    assert response["Content-Type"] == "text/turtle; charset=utf-8"
    g = parse(response)
    assert datasets_in(g) == {ds_uri(n) for n in PUBLIC}
    home = URIRef(f"{SITE}/opendata/")
    assert (home, RDF.type, DCAT.Catalog) in g
    assert set(g.objects(home, DCAT.dataset)) == {ds_uri(n) for n in PUBLIC}

    hoikuen = ds_uri("hoikuen")
    assert (hoikuen, DCT.title, Literal("保育園一覧", lang="ja")) in g
    assert (hoikuen, DCT.description, Literal("区内の認可保育園の一覧です。", lang="ja")) in g
    assert set(g.objects(hoikuen, DCAT.keyword)) == {Literal("保育", lang="ja"), Literal("子育て", lang="ja")}
    assert (hoikuen, DCT.identifier, Literal(str(Dataset.objects.get(name="hoikuen").pk))) in g
    assert (hoikuen, DCT.license, URIRef("https://creativecommons.org/licenses/by/4.0/deed.ja")) in g
    assert isinstance(g.value(hoikuen, DCT.modified).toPython(), dt.datetime)

    (theme,) = g.objects(hoikuen, DCAT.theme)
    assert (theme, RDF.type, SKOS.Concept) in g and (theme, SKOS.prefLabel, Literal("子育て", lang="ja")) in g
    publisher = g.value(hoikuen, DCT.publisher)
    assert (publisher, RDF.type, FOAF.Organization) in g
    assert (publisher, FOAF.name, Literal("子育て支援課", lang="ja")) in g
    contact = g.value(hoikuen, DCAT.contactPoint)
    assert (contact, RDF.type, VCARD.Organization) in g

    (dist,) = g.objects(hoikuen, DCAT.distribution)
    resource = Resource.objects.get(dataset__name="hoikuen")
    assert dist == URIRef(f"{SITE}/opendata/dataset/hoikuen/resource/{resource.pk}/")
    assert (dist, RDF.type, DCAT.Distribution) in g
    assert (dist, DCAT.downloadURL, URIRef("https://example.jp/hoikuen.csv")) in g
    assert (dist, DCAT.accessURL, URIRef("https://example.jp/hoikuen.csv")) in g
    assert (dist, DCT.format, Literal("CSV")) in g
    assert (dist, DCT.license, URIRef("https://creativecommons.org/licenses/by/4.0/deed.ja")) in g
    assert (dist, DCT.title, Literal("保育園一覧", lang="ja")) in g

    aed = ds_uri("aed")
    formats = {g.value(d, DCT["format"]) for d in g.objects(aed, DCAT.distribution)}
    assert formats == {Literal("CSV"), Literal("XLSX")}


def test_draft_is_absent(catalog):
    text = get("/opendata/catalog.ttl").content.decode("utf-8")
    assert "draft-one" not in text and "下書きの保育データ" not in text


def test_jsonld_is_the_same_graph(catalog):
    ttl = parse(get("/opendata/catalog.ttl"))
    response = get("/opendata/catalog.jsonld")
    assert response["Content-Type"] == "application/ld+json"
    jsonld = parse(response, "json-ld")
    assert len(jsonld) == len(ttl) > 50
    # The paging links name the document they were requested as; otherwise the graphs are the same.
    for g, ext in ((ttl, "ttl"), (jsonld, "jsonld")):
        g.remove((URIRef(f"{SITE}/opendata/catalog.{ext}?page=1"), None, None))
    assert isomorphic(ttl, jsonld)


def test_uploaded_resource_downloads_from_us(catalog):
    ds = Dataset.objects.get(name="wifi")
    resource = Resource.objects.create(
        dataset=ds,
        name="一覧（CSV）",
        format="CSV",
        mimetype="text/csv",
        size=1234,
        hash="sha256:" + "ab" * 32,
        last_modified=dt.datetime(2024, 4, 1, tzinfo=dt.UTC),
    )
    version = ResourceVersion.objects.create(
        resource=resource,
        number=1,
        file="opendata/x.csv",
        original_name="x.csv",
        size=1234,
        sha256="ab" * 32,
        status=ResourceVersion.Status.PUBLISHED,
    )
    Resource.objects.filter(pk=resource.pk).update(current_version=version)
    g = parse(get("/opendata/dataset/wifi.ttl"))
    dist = URIRef(f"{SITE}/opendata/dataset/wifi/resource/{resource.pk}/")
    assert (ds_uri("wifi"), DCAT.distribution, dist) in g
    assert (dist, DCAT.accessURL, dist) in g
    assert (
        dist,
        DCAT.downloadURL,
        URIRef(f"{SITE}/opendata/dataset/wifi/resource/{resource.pk}/download"),
    ) in g
    assert (dist, DCAT.byteSize, Literal(1234, datatype=XSD.nonNegativeInteger)) in g
    assert (dist, DCAT.mediaType, URIRef("https://www.iana.org/assignments/media-types/text/csv")) in g
    assert g.value(dist, DCT.modified).toPython() == dt.datetime(2024, 4, 1, tzinfo=dt.UTC)


def test_optional_metadata(catalog):
    Dataset.objects.filter(name="aed").update(
        temporal_start=dt.date(2024, 4, 1),
        temporal_end=dt.date(2025, 3, 31),
        maintainer="防災課 防災係",
        maintainer_email="bosai@example.jp",
        version="2024年度版",
        update_frequency=Dataset.Frequency.MONTHLY,
    )
    g = parse(get("/opendata/dataset/aed.jsonld"), "json-ld")
    aed = ds_uri("aed")
    period = g.value(aed, DCT.temporal)
    assert g.value(period, DCAT.startDate) == Literal("2024-04-01", datatype=XSD.date)
    assert g.value(period, DCAT.endDate) == Literal("2025-03-31", datatype=XSD.date)
    contact = g.value(aed, DCAT.contactPoint)
    assert g.value(contact, VCARD.fn) == Literal("防災課 防災係", lang="ja")
    assert g.value(contact, VCARD.hasEmail) == URIRef("mailto:bosai@example.jp")
    assert g.value(g.value(aed, DCT.spatial), SKOS.prefLabel) == Literal("東京都江東区", lang="ja")
    assert g.value(aed, DCT.accrualPeriodicity) == URIRef(
        "http://publications.europa.eu/resource/authority/frequency/MONTHLY"
    )
    assert str(g.value(aed, URIRef("http://www.w3.org/2002/07/owl#versionInfo"))) == "2024年度版"


def test_dataset_view(catalog):
    for fmt, parser in (("ttl", "turtle"), ("jsonld", "json-ld")):
        g = parse(get(f"/opendata/dataset/hinanjo.{fmt}"), parser)
        assert datasets_in(g) == {ds_uri("hinanjo")}
        assert (ds_uri("hinanjo"), DCT.title, Literal("指定緊急避難場所一覧", lang="ja")) in g
        assert not set(g.subjects(RDF.type, DCAT.Catalog))


@pytest.mark.parametrize(
    "url",
    [
        "/opendata/dataset/draft-one.ttl",
        "/opendata/dataset/no-such.ttl",
        "/opendata/dataset/aed.xml",
        "/opendata/catalog.xml",
        "/opendata/catalog.ttl?page=2",
        "/opendata/catalog.ttl?page=0",
        "/opendata/catalog.ttl?page=-1",
        "/opendata/catalog.ttl?page=abc",
        "/opendata/catalog.jsonld?page=1.5",
        "/opendata/catalog.ttl?page=" + "9" * 5000,
    ],
)
def test_not_found_is_a_short_japanese_text(catalog, url):
    response = get(url)
    assert response.status_code == 404
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert 0 < len(response.content.decode("utf-8")) < 200


def test_paging(personas):
    Dataset.objects.bulk_create(
        [
            Dataset(
                name=f"ds-{i:03d}",
                title=f"データセット{i}",
                department=personas.dept_a,
                state=Dataset.State.ACTIVE,
            )
            for i in range(230)
        ]
        + [Dataset(name="zz-draft", title="下書き", department=personas.dept_a)]
    )

    def page(n, ext="ttl"):
        g = parse(get(f"/opendata/catalog.{ext}?page={n}"), "turtle" if ext == "ttl" else "json-ld")
        url = f"{SITE}/opendata/catalog.{ext}"
        paging = URIRef(f"{url}?page={n}")
        assert (paging, RDF.type, HYDRA.PagedCollection) in g
        assert g.value(paging, HYDRA.totalItems).toPython() == 230
        assert g.value(paging, HYDRA.itemsPerPage).toPython() == 100
        assert g.value(paging, HYDRA.firstPage) == Literal(f"{url}?page=1")
        assert g.value(paging, HYDRA.lastPage) == Literal(f"{url}?page=3")
        return g, paging

    g1, p1 = page(1)
    assert len(datasets_in(g1)) == 100 and ds_uri("ds-000") in datasets_in(g1)
    assert g1.value(p1, HYDRA.nextPage) == Literal(f"{SITE}/opendata/catalog.ttl?page=2")
    assert g1.value(p1, HYDRA.previousPage) is None

    g2, p2 = page(2, "jsonld")
    assert len(datasets_in(g2)) == 100 and ds_uri("ds-100") in datasets_in(g2)
    assert g2.value(p2, HYDRA.nextPage) == Literal(f"{SITE}/opendata/catalog.jsonld?page=3")
    assert g2.value(p2, HYDRA.previousPage) == Literal(f"{SITE}/opendata/catalog.jsonld?page=1")

    g3, p3 = page(3)
    assert len(datasets_in(g3)) == 30 and ds_uri("ds-229") in datasets_in(g3)
    assert g3.value(p3, HYDRA.nextPage) is None
    assert g3.value(p3, HYDRA.previousPage) == Literal(f"{SITE}/opendata/catalog.ttl?page=2")
    assert ds_uri("zz-draft") not in datasets_in(g3)

    assert get("/opendata/catalog.ttl?page=4").status_code == 404
    assert get("/opendata/catalog.ttl?page=abc").status_code == 404


@pytest.mark.django_db
def test_empty_catalog_has_one_page():
    g = parse(get("/opendata/catalog.ttl"))
    paging = URIRef(f"{SITE}/opendata/catalog.ttl?page=1")
    assert g.value(paging, HYDRA.totalItems).toPython() == 0
    assert not datasets_in(g)
    assert get("/opendata/catalog.ttl?page=2").status_code == 404
