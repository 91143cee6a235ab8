"""The community feed: shareable incidents published into a TAXII collection (one row per object version),
withdrawn again when an incident's marking no longer allows sharing."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from kotodx.core.models import User
from kotodx.core.services import audit_record
from kotodx.security import stix
from kotodx.security.models import SHAREABLE_TLP, Incident, TaxiiCollection, TaxiiObject

COMMUNITY = "community"


def community_collection() -> TaxiiCollection:
    collection, _ = TaxiiCollection.objects.get_or_create(
        alias=COMMUNITY,
        defaults={
            "title": "江東区CSIRT 共有情報（都区市町村CSIRT向け）",
            "description": "江東区が共有するインシデントと侵害の痕跡（TLP:CLEAR・GREEN・AMBER）。",
        },
    )
    return collection


@transaction.atomic
def publish(*, incident: Incident, actor: User) -> int:
    """Put the incident's objects in the community collection; returns how many object versions were
    new. Refused (ExportRefused) for TLP:RED and TLP:AMBER+STRICT."""
    if not actor.has_perm("security.share_stix"):
        raise PermissionDenied("脅威情報を共有する権限がありません。")
    collection = community_collection()
    objects = [json.loads(o.serialize()) for o in stix.incident_objects(incident)]
    objects = [json.loads(stix.ward_identity().serialize()), stix.tlp_marking(incident.tlp), *objects]
    now = timezone.now()
    new = 0
    for doc in objects:
        version = str(doc.get("modified") or doc.get("created") or "")
        if not version:
            # A cyber-observable has no timestamps: TAXII versions it by when it was added, once.
            if TaxiiObject.objects.filter(collection=collection, stix_id=doc["id"]).exists():
                continue
            version = now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        _, created = TaxiiObject.objects.get_or_create(
            collection=collection,
            stix_id=doc["id"],
            version=version,
            defaults={
                "stix_type": doc["type"],
                "data": doc,
                "tlp": incident.tlp if doc["type"] not in ("identity", "marking-definition") else "",
                "incident": incident if doc["type"] not in ("identity", "marking-definition") else None,
                "date_added": now,
            },
        )
        new += created
    if new:
        note = f"TAXII共有（新しいオブジェクト {new} 件）"
        audit_record(actor=actor, action="export", target=incident, note=note)
    return new


@transaction.atomic
def withdraw_if_not_shareable(*, incident: Incident, actor: User | None) -> int:
    """An incident whose marking was raised to AMBER+STRICT or RED leaves the feed at once."""
    if incident.tlp in SHAREABLE_TLP:
        return 0
    n, _ = TaxiiObject.objects.filter(incident=incident).delete()
    if n:
        audit_record(
            actor=actor, action="delete", target=incident, note=f"TLP変更によりTAXIIから {n} 件を取り下げ"
        )
    return n


def feed_objects(collection: TaxiiCollection) -> Any:
    """What TAXII may serve: never an object marked beyond what the feed allows (a last guard), nor one of
    an incident whose marking has since been raised, even if it was not withdrawn."""
    return collection.stix_objects.exclude(tlp__in=["red", "amber+strict"]).exclude(
        incident__tlp__in=["red", "amber+strict"]
    )
