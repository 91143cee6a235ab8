"""A small catalog for the open data tests, built through the services like staff would."""

from __future__ import annotations

from pathlib import Path

import pytest

from kotodx.opendata import services
from kotodx.opendata.models import Dataset, Group

DATA = Path(__file__).resolve().parents[1] / "data" / "opendata"  # tests/data/SOURCES.md
KOTO = DATA / "koto"


def make_dataset(
    name: str, title: str, dept, *, tags=(), groups=(), notes="", state="active", url_resources=()
):
    ds = services.dataset_save(
        dataset=None,
        actor=None,
        tags=list(tags),
        groups=list(groups),
        data={"name": name, "title": title, "notes": notes, "department": dept, "state": state},
    )
    for rname, url, fmt in url_resources:
        services.resource_create(dataset=ds, name=rname, url=url, fmt=fmt, actor=None)
    return ds


@pytest.fixture
def catalog(personas):
    bosai = Group.objects.create(name="bosai", title="防災")
    kosodate = Group.objects.create(name="kosodate", title="子育て")
    a, b, it = personas.dept_a, personas.dept_b, personas.it_dept
    make_dataset(
        "hoikuen",
        "保育園一覧",
        a,
        tags=["保育", "子育て"],
        groups=[kosodate],
        notes="区内の認可保育園の一覧です。",
        url_resources=[("保育園一覧", "https://example.jp/hoikuen.csv", "CSV")],
    )
    make_dataset(
        "aed",
        "AED設置箇所一覧",
        b,
        tags=["防災", "AED"],
        groups=[bosai],
        url_resources=[
            ("AED", "https://example.jp/aed.csv", "CSV"),
            ("AED (xlsx)", "https://example.jp/aed.xlsx", "XLSX"),
        ],
    )
    make_dataset(
        "hinanjo",
        "指定緊急避難場所一覧",
        b,
        tags=["防災"],
        groups=[bosai],
        notes="保育園を含む避難場所",
        url_resources=[("避難場所", "https://example.jp/hinan.csv", "CSV")],
    )
    make_dataset(
        "wifi",
        "公衆無線LANアクセスポイント一覧",
        it,
        tags=["Wi-Fi"],
        url_resources=[("Wi-Fi", "https://example.jp/wifi.json", "JSON")],
    )
    make_dataset("draft-one", "下書きの保育データ", a, state="draft")
    return Dataset.objects.all()
