"""Demo data of the open data catalog: the metadata of Koto's datasets as the Tokyo catalog (CKAN)
publishes them, and four real Koto CSVs uploaded, validated and published (one in Shift_JIS)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TextIO

from kotodx.core.models import Department, User
from kotodx.core.services import department_upsert
from kotodx.opendata import services
from kotodx.opendata.models import Dataset, Group

DATA = Path(__file__).parent / "data" / "demo"
EXTRA_DEPARTMENTS = {"河川公園課": ("kasen-koen", "土木部"), "生活衛生課": ("seikatsu-eisei", "健康部")}
UPLOADS = [
    # (name, title, department code, group, tags, file, notes)
    (
        "koto-parks",
        "公園一覧",
        "kasen-koen",
        "c006",
        ["公園", "施設"],
        "koto-park.csv",
        "区内の公園・児童遊園の名称、所在地、緯度経度、設備などの一覧です。",
    ),
    (
        "koto-libraries",
        "図書館一覧",
        "bunka",
        "c006",
        ["図書館", "施設"],
        "koto-library.sjis.csv",
        "区立図書館の一覧です（区が公開している Shift_JIS のファイルです）。",
    ),
    (
        "koto-child-centers",
        "児童館・学童クラブ一覧",
        "kosodate",
        "c006",
        ["子育て", "施設", "児童館"],
        "koto-child-center.csv",
        "児童館・学童クラブなど子どもの居場所の一覧です。",
    ),
    (
        "koto-gomi",
        "資源・ごみの収集日（町名別）",
        "seiso",
        "c006",
        ["ごみ", "資源", "収集日"],
        "koto-gomi.csv",
        "町名ごとの資源・プラスチック・燃やすごみ・燃やさないごみの収集曜日です。",
    ),
]


def _department(name: str, actor: User | None) -> Department:
    dept = Department.objects.filter(name=name).first()
    if dept is not None:
        return dept
    if name in EXTRA_DEPARTMENTS:
        code, division = EXTRA_DEPARTMENTS[name]
        return department_upsert(code=code, name=name, division=division, actor=actor)
    return Department.objects.get(code="joho-system")


def load(*, actor: User | None, stdout: TextIO, **_: Any) -> None:
    for name, (code, division) in EXTRA_DEPARTMENTS.items():
        department_upsert(code=code, name=name, division=division, actor=actor)
    seen: set[str] = set()
    for path in sorted((DATA / "tokyo-ckan").glob("*.json")):
        pkg = json.loads(path.read_text(encoding="utf-8"))["result"]
        if pkg["name"] in seen or Dataset.objects.filter(name=pkg["name"]).exists():
            seen.add(pkg["name"])
            continue
        seen.add(pkg["name"])
        groups = [
            Group.objects.get_or_create(
                name=g["name"], defaults={"title": g["title"], "description": g.get("description", "")}
            )[0]
            for g in pkg.get("groups", [])
        ]
        extras = {e["key"]: e["value"] for e in pkg.get("extras", [])}
        dataset = services.dataset_save(
            dataset=None,
            actor=actor,
            tags=[t["name"] for t in pkg.get("tags", [])],
            groups=groups,
            data={
                "name": pkg["name"],
                "title": pkg["title"],
                "notes": pkg.get("notes") or "",
                "department": _department(pkg.get("maintainer") or "", actor),
                "license_id": pkg.get("license_id") or "CC-BY-4.0",
                "maintainer": pkg.get("maintainer") or "",
                "url": pkg.get("url") or "",
                "update_frequency": extras.get("更新頻度", "随時")
                if extras.get("更新頻度") in Dataset.Frequency.values
                else "随時",
                "state": Dataset.State.ACTIVE,
            },
        )
        for res in pkg.get("resources", []):
            services.resource_create(
                dataset=dataset,
                name=res.get("name") or pkg["title"],
                description=res.get("description") or "",
                url=res["url"],
                fmt=res.get("format") or "",
                actor=actor,
            )
    group, _created = Group.objects.get_or_create(name="c006", defaults={"title": "生活"})
    kosodate, _created = Group.objects.get_or_create(name="c005", defaults={"title": "子育て・教育"})
    for name, title, dept, _group, tags, filename, notes in UPLOADS:
        if Dataset.objects.filter(name=name).exists():
            continue
        dataset = services.dataset_save(
            dataset=None,
            actor=actor,
            tags=tags,
            groups=[group] + ([kosodate] if "子育て" in tags else []),
            data={
                "name": name,
                "title": title,
                "notes": notes,
                "department": Department.objects.get(code=dept),
                "standard_dataset": "public-facilities" if "施設" in tags else "",
                "state": Dataset.State.ACTIVE,
                "update_frequency": Dataset.Frequency.IRREGULAR,
            },
        )
        resource = services.resource_create(dataset=dataset, name=title, fmt="CSV", actor=actor)
        services.resource_upload(
            resource=resource, filename=filename, data=(DATA / filename).read_bytes(), actor=None
        )
    public = Dataset.objects.filter(state=Dataset.State.ACTIVE).count()
    stdout.write(f"データセット {Dataset.objects.count()} 件（うち公開 {public} 件）\n")
