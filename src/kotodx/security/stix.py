"""STIX 2.1 with the ``stix2`` library: an incident (or every shareable one) as a bundle carrying TLP 2.0
markings, and bundles received from partners checked with ``stix2-validator`` and turned into watch-list
entries. What a marking forbids never leaves: TLP:RED and TLP:AMBER+STRICT are refused by every export.

IDs are deterministic (UUIDv5 from the incident number and observable), so exporting the same incident
twice gives the same objects, and partners merge rather than duplicate."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import stix2
from django.db import transaction
from django.utils import timezone

from kotodx.core.models import User
from kotodx.core.services import audit_record
from kotodx.security.models import SHAREABLE_TLP, Incident, Observable, StixImport, Tlp, WatchEntry

NS = uuid.UUID("6b2f8c1e-4d0a-5a8e-9c11-7f3e0d2b9a55")  # the namespace of this platform's STIX ids
TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP2_IDS = {
    Tlp.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    Tlp.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    Tlp.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    Tlp.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    Tlp.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
# TLP 1.0 (stix2 ships these) read as their TLP 2.0 successors.
TLP1_IDS = {
    str(stix2.TLP_WHITE.id): Tlp.CLEAR,
    str(stix2.TLP_GREEN.id): Tlp.GREEN,
    str(stix2.TLP_AMBER.id): Tlp.AMBER,
    str(stix2.TLP_RED.id): Tlp.RED,
}
TLP_BY_ID = {v: k for k, v in TLP2_IDS.items()} | TLP1_IDS
MAX_BUNDLE_BYTES = 20 * 1024 * 1024
WARD_NAME = "江東区（Koto City）"

PATTERNS = {
    "ipv4": "[ipv4-addr:value = '{v}']",
    "ipv6": "[ipv6-addr:value = '{v}']",
    "domain": "[domain-name:value = '{v}']",
    "url": "[url:value = '{v}']",
    "email": "[email-addr:value = '{v}']",
    "md5": "[file:hashes.MD5 = '{v}']",
    "sha1": "[file:hashes.'SHA-1' = '{v}']",
    "sha256": "[file:hashes.'SHA-256' = '{v}']",
}
# Reading patterns back: object path → our kind.
PATH_KIND = {
    "ipv4-addr:value": "ipv4",
    "ipv6-addr:value": "ipv6",
    "domain-name:value": "domain",
    "url:value": "url",
    "email-addr:value": "email",
    "file:hashes.md5": "md5",
    "file:hashes.'md5'": "md5",
    "file:hashes.'sha-1'": "sha1",
    "file:hashes.sha1": "sha1",
    "file:hashes.'sha-256'": "sha256",
    "file:hashes.sha256": "sha256",
}
COMPARISON = re.compile(r"([a-z0-9-]+:[A-Za-z0-9_.'\-]+)\s*=\s*'((?:[^'\\]|\\.)*)'")
# The object types of STIX 2.1: cyber-observable objects (SCOs, which carry no spec_version of their own),
# and with them the domain, relationship and meta objects; anything else is a custom or unknown type.
SCO_TYPES = {
    "artifact",
    "autonomous-system",
    "directory",
    "domain-name",
    "email-addr",
    "email-message",
    "file",
    "ipv4-addr",
    "ipv6-addr",
    "mac-addr",
    "mutex",
    "network-traffic",
    "process",
    "software",
    "url",
    "user-account",
    "windows-registry-key",
    "x509-certificate",
}
KNOWN_TYPES = SCO_TYPES | {
    "attack-pattern",
    "campaign",
    "course-of-action",
    "grouping",
    "identity",
    "incident",
    "indicator",
    "infrastructure",
    "intrusion-set",
    "location",
    "malware",
    "malware-analysis",
    "note",
    "observed-data",
    "opinion",
    "report",
    "threat-actor",
    "tool",
    "vulnerability",
    "relationship",
    "sighting",
    "marking-definition",
    "language-content",
    "extension-definition",
}


class ExportRefused(Exception):
    """What a marking forbids: said in Japanese."""


def _sid(kind: str, *parts: object) -> str:
    """A deterministic id in UUIDv4 form (STIX 2.1 asks v4 of SDOs and SROs): the v5 hash, v4 bits."""
    digest = uuid.uuid5(NS, "|".join(str(p) for p in parts))
    return f"{kind}--{uuid.UUID(bytes=digest.bytes, version=4)}"


def tlp_marking(tlp: str) -> dict[str, Any]:
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": TLP2_IDS[Tlp(tlp)],
        "created": "2022-10-01T00:00:00.000Z",
        "name": Tlp(tlp).label,
        "extensions": {TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": tlp}},
    }


def ward_identity() -> stix2.Identity:
    return stix2.Identity(
        id=_sid("identity", "koto-city"),
        name=WARD_NAME,
        identity_class="organization",
        sectors=["government"],
        contact_information="江東区 情報システム課（江東区CSIRT）",
        created="2020-04-01T00:00:00.000Z",
        modified="2020-04-01T00:00:00.000Z",
    )


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")


def _ts(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _sco(obs: Observable) -> Any:
    """The cyber-observable object; stix2 gives SCOs deterministic ids from their values."""
    kind, v = obs.kind, obs.value
    if kind == "ipv4":
        return stix2.IPv4Address(value=v)
    if kind == "ipv6":
        return stix2.IPv6Address(value=v)
    if kind == "domain":
        return stix2.DomainName(value=v)
    if kind == "url":
        return stix2.URL(value=v)
    if kind == "email":
        return stix2.EmailAddress(value=v)
    algo = {"md5": "MD5", "sha1": "SHA-1", "sha256": "SHA-256"}[kind]
    return stix2.File(hashes={algo: v})


def incident_objects(incident: Incident) -> list[Any]:
    """The STIX objects of one incident: the incident, an indicator per IOC observable, observed-data
    with its SCO per other observable, and related-to relationships. Refuses what may not leave."""
    if incident.tlp not in SHAREABLE_TLP:
        raise ExportRefused(f"{incident.number} は {incident.get_tlp_display()} のため、出力できません。")
    identity = ward_identity()
    marking = [TLP2_IDS[Tlp(incident.tlp)]]
    created = _ts(incident.created_at)
    modified = _ts(incident.updated_at)
    common = {"created_by_ref": identity.id, "object_marking_refs": marking, "allow_custom": True}
    inc = stix2.Incident(
        id=_sid("incident", incident.number),
        name=f"{incident.number} {incident.title}",
        description=incident.description or incident.title,
        created=created,
        modified=modified,
        labels=[incident.category, f"severity-{incident.severity}"],
        **common,
    )
    out: list[Any] = [inc]
    for obs in incident.observables.all():
        if obs.is_ioc:
            ind = stix2.Indicator(
                id=_sid("indicator", incident.number, obs.kind, obs.value),
                name=f"{obs.get_kind_display()} {obs.value}",
                description=obs.note or f"{incident.number} で観測",
                indicator_types=["malicious-activity"],
                pattern=PATTERNS[obs.kind].format(v=_escape(obs.value)),
                pattern_type="stix",
                valid_from=_ts(obs.created_at),
                created=_ts(obs.created_at),
                modified=_ts(obs.created_at),
                **common,
            )
            out.append(ind)
            src = ind.id
        else:
            sco = _sco(obs)
            od = stix2.ObservedData(
                id=_sid("observed-data", incident.number, obs.kind, obs.value),
                first_observed=_ts(obs.created_at),
                last_observed=_ts(obs.created_at),
                number_observed=1,
                object_refs=[sco.id],
                created=_ts(obs.created_at),
                modified=_ts(obs.created_at),
                **common,
            )
            out += [sco, od]
            src = od.id
        out.append(
            stix2.Relationship(
                id=_sid("relationship", src, inc.id),
                relationship_type="related-to",
                source_ref=src,
                target_ref=inc.id,
                created=_ts(obs.created_at),
                modified=_ts(obs.created_at),
                **common,
            )
        )
    return out


def bundle(incidents: list[Incident]) -> dict[str, Any]:
    """A bundle of the incidents with the ward's identity and the TLP 2.0 definitions they use."""
    objects: list[Any] = []
    tlps: set[str] = set()
    for incident in incidents:
        objects += incident_objects(incident)
        tlps.add(incident.tlp)
    docs = [json.loads(ward_identity().serialize())]
    docs += [tlp_marking(t) for t in sorted(tlps)]
    docs += [json.loads(o.serialize()) for o in objects]
    return {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": docs}


def validate(doc: Any) -> list[str]:
    """The validator's errors for a bundle or an object (warnings are not errors)."""
    from stix2validator import ValidationOptions, validate_parsed_json

    result = validate_parsed_json(doc, ValidationOptions(version="2.1"))
    results = result if isinstance(result, list) else [result]
    return [str(e) for r in results for e in (r.errors or [])]


def warnings(doc: Any) -> list[str]:
    from stix2validator import ValidationOptions, validate_parsed_json

    result = validate_parsed_json(doc, ValidationOptions(version="2.1"))
    results = result if isinstance(result, list) else [result]
    return [str(w) for r in results for w in (r.warnings or [])]


# --- Import ------------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    objects: int = 0
    new: int = 0
    merged: int = 0
    skipped: list[str] = field(default_factory=list)  # what we did not keep, and why (Japanese)
    record: StixImport | None = None


class BundleProblem(Exception):
    """The bundle as a whole cannot be read; ``messages`` says why."""

    def __init__(self, messages: list[str]):
        super().__init__(" ".join(messages))
        self.messages = messages


def read_capped(stream: Any, cap: int = MAX_BUNDLE_BYTES) -> bytes:
    """Read a file-like object in chunks, refusing it as soon as it passes the cap."""
    chunks, size = [], 0
    while True:
        chunk = stream.read(1024 * 1024)
        if not chunk:
            break
        size += len(chunk)
        if size > cap:
            raise BundleProblem(
                [f"バンドルが大きすぎます（{cap // 1024 // 1024}MBまで）。分けて送ってください。"]
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _tlp_of(obj: dict[str, Any]) -> str:
    for ref in obj.get("object_marking_refs") or []:
        if ref in TLP_BY_ID:
            return str(TLP_BY_ID[ref])
    return ""


def _values(pattern: str) -> list[tuple[str, str]]:
    out = []
    for path, raw in COMPARISON.findall(pattern):
        kind = PATH_KIND.get(path.lower())
        if kind:
            out.append((kind, raw.replace("\\'", "'").replace("\\\\", "\\")))
    return out


@transaction.atomic
def import_bundle(data: bytes, *, source: str, actor: User | None) -> ImportResult:
    """Keep what we understand (indicators become watch-list entries; the same value from any source is
    one entry), report the rest. A bundle that is no STIX 2.1 at all is refused with the validator's
    errors."""
    from kotodx.security import validation

    if len(data) > MAX_BUNDLE_BYTES:
        raise BundleProblem([f"バンドルが大きすぎます（{MAX_BUNDLE_BYTES // 1024 // 1024}MBまで）。"])
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BundleProblem([f"JSONとして読めません（{exc}）。"]) from exc
    if (
        not isinstance(doc, dict)
        or doc.get("type") != "bundle"
        or not isinstance(doc.get("objects", []), list)
    ):
        raise BundleProblem(['STIXのバンドル（"type": "bundle" と objects の並び）ではありません。'])
    if doc.get("spec_version") == "2.0":
        raise BundleProblem(["STIX 2.0 のバンドルです。STIX 2.1 で送ってもらってください。"])
    result = ImportResult(objects=len(doc.get("objects") or []))
    keep: list[dict[str, Any]] = []
    for obj in doc.get("objects") or []:
        if not isinstance(obj, dict) or "type" not in obj or "id" not in obj:
            result.skipped.append("type と id のないオブジェクトがあります。")
            continue
        oid, otype = str(obj["id"]), str(obj["type"])
        if otype not in KNOWN_TYPES:
            result.skipped.append(f"{oid}: 種類「{otype}」は扱えないため、取り込みませんでした。")
            continue
        if obj.get("spec_version") != "2.1" and otype not in SCO_TYPES:
            result.skipped.append(
                f"{oid}: STIX 2.1 のオブジェクトではありません"
                f"（spec_version: {obj.get('spec_version', 'なし')}）。"
            )
            continue
        errors = validate(obj)
        if errors:
            result.skipped.append(f"{oid}: STIX 2.1 として正しくありません — {'; '.join(errors[:3])}")
            continue
        keep.append(obj)
    if result.objects and not keep and all("正しくありません" in s or "2.1" in s for s in result.skipped):
        raise BundleProblem(["STIX 2.1 として正しいオブジェクトがありません。", *result.skipped[:20]])
    now = timezone.now()
    for obj in keep:
        if obj["type"] != "indicator" or obj.get("pattern_type", "stix") != "stix":
            continue
        values = _values(str(obj.get("pattern", "")))
        if not values:
            result.skipped.append(
                f"{obj['id']}: パターンから値を読み取れませんでした（{str(obj.get('pattern'))[:80]}）。"
            )
        for kind, raw in values:
            try:
                value = validation.normalise(kind, raw)
            except ValueError as exc:
                result.skipped.append(f"{obj['id']}: {exc}")
                continue
            entry = WatchEntry.objects.select_for_update().filter(kind=kind, value=value).first()
            if entry is None:
                WatchEntry.objects.create(
                    kind=kind,
                    value=value,
                    name=str(obj.get("name", ""))[:300],
                    pattern=str(obj.get("pattern", "")),
                    sources=[source],
                    stix_ids=[obj["id"]],
                    tlp=_tlp_of(obj),
                    first_seen=now,
                    last_seen=now,
                )
                result.new += 1
            else:
                entry.sources = sorted(set(entry.sources) | {source})
                entry.stix_ids = sorted(set(entry.stix_ids) | {obj["id"]})
                entry.last_seen = now
                entry.times_seen += 1
                entry.save()
                result.merged += 1
    result.record = StixImport.objects.create(
        source=source,
        bundle_id=str(doc.get("id", ""))[:100],
        received_by=actor if actor and actor.is_authenticated else None,
        objects_total=result.objects,
        indicators_new=result.new,
        indicators_merged=result.merged,
        skipped=result.skipped[:500],
    )
    audit_record(
        actor=actor,
        action="create",
        target=result.record,
        after={
            "objects": result.objects,
            "new": result.new,
            "merged": result.merged,
            "skipped": len(result.skipped),
        },
    )
    return result
