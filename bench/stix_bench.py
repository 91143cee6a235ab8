"""Receiving a partner's STIX 2.1 feed: our import (checks every object with stix2-validator, reads the
patterns, merges into the watch list, one transaction) against the floor of stix2-validator alone over the
same objects, in the same run. Then a second import of the same bundle (everything merges).

    python -m bench.stix_bench [N]
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import uuid


def bundle(n: int) -> dict:
    objects = [
        {
            "type": "indicator",
            "spec_version": "2.1",
            "id": f"indicator--{uuid.uuid4()}",
            "created": "2026-04-01T00:00:00.000Z",
            "modified": "2026-04-01T00:00:00.000Z",
            "name": f"C2 {i}",
            "description": "bench",
            "indicator_types": ["malicious-activity"],
            "pattern": f"[ipv4-addr:value = '10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}']",
            "pattern_type": "stix",
            "valid_from": "2026-04-01T00:00:00Z",
        }
        for i in range(n)
    ]
    return {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objects}


def main(n: int = 2000) -> None:
    os.environ.setdefault("KOTODX_DATA_DIR", tempfile.mkdtemp())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kotodx.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from kotodx.security import stix

    call_command("migrate", verbosity=0)
    doc = bundle(n)
    data = json.dumps(doc).encode()
    t = time.perf_counter()
    for obj in doc["objects"]:
        stix.validate(obj)
    floor = time.perf_counter() - t
    t = time.perf_counter()
    first = stix.import_bundle(data, source="bench", actor=None)
    ours = time.perf_counter() - t
    t = time.perf_counter()
    second = stix.import_bundle(data, source="bench-2", actor=None)
    again = time.perf_counter() - t
    where = os.environ.get("DATABASE_URL") or "SQLite"
    print(f"STIX import, {n} indicators ({len(data) / 1024:.0f} KB), database: {where}")
    print(f"  floor: stix2-validator alone   {floor:7.2f} s   {n / floor:7.0f} objects/s")
    for label, secs in ((f"import (new {first.new})", ours), (f"again (merged {second.merged})", again)):
        print(
            f"  ours: {label:<22} {secs:7.2f} s   {n / secs:7.0f} objects/s   {secs / floor:4.2f}× the floor"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
