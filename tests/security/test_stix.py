"""STIX 2.1: exported bundles pass stix2-validator with no errors, what a marking forbids never leaves,
a round trip into a second database keeps every indicator, and partners' untidy bundles are read as far
as they can be, with the rest reported."""

import datetime as dt
import io
import json
import os
import re
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.utils import timezone
from stix2validator import ValidationOptions, validate_parsed_json

from kotodx.security import services, stix
from kotodx.security.models import Incident, StixImport, WatchEntry
from tests.conftest import client_for

IOCS = [
    ("ipv4", "198.51.100.23"),
    ("domain", "bad-update.example"),
    ("url", "https://bad-update.example/it's"),  # a quote in a pattern must be escaped
    ("sha256", "9f2c4e5a0b7d3c1e8f6a2b4d0c9e7f1a3b5d7c9e1f3a5b7d9c0e2f4a6b8d0c1e"),
    ("md5", "0123456789abcdef0123456789abcdef"),
    ("sha1", "0123456789abcdef0123456789abcdef01234567"),
    ("email", "phish@bad-update.example"),
    ("ipv6", "2001:db8::dead"),
]


def _incident(actor, tlp="green", title="共有する事案"):  # type: ignore[no-untyped-def]
    incident = services.incident_create(
        data={
            "title": title,
            "category": "malicious-code",
            "severity": 2,
            "tlp": tlp,
            "detected_at": timezone.now() - dt.timedelta(hours=3),
        },
        actor=actor,
    )
    for kind, value in IOCS:
        services.observable_add(incident=incident, kind=kind, value=value, is_ioc=True, actor=actor)
    services.observable_add(incident=incident, kind="ipv4", value="192.0.2.1", is_ioc=False, actor=actor)
    return incident


def test_exported_bundle_passes_the_validator_without_errors_or_warnings(personas):
    incident = _incident(personas.it_officer)
    doc = stix.bundle([incident])
    result = validate_parsed_json(doc, ValidationOptions(version="2.1"))
    assert result.is_valid, [str(e) for e in result.errors]
    assert [str(w) for w in result.warnings] == []
    assert stix.validate(doc) == [] and stix.warnings(doc) == []
    types = [o["type"] for o in doc["objects"]]
    assert types.count("indicator") == len(IOCS)
    assert types.count("observed-data") == 1 and "ipv4-addr" in types
    assert types.count("identity") == 1 and "incident" in types
    marking = next(o for o in doc["objects"] if o["type"] == "marking-definition")
    assert marking["id"] == stix.TLP2_IDS["green"] and marking["name"] == "TLP:GREEN"
    assert all(
        stix.TLP2_IDS["green"] in o.get("object_marking_refs", [stix.TLP2_IDS["green"]])
        for o in doc["objects"]
        if o["type"] not in ("identity", "marking-definition", "ipv4-addr")
    )
    # The same incident exported twice gives the same object ids (partners merge, not duplicate).
    again = stix.bundle([incident])
    assert [o["id"] for o in again["objects"]] == [o["id"] for o in doc["objects"]]


@pytest.mark.parametrize("tlp", ["red", "amber+strict"])
def test_what_a_marking_forbids_never_leaves(personas, tlp, capsys):
    incident = _incident(personas.it_officer, tlp=tlp)
    with pytest.raises(stix.ExportRefused, match=re.escape(incident.get_tlp_display())):
        stix.bundle([incident])
    response = client_for(personas.it_officer).get(f"/staff/security/incidents/{incident.number}/stix.json")
    assert response.status_code == 302  # back to the incident with the reason
    with pytest.raises(SystemExit) as exc:
        call_command("security", "export-stix", "--incident", incident.number)
    assert exc.value.code == 1
    out = io.StringIO()
    call_command("security", "export-stix", "--all-shareable", stdout=out)
    text = out.getvalue()
    assert incident.number not in text and "198.51.100.23" not in text
    response = client_for(personas.it_officer).post("/staff/security/sharing/export/")
    assert incident.number not in response.content.decode()


def test_round_trip_into_a_second_database_keeps_every_indicator(personas, tmp_path):
    _incident(personas.it_officer, title="一件目")
    second = _incident(personas.it_officer, title="二件目")
    services.observable_add(
        incident=second, kind="ipv4", value="203.0.113.77", is_ioc=True, actor=personas.it_officer
    )
    path = tmp_path / "bundle.json"
    call_command("security", "export-stix", "--all-shareable", "-o", str(path))
    env = {
        **os.environ,
        "KOTODX_DATA_DIR": str(tmp_path / "second"),
        "DJANGO_SETTINGS_MODULE": "kotodx.settings",
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)

    def kotodx(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "kotodx.cli", *args], env=env, capture_output=True, text=True, timeout=180
        )

    assert kotodx("migrate", "-v0").returncode == 0
    imported = kotodx("security", "import-stix", str(path), "--source", "江東区")
    assert imported.returncode == 0, imported.stderr
    count = kotodx(
        "shell",
        "-c",
        "from kotodx.security.models import WatchEntry as W; "
        "print(sorted((w.kind, w.value) for w in W.objects.all()))",
    )
    expected = sorted({(k, v) for k, v in IOCS} | {("ipv4", "203.0.113.77")})
    assert count.stdout.strip().splitlines()[-1] == str(expected)


def _bundle(*objects, **extra):  # type: ignore[no-untyped-def]
    return json.dumps(
        {
            "type": "bundle",
            "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d",
            "objects": list(objects),
            **extra,
        }
    ).encode()


def _indicator(value="198.51.100.5", **kw):  # type: ignore[no-untyped-def]
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": kw.pop("id", "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"),
        "created": "2026-04-01T00:00:00.000Z",
        "modified": "2026-04-01T00:00:00.000Z",
        "pattern": f"[ipv4-addr:value = '{value}']",
        "pattern_type": "stix",
        "valid_from": "2026-04-01T00:00:00Z",
        **kw,
    }


def test_partner_bundles_merge_duplicates_and_keep_what_we_understand(personas):
    tlp1_green = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"  # not in the bundle: known by id
    first = stix.import_bundle(
        _bundle(
            _indicator(object_marking_refs=[tlp1_green], name="C2"),
            {"type": "x-municipal-note", "id": "x-municipal-note--1", "spec_version": "2.1"},
            {
                "type": "identity",
                "spec_version": "2.1",
                "id": "identity--c8d9e0f1-a2b3-4c4d-8e5f-6a7b8c9d0e1f",
                "created": "2026-04-01T00:00:00.000Z",
                "modified": "2026-04-01T00:00:00.000Z",
                "name": "東京都CSIRT",
            },
        ),
        source="東京都CSIRT",
        actor=personas.it_officer,
    )
    assert (first.new, first.merged) == (1, 0)
    assert any("x-municipal-note" in s and "扱えない" in s for s in first.skipped)
    entry = WatchEntry.objects.get()
    assert (entry.kind, entry.value, entry.tlp, entry.sources) == (
        "ipv4",
        "198.51.100.5",
        "green",
        ["東京都CSIRT"],
    )
    second = stix.import_bundle(
        _bundle(_indicator(id="indicator--0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d")),
        source="千代田区CSIRT",
        actor=personas.it_officer,
    )
    assert (second.new, second.merged) == (0, 1)
    entry.refresh_from_db()
    assert entry.times_seen == 2 and entry.sources == ["千代田区CSIRT", "東京都CSIRT"]
    assert len(entry.stix_ids) == 2
    assert StixImport.objects.count() == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"{not json", "JSONとして読めません"),
        (json.dumps({"type": "indicator"}).encode(), "バンドル"),
        (
            json.dumps({"type": "bundle", "id": "bundle--1", "spec_version": "2.0", "objects": []}).encode(),
            "STIX 2.0",
        ),
    ],
)
def test_bundles_that_are_no_stix_2_1_are_refused(personas, data, message):
    with pytest.raises(stix.BundleProblem, match=message):
        stix.import_bundle(data, source="x", actor=personas.it_officer)
    assert not StixImport.objects.exists()


def test_invalid_objects_are_reported_with_the_validators_errors(personas):
    bad = _indicator()
    del bad["pattern_type"]
    old = _indicator(id="indicator--1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b", spec_version="2.0")
    with pytest.raises(stix.BundleProblem) as exc:
        stix.import_bundle(_bundle(bad, old), source="x", actor=personas.it_officer)
    text = " ".join(exc.value.messages)
    assert "pattern_type" in text and "STIX 2.1 のオブジェクトではありません" in text
    # A good indicator alongside: kept, the bad one reported.
    result = stix.import_bundle(
        _bundle(bad, _indicator(value="192.0.2.200", id="indicator--2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d")),
        source="x",
        actor=personas.it_officer,
    )
    assert result.new == 1 and any("pattern_type" in s for s in result.skipped)
    bad_value = _indicator(value="999.1.1.1", id="indicator--3b4c5d6e-7f8a-4b9c-8d0e-1f2a3b4c5d6e")
    result = stix.import_bundle(_bundle(bad_value), source="x", actor=personas.it_officer)
    assert result.new == 0 and any("IPv4アドレスではありません" in s for s in result.skipped)


def test_a_huge_bundle_is_refused_before_it_is_read_whole(personas, settings):
    stream = io.BytesIO(b" " * (3 * 1024 * 1024))
    with pytest.raises(stix.BundleProblem, match="大きすぎます"):
        stix.read_capped(stream, cap=2 * 1024 * 1024)
    assert stream.tell() <= 3 * 1024 * 1024


def test_the_sharing_page_imports_and_reports(personas):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(personas.it_officer)
    response = client.post(
        "/staff/security/sharing/",
        {"source": "東京都CSIRT", "file": SimpleUploadedFile("b.json", _bundle(_indicator()))},
    )
    assert (
        response.status_code == 200 and "指標 1 件を新しくウォッチリストに載せ" in response.content.decode()
    )
    response = client.post(
        "/staff/security/sharing/", {"source": "x", "file": SimpleUploadedFile("b.json", b"[]")}
    )
    assert response.status_code == 400 and "バンドル" in response.content.decode()
    assert client_for(personas.clerk_a).get("/staff/security/sharing/").status_code == 403
    assert Incident.objects.count() == 0
