"""Staff upload a file as a layer: by role, all or nothing, with the reason when it fails."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kotodx.gis.models import Layer
from tests.conftest import check_access, client_for

URL = "/staff/gis/layers/"
POINTS = json.dumps(
    {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [139.80, 35.65]},
                "properties": {"名称": "A"},
            }
        ],
    }
)


def form(personas, data: bytes, name="aed", filename="aed.geojson", **extra):
    return {
        "title": "AED",
        "name": name,
        "department": personas.dept_a.pk,
        "visibility": "public",
        "file": SimpleUploadedFile(filename, data),
        **extra,
    }


def test_page_by_role(personas):
    check_access(
        URL, {"anonymous": 302, "it_officer": 200, "clerk_a": 200, "auditor": 200, "committee": 403}, personas
    )


def test_it_officer_uploads_geojson_and_csv(personas):
    client = client_for(personas.it_officer)
    assert client.post(URL, form(personas, POINTS.encode())).status_code == 302
    assert Layer.objects.get(name="aed").feature_count == 1
    csv_data = "名称,緯度,経度\r\nB,35.66,139.81\r\nC,35.67,139.82\r\n".encode("cp932")
    assert client.post(URL, form(personas, csv_data, name="aed", filename="aed.csv")).status_code == 302
    assert Layer.objects.get(name="aed").feature_count == 2  # replaced, not appended


def test_bad_files_change_nothing(personas):
    client = client_for(personas.it_officer)
    swapped = POINTS.replace("[139.8, 35.65]", "[35.65, 139.8]").encode()
    assert swapped != POINTS.encode()
    r = client.post(URL, form(personas, swapped))
    assert r.status_code == 400 and "緯度と経度が逆" in r.content.decode()
    r = client.post(URL, form(personas, b"name,phone\r\nA,03\r\n", filename="x.csv"))
    assert r.status_code == 400 and "緯度・経度の列も住所の列もない" in r.content.decode()
    r = client.post(URL, form(personas, b"\x89PNG\r\n\x1a\n\x00\x00", filename="x.csv"))
    assert r.status_code == 400
    assert not Layer.objects.exists()


def test_clerk_cannot_create_layers(personas):
    r = client_for(personas.clerk_a).post(URL, form(personas, POINTS.encode()))
    assert r.status_code == 400 and "権限がありません" in r.content.decode()
    assert not Layer.objects.exists()


def test_staff_upload_a_geopackage_and_a_broken_one(personas, tmp_path):
    from tests.gis.test_gdal_files import write

    client = client_for(personas.it_officer)
    data = write(tmp_path / "parks.gpkg", "GPKG").read_bytes()
    assert client.post(URL, form(personas, data, name="gpkg", filename="parks.gpkg")).status_code == 302
    layer = Layer.objects.get(name="gpkg")
    assert layer.feature_count == 2 and layer.source == Layer.Source.FILE
    r = client.post(URL, form(personas, b"garbage", name="gpkg", filename="parks.gpkg"))
    assert r.status_code == 400 and "地図データとして読めません" in r.content.decode()
    assert Layer.objects.get(name="gpkg").feature_count == 2  # the layer is as it was


def _points_layer(personas):
    from shapely.geometry import Point

    from tests.gis.conftest import make_layer

    return make_layer(
        "parks-x", personas.dept_a, "public", [(Point(139.8, 35.66), {"名称": "公園"})], "公園X"
    )


def _settings(**extra):
    return {
        "title": "公園（新）",
        "description": "説明",
        "visibility": "public",
        "attribution": "江東区",
        "color": "#115A36",
        "radius": "8",
        "weight": "3",
        "fill_opacity": "0.25",
        **extra,
    }


def test_settings_page_by_role(personas):
    _points_layer(personas)
    url = f"{URL}parks-x/"
    check_access(
        url,
        {"anonymous": 302, "admin": 200, "it_officer": 200, "clerk_a": 403, "auditor": 403, "committee": 403},
        personas,
    )
    check_access(url, {"clerk_a": 403, "auditor": 403}, personas, method="post", data=_settings())
    assert client_for(personas.it_officer).get(f"{URL}nope/").status_code == 404


def test_style_is_saved_audited_and_drawn_on_the_public_map(personas):
    from kotodx.core.models import AuditEntry

    layer = _points_layer(personas)
    r = client_for(personas.it_officer).post(f"{URL}parks-x/", _settings())
    assert r.status_code == 302
    layer.refresh_from_db()
    assert layer.title == "公園（新）"
    assert layer.style == {"color": "#115a36", "radius": 8, "weight": 3, "fillOpacity": 0.25}
    entry = AuditEntry.objects.filter(target_type="gis.layer", action="update").latest("id")
    assert entry.before["title"] == "公園X" and entry.after["title"] == "公園（新）"
    page = client_for(None).get("/map/", {"layer": "parks-x"}).content.decode()
    assert '"color": "#115a36"' in page and '"radius": 8' in page


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"color": "#ffff00"}, "コントラスト比が3:1未満"),
        ({"color": "red"}, "16進数6桁"),
        ({"radius": "99"}, "15"),
        ({"fill_opacity": "2"}, "1"),
        ({"visibility": "everyone"}, "選択"),
        ({"title": ""}, "必須"),
    ],
)
def test_bad_settings_change_nothing_and_say_why(personas, change, says):
    layer = _points_layer(personas)
    r = client_for(personas.it_officer).post(f"{URL}parks-x/", _settings(**change))
    assert r.status_code == 400 and says in r.content.decode()
    layer.refresh_from_db()
    assert layer.title == "公園X" and layer.style == {}
