"""Layers for the GIS tests, made through the services."""

from __future__ import annotations

import pytest
from shapely.geometry import Point, Polygon

from kotodx.gis import services
from kotodx.gis.models import Layer


def make_layer(name: str, dept, visibility: str, items, title: str | None = None) -> Layer:
    layer = services.layer_create(
        actor=None, data={"name": name, "title": title or name, "department": dept, "visibility": visibility}
    )
    services.layer_replace_features(layer=layer, items=items, actor=None)
    layer.refresh_from_db()
    return layer


@pytest.fixture
def layers(personas):
    points = [
        (Point(139.79 + i * 0.001, 35.65 + i * 0.001), {"名称": f"施設{i}", "種別": "A" if i % 2 else "B"})
        for i in range(25)
    ]
    public = make_layer("facilities", personas.dept_a, "public", points, "施設")
    area = make_layer(
        "areas",
        personas.dept_a,
        "public",
        [
            (
                Polygon([(139.80, 35.64), (139.82, 35.64), (139.82, 35.66), (139.80, 35.66)]),
                {"名称": "区画A"},
            ),
            (
                Polygon([(139.70, 35.60), (139.71, 35.60), (139.71, 35.61), (139.70, 35.61)]),
                {"名称": "区画B"},
            ),
        ],
    )
    ward = make_layer("ward-only", personas.dept_b, "ward", points[:3], "庁内")
    dept = make_layer("dept-only", personas.dept_b, "department", points[:2], "部署内")
    return {"public": public, "area": area, "ward": ward, "dept": dept}
