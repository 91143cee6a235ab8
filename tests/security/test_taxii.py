"""The read-only TAXII 2.1 server (/taxii2/): driven by the real ``taxii2-client`` against a running server,
its auth and error rules through Django's test client, the TLP guard (RED never served), and our own
puller (kotodx.security.client.pull) bringing the shared indicators into the watch list."""

from __future__ import annotations

import base64
import datetime as dt
import re
from collections.abc import Sequence

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kotodx.core import services as core_services
from kotodx.security import client as taxii_client
from kotodx.security import services, sharing, stix
from kotodx.security.models import Incident, TaxiiCollection, TaxiiObject, WatchEntry

TAXII = "application/taxii+json;version=2.1"
IOCS = ["198.51.100.5", "198.51.100.6", "203.0.113.7", "203.0.113.8", "192.0.2.9"]
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _incident(  # type: ignore[no-untyped-def]
    officer, title: str, tlp: str = "green", iocs: Sequence[str] = (), other: Sequence[str] = ()
) -> Incident:
    incident = services.incident_create(
        data={
            "title": title,
            "category": "availability",
            "severity": 3,
            "tlp": tlp,
            "detected_at": timezone.now() - dt.timedelta(hours=1),
        },
        actor=officer,
    )
    for value in iocs:
        services.observable_add(incident=incident, kind="ipv4", value=value, is_ioc=True, actor=officer)
    for value in other:
        services.observable_add(incident=incident, kind="domain", value=value, is_ioc=False, actor=officer)
    return incident


def _partner(username: str = "t.partner"):  # type: ignore[no-untyped-def]
    return core_services.staff_upsert(
        username=username,
        display_name="東京都CSIRT（試験）",
        department=None,
        roles=["csirt_partner"],
        password=None,
        actor=None,
    )


def _token(user) -> str:  # type: ignore[no-untyped-def]
    _, key = core_services.api_token_create(user=user, name="TAXII試験", actor=user)
    return key


def _get(url: str, token: str | None = None, **kw):  # type: ignore[no-untyped-def]
    headers = {"Accept": TAXII, **kw.pop("headers", {})}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return Client().get(url, kw, headers=headers)


def _urls(collection: TaxiiCollection) -> dict[str, str]:
    cid = str(collection.pk)
    return {
        "discovery": reverse("taxii:discovery"),
        "api_root": reverse("taxii:api_root"),
        "collections": reverse("taxii:collections"),
        "collection": reverse("taxii:collection", args=[cid]),
        "objects": reverse("taxii:objects", args=[cid]),
        "manifest": reverse("taxii:manifest", args=[cid]),
    }


def _served_ids(collection: TaxiiCollection, token: str, **params: str) -> tuple[set[str], set[str]]:
    """Every id the objects endpoint and the manifest serve (with every version)."""
    urls = _urls(collection)
    objects = _get(urls["objects"], token, **{"match[version]": "all", **params})
    manifest = _get(urls["manifest"], token, **{"match[version]": "all", **params})
    assert objects.status_code == manifest.status_code == 200
    return {o["id"] for o in objects.json()["objects"]}, {o["id"] for o in manifest.json()["objects"]}


# --- taxii2-client against a running server --------------------------------------------------------


@pytest.mark.e2e
def test_taxii2client_reads_discovery_root_collections_objects_manifest(live_server, personas):
    from taxii2client.v21 import Collection, Server

    officer = personas.it_officer
    incident = _incident(officer, "DDoS（共有試験）", iocs=IOCS[:2], other=["bad.example.net"])
    sharing.publish(incident=incident, actor=officer)
    partner = _partner()
    community = sharing.community_collection()
    community.readers.add(partner)
    TaxiiCollection.objects.create(alias="closed", title="非公開コレクション")  # the partner may not read
    auth = taxii_client.BearerAuth(_token(partner))

    server = Server(live_server.url + "/taxii2/", auth=auth)
    assert server.title == "江東区CSIRT TAXII"
    assert server.default is not None and server.default.url == live_server.url + "/taxii2/koto/"
    assert [r.url for r in server.api_roots] == [live_server.url + "/taxii2/koto/"]

    root = server.default
    assert root.title == "江東区CSIRT"
    assert root.versions == [TAXII]
    assert [c.id for c in root.collections] == [str(community.pk)]
    collection = root.collections[0]
    assert collection.alias == "community" and collection.can_read and not collection.can_write
    assert collection.media_types == ["application/stix+json;version=2.1"]

    # A Collection made from its URL alone loads its own description.
    collection = Collection(collection.url, auth=auth)
    assert collection.title == community.title

    envelope = collection.get_objects()
    served = {o["id"]: o for o in envelope["objects"]}
    expected = set(TaxiiObject.objects.filter(collection=community).values_list("stix_id", flat=True))
    assert set(served) == expected and len(envelope["objects"]) == len(expected)
    assert envelope["more"] is False and "next" not in envelope
    types = sorted(o["type"] for o in envelope["objects"])
    assert types.count("indicator") == 2 and types.count("observed-data") == 1
    assert {"identity", "marking-definition", "incident", "domain-name", "relationship"} <= set(types)
    for doc in envelope["objects"]:
        if doc["type"] in ("incident", "indicator", "relationship", "observed-data"):
            assert stix.validate(doc) == [], doc["id"]
            assert doc["object_marking_refs"] == [stix.TLP2_IDS["green"]]

    manifest = collection.get_manifest()
    assert {m["id"] for m in manifest["objects"]} == expected
    for m in manifest["objects"]:
        assert m["media_type"] == "application/stix+json;version=2.1"
        assert m["date_added"].endswith("Z")
        doc = served[m["id"]]
        assert m["version"] == doc.get("modified", doc.get("created", m["version"]))

    indicator = next(o for o in envelope["objects"] if o["type"] == "indicator")
    one = collection.get_object(indicator["id"])
    assert one["objects"] == [indicator]
    assert collection.object_versions(indicator["id"])["versions"] == [indicator["modified"]]
    only_indicators = collection.get_objects(type="indicator")["objects"]
    assert sorted(o["id"] for o in only_indicators) == sorted(
        o["id"] for o in envelope["objects"] if o["type"] == "indicator"
    )


@pytest.mark.e2e
def test_taxii2client_pages_with_limit_and_next_and_filters_added_after(live_server, personas):
    from taxii2client.v21 import Collection, as_pages

    officer = personas.it_officer
    first = _incident(officer, "不正アクセスの試み（共有試験）", iocs=IOCS)
    sharing.publish(incident=first, actor=officer)
    community = sharing.community_collection()
    partner = _partner()
    community.readers.add(partner)
    auth = taxii_client.BearerAuth(_token(partner))
    url = f"{live_server.url}/taxii2/koto/collections/{community.pk}/"
    collection = Collection(url, auth=auth)

    total = TaxiiObject.objects.filter(collection=community).count()
    assert total == 2 + 1 + 2 * len(
        IOCS
    )  # identity, marking, incident; an indicator and relationship per IOC
    pages = list(as_pages(collection.get_objects, per_request=2))
    assert [len(p["objects"]) for p in pages] == [min(2, total - i) for i in range(0, total, 2)]
    assert [p["more"] for p in pages] == [True] * (len(pages) - 1) + [False]
    ids = [o["id"] for p in pages for o in p["objects"]]
    assert len(ids) == len(set(ids)) == total  # every object exactly once
    assert set(ids) == set(TaxiiObject.objects.values_list("stix_id", flat=True))

    manifest_pages = list(as_pages(collection.get_manifest, per_request=3))
    assert [m["id"] for p in manifest_pages for m in p["objects"]] == ids  # the same order, paged alike

    # added_after: the last date_added seen so far lets a partner fetch only what came later.
    cut = max(m["date_added"] for p in manifest_pages for m in p["objects"])
    assert collection.get_objects(added_after=cut) == {"more": False, "objects": []}
    second = _incident(officer, "マルウェア感染（共有試験）", tlp="clear", iocs=["203.0.113.99"])
    sharing.publish(incident=second, actor=officer)
    later = collection.get_objects(added_after=cut)["objects"]
    expected = set(TaxiiObject.objects.filter(incident=second).values_list("stix_id", flat=True))
    expected.add(stix.TLP2_IDS["clear"])  # the CLEAR marking is new with the second incident
    assert {o["id"] for o in later} == expected
    assert all(o["id"] not in ids for o in later)
    assert {m["id"] for m in collection.get_manifest(added_after=cut)["objects"]} == expected
    paged_later = [
        o["id"]
        for p in as_pages(collection.get_objects, per_request=1, added_after=cut)
        for o in p["objects"]
    ]
    assert sorted(paged_later) == sorted(expected)


# --- Auth and protocol rules (Django test client) -------------------------------------------------


@pytest.fixture
def shared(personas):  # type: ignore[no-untyped-def]
    incident = _incident(personas.it_officer, "フィッシング（共有試験）", iocs=IOCS[:1])
    sharing.publish(incident=incident, actor=personas.it_officer)
    return sharing.community_collection()


def test_no_token_or_a_bad_one_is_401_with_www_authenticate(shared, personas):
    revoked_token, revoked_key = core_services.api_token_create(
        user=personas.it_officer, name="失効済み", actor=personas.it_officer
    )
    core_services.api_token_revoke(token=revoked_token, actor=personas.it_officer)
    bad = [
        {},
        {"Authorization": "Bearer kdx_not-a-real-token"},
        {"Authorization": "Bearer nonsense"},
        {"Authorization": f"Bearer {revoked_key}"},
        {"Authorization": "Basic !!!not-base64"},
        {"Authorization": "Basic " + base64.b64encode(b"partner:wrong").decode()},
        {"Authorization": "Token abc"},
    ]
    for url in _urls(shared).values():
        for headers in bad:
            response = _get(url, headers=headers)
            assert response.status_code == 401, (url, headers)
            assert "Bearer" in response["WWW-Authenticate"] and "Basic" in response["WWW-Authenticate"]
            assert response["Content-Type"] == TAXII
            body = response.json()
            assert body["http_status"] == "401" and JAPANESE.search(body["title"])


def test_a_partner_reads_only_the_collections_that_list_it(shared, personas):
    partner = _partner()
    other = _partner("t.partner2")
    key = _token(partner)
    urls = _urls(shared)
    object_id = TaxiiObject.objects.filter(stix_type="indicator").values_list("stix_id", flat=True).first()
    object_url = reverse("taxii:object", args=[str(shared.pk), object_id])
    versions_url = reverse("taxii:versions", args=[str(shared.pk), object_id])

    # Discovery and the API root answer any valid token; the collection list hides what it may not read.
    assert _get(urls["discovery"], key).status_code == 200
    assert _get(urls["api_root"], key).status_code == 200
    listed = _get(urls["collections"], key)
    assert listed.status_code == 200 and listed.json().get("collections", []) == []
    for url in (urls["collection"], urls["objects"], urls["manifest"], object_url, versions_url):
        response = _get(url, key)
        assert response.status_code == 403, url
        assert JAPANESE.search(response.json()["title"]) and "objects" not in response.json()

    shared.readers.add(partner, other)
    listed = _get(urls["collections"], key).json()["collections"]
    assert [(c["id"], c["can_read"], c["can_write"]) for c in listed] == [(str(shared.pk), True, False)]
    for url in (urls["collection"], urls["objects"], urls["manifest"], object_url, versions_url):
        assert _get(url, key).status_code == 200, url
    assert object_id in {o["id"] for o in _get(urls["objects"], key).json()["objects"]}

    # HTTP Basic with the token as the password works the same.
    basic = "Basic " + base64.b64encode(f"t.partner:{key}".encode()).decode()
    assert _get(urls["objects"], headers={"Authorization": basic}).status_code == 200

    # Removed again: 403 at once. The CSIRT (security.share_stix) reads every collection unlisted.
    shared.readers.remove(partner)
    assert _get(urls["objects"], key).status_code == 403
    closed = TaxiiCollection.objects.create(alias="closed", title="非公開")
    officer_key = _token(personas.it_officer)
    assert {c["alias"] for c in _get(urls["collections"], officer_key).json()["collections"]} == {
        "community",
        "closed",
    }
    assert _get(_urls(closed)["objects"], officer_key).status_code == 200
    assert _get(_urls(closed)["objects"], _token(other)).status_code == 403
    # Staff without the permission are not readers either.
    assert _get(urls["objects"], _token(personas.clerk_a)).status_code == 403


def test_unknown_collection_or_object_is_404(shared, personas):
    key = _token(personas.it_officer)
    for cid in ("00000000-0000-4000-8000-000000000000", "not-a-uuid", "community"):
        for name in ("collection", "objects", "manifest"):
            response = _get(reverse(f"taxii:{name}", args=[cid]), key)
            assert response.status_code == 404, (name, cid)
            assert response["Content-Type"] == TAXII and JAPANESE.search(response.json()["title"])
    missing = "indicator--00000000-0000-4000-8000-000000000000"
    assert _get(reverse("taxii:object", args=[str(shared.pk), missing]), key).status_code == 404
    assert _get(reverse("taxii:versions", args=[str(shared.pk), missing]), key).status_code == 404


def test_read_only_wrong_accept_and_content_type(shared, personas):
    key = _token(personas.it_officer)
    auth = {"Authorization": f"Bearer {key}"}
    urls = _urls(shared)
    for url in urls.values():
        for method in ("post", "put", "delete", "patch"):
            response = getattr(Client(), method)(
                url, "{}", content_type=TAXII, headers={"Accept": TAXII, **auth}
            )
            assert response.status_code == 405, (method, url)
            assert response["Allow"] == "GET"
            assert response["Content-Type"] == TAXII
        response = _get(url, headers={**auth, "Accept": "text/html"})
        assert response.status_code == 406, url
        assert TAXII in response.json()["description"]
        for accept in (TAXII, "application/taxii+json", "*/*", "application/json"):
            response = _get(url, headers={**auth, "Accept": accept})
            assert response.status_code == 200, (url, accept)
            assert response["Content-Type"] == TAXII


@pytest.mark.parametrize(
    "params",
    [
        {"added_after": "yesterday"},
        {"added_after": "2026-13-45T00:00:00Z"},  # well-formed but no such date
        {"added_after": "2026-04-01T00:00:00"},  # no offset: not RFC 3339
        {"limit": "many"},
        {"limit": "0"},
        {"limit": "-5"},
        {"next": "abc"},
        {"next": "-1"},
    ],
)
def test_bad_parameters_are_400_in_japanese(shared, personas, params):
    key = _token(personas.it_officer)
    for name in ("objects", "manifest"):
        response = _get(_urls(shared)[name], key, **params)
        assert response.status_code == 400, (name, params)
        assert response["Content-Type"] == TAXII
        body = response.json()
        assert body["http_status"] == "400"
        assert JAPANESE.search(body["title"]) and JAPANESE.search(body["description"]), body


def test_limit_next_and_date_headers_over_the_test_client(shared, personas):
    key = _token(personas.it_officer)
    url = _urls(shared)["objects"]
    everything = _get(url, key).json()["objects"]
    first = _get(url, key, limit="2")
    body = first.json()
    assert body["more"] is True and body["objects"] == everything[:2]
    assert first["X-TAXII-Date-Added-First"].endswith("Z") and first["X-TAXII-Date-Added-Last"].endswith("Z")
    rest = _get(url, key, limit="1000", next=body["next"]).json()
    assert rest["more"] is False and "next" not in rest and rest["objects"] == everything[2:]
    # A limit over the server's maximum is capped, not refused.
    assert _get(url, key, limit="100000").json()["objects"] == everything


# --- TLP: what may not leave never appears ---------------------------------------------------------


def _everything_served(collection: TaxiiCollection, token: str) -> str:
    """The raw bodies of every read endpoint, for a plain substring search."""
    urls = _urls(collection)
    bodies = [_get(urls[n], token, **{"match[version]": "all"}).content for n in ("objects", "manifest")]
    for stix_id in TaxiiObject.objects.values_list("stix_id", flat=True):
        for name in ("object", "versions"):
            bodies.append(_get(reverse(f"taxii:{name}", args=[str(collection.pk), stix_id]), token).content)
    return b"\n".join(bodies).decode()


def test_tlp_red_is_never_published_or_served(personas):
    officer = personas.it_officer
    red = _incident(officer, "標的型攻撃（RED）", tlp="red", iocs=["203.0.113.66"])
    strict = _incident(officer, "内部不正（AMBER+STRICT）", tlp="amber+strict", iocs=["203.0.113.67"])
    for incident in (red, strict):
        with pytest.raises(stix.ExportRefused):
            sharing.publish(incident=incident, actor=officer)
    community = sharing.community_collection()
    assert not TaxiiObject.objects.filter(collection=community).exists()
    green = _incident(officer, "スキャン（GREEN）", iocs=["198.51.100.5"])
    sharing.publish(incident=green, actor=officer)
    body = _everything_served(community, _token(officer))
    assert green.number in body
    for text in (red.number, strict.number, "203.0.113.66", "203.0.113.67", stix.TLP2_IDS["red"]):
        assert text not in body


def test_raised_to_red_after_publishing_is_withdrawn(personas):
    officer = personas.it_officer
    keep = _incident(officer, "DDoS（残る）", iocs=["198.51.100.10"])
    leak = _incident(
        officer, "情報漏えい（後にRED）", iocs=["198.51.100.20", "198.51.100.21"], other=["x.example"]
    )
    sharing.publish(incident=keep, actor=officer)
    sharing.publish(incident=leak, actor=officer)
    community = sharing.community_collection()
    key = _token(officer)
    leak_ids = set(TaxiiObject.objects.filter(incident=leak).values_list("stix_id", flat=True))
    keep_ids = set(TaxiiObject.objects.filter(incident=keep).values_list("stix_id", flat=True))
    objects, manifest = _served_ids(community, key)
    assert leak_ids <= objects and leak_ids <= manifest

    leak = services.incident_update(incident=leak, data={"tlp": "red"}, actor=officer)
    # Raising the marking withdraws every row of the incident at once (the SCO too); nothing is left.
    assert not TaxiiObject.objects.filter(incident=leak).exists()
    assert sharing.withdraw_if_not_shareable(incident=leak, actor=officer) == 0
    objects, manifest = _served_ids(community, key)
    assert not (leak_ids & objects) and not (leak_ids & manifest)
    assert keep_ids <= objects and keep_ids <= manifest
    body = _everything_served(community, key)
    assert leak.number not in body and "198.51.100.20" not in body and "x.example" not in body
    for stix_id in leak_ids:
        assert _get(reverse("taxii:object", args=[str(community.pk), stix_id]), key).status_code == 404
    # Still shareable: nothing to withdraw.
    assert sharing.withdraw_if_not_shareable(incident=keep, actor=officer) == 0
    with pytest.raises(stix.ExportRefused):
        sharing.publish(incident=leak, actor=officer)


def test_raised_to_red_without_withdrawal_is_still_not_served(personas):
    """The feed guard looks at the incident's marking now, not only at the marking it was published with."""
    officer = personas.it_officer
    incident = _incident(officer, "ランサムウェア（後にRED）", iocs=["198.51.100.30"])
    sharing.publish(incident=incident, actor=officer)
    community = sharing.community_collection()
    Incident.objects.filter(pk=incident.pk).update(tlp="red")  # e.g. changed outside the CSIRT views
    key = _token(officer)
    objects, manifest = _served_ids(community, key)
    assert not set(TaxiiObject.objects.filter(incident=incident).values_list("stix_id", flat=True)) & objects
    assert objects == manifest == {stix.ward_identity().id, stix.TLP2_IDS["green"]}
    assert "198.51.100.30" not in _everything_served(community, key)


def test_a_red_row_put_in_by_hand_is_not_served(personas):
    officer = personas.it_officer
    green = _incident(officer, "スキャン（GREEN）", iocs=["198.51.100.40"])
    sharing.publish(incident=green, actor=officer)
    community = sharing.community_collection()
    now = timezone.now()
    for tlp, suffix in (("red", "1"), ("amber+strict", "2")):
        sid = f"indicator--00000000-0000-4000-8000-00000000000{suffix}"
        TaxiiObject.objects.create(
            collection=community,
            stix_id=sid,
            stix_type="indicator",
            version="2026-04-01T00:00:00.000Z",
            data={
                "type": "indicator",
                "id": sid,
                "name": f"秘密の指標 {tlp}",
                "pattern": "[ipv4-addr:value = '10.9.9.9']",
            },
            tlp=tlp,
            date_added=now,
        )
    key = _token(officer)
    objects, manifest = _served_ids(community, key)
    assert not any(i.endswith(("0001", "0002")) for i in objects | manifest)
    assert len(objects) == sharing.feed_objects(community).count()
    for suffix in "12":
        sid = f"indicator--00000000-0000-4000-8000-00000000000{suffix}"
        assert _get(reverse("taxii:object", args=[str(community.pk), sid]), key).status_code == 404
        assert _get(reverse("taxii:versions", args=[str(community.pk), sid]), key).status_code == 404
        assert _get(_urls(community)["objects"], key, **{"match[id]": sid}).json()["objects"] == []
    body = _everything_served(community, key)
    assert "10.9.9.9" not in body and "秘密" not in body


# --- Our own puller --------------------------------------------------------------------------------


@pytest.mark.e2e
def test_pull_brings_the_shared_indicators_into_the_watch_list_and_merges(live_server, personas):
    officer = personas.it_officer
    sharing.publish(
        incident=_incident(officer, "C2通信（共有試験）", iocs=IOCS[:3], other=["c2.example"]), actor=officer
    )
    sharing.publish(
        incident=_incident(officer, "スキャン（共有試験）", tlp="amber", iocs=IOCS[3:]), actor=officer
    )
    red = _incident(officer, "標的型攻撃（RED）", tlp="red", iocs=["203.0.113.200"])
    with pytest.raises(stix.ExportRefused):
        sharing.publish(incident=red, actor=officer)
    community = sharing.community_collection()
    partner = _partner()
    community.readers.add(partner)
    key = _token(partner)
    url = f"{live_server.url}/taxii2/koto/collections/{community.pk}/"

    result = taxii_client.pull(url, token=key, source="test", actor=None, per_request=2)
    assert result.new == len(IOCS) and result.merged == 0
    assert result.objects == sharing.feed_objects(community).count()
    assert WatchEntry.objects.count() == len(IOCS)
    assert set(WatchEntry.objects.values_list("value", flat=True)) == set(IOCS)
    assert set(WatchEntry.objects.values_list("tlp", flat=True)) == {"green", "amber"}
    assert all(e.sources == ["test"] and e.times_seen == 1 for e in WatchEntry.objects.all())
    assert not WatchEntry.objects.filter(value__in=["203.0.113.200", "c2.example"]).exists()

    again = taxii_client.pull(url, token=key, source="test", actor=None)
    assert again.new == 0 and again.merged == len(IOCS)
    assert WatchEntry.objects.count() == len(IOCS)
    assert all(e.times_seen == 2 for e in WatchEntry.objects.all())

    # A token the collection does not list: the puller reports it, and nothing is imported.
    with pytest.raises(stix.BundleProblem) as problem:
        taxii_client.pull(url, token=_token(_partner("t.partner2")), source="other", actor=None)
    assert "TAXII" in problem.value.messages[0]
    assert WatchEntry.objects.count() == len(IOCS)
    assert all(e.sources == ["test"] and e.times_seen == 2 for e in WatchEntry.objects.all())
