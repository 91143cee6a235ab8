"""The PIA threshold assessment (特定個人情報保護評価指針 第5の2) at every boundary, on the command line
and on the page, with the bad inputs the issue lists."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kotodx.governance import pia, services
from kotodx.governance.models import PersonalInfoFile
from tests.conftest import client_for

# (persons, handlers, incident) → level
TABLE = [
    (0, 0, False, "none"),
    (999, 10_000, True, "none"),  # under 1,000 persons nothing is required, whatever else
    (1_000, 0, False, "basic"),
    (9_999, 500, True, "basic"),  # 1,000–9,999: basic only, even with many handlers or an incident
    (10_000, 0, False, "basic"),
    (10_000, 499, False, "basic"),
    (10_000, 500, False, "basic+focused"),
    (10_000, 0, True, "basic+focused"),
    (99_999, 499, False, "basic"),
    (99_999, 500, False, "basic+focused"),
    (99_999, 499, True, "basic+focused"),
    (100_000, 499, False, "basic+focused"),
    (100_000, 500, False, "basic+full"),
    (100_000, 0, True, "basic+full"),
    (299_999, 499, False, "basic+focused"),
    (299_999, 500, False, "basic+full"),
    (299_999, 10, True, "basic+full"),
    (300_000, 0, False, "basic+full"),
    (540_000, 1, False, "basic+full"),
]


@pytest.mark.parametrize(("persons", "handlers", "incident", "expected"), TABLE)
def test_threshold_table(persons, handlers, incident, expected):
    assert pia.level(persons, handlers, incident) == expected


@pytest.mark.parametrize(("persons", "handlers", "incident", "expected"), TABLE)
def test_command_prints_the_code_and_its_japanese_name(capsys, persons, handlers, incident, expected):
    args = ["pia", "--persons", str(persons), "--handlers", str(handlers)] + (
        ["--incident"] if incident else []
    )
    call_command("governance", *args)
    out = capsys.readouterr().out.strip()
    assert out == f"{expected} {pia.NAMES[expected]}"


@pytest.mark.parametrize(
    ("persons", "handlers", "message"),
    [
        ("-1", "3", "0以上"),
        ("abc", "3", "整数ではありません"),
        ("5", "-7", "0以上"),
        ("5", "1.5", "整数ではありません"),
    ],
)
def test_command_refuses_bad_numbers(persons, handlers, message):
    with pytest.raises(CommandError, match=message):
        call_command("governance", "pia", "--persons", persons, "--handlers", handlers)


def test_negative_input_is_refused_by_the_function():
    with pytest.raises(ValueError, match="0以上"):
        pia.level(-1, 0, False)


@pytest.mark.parametrize(
    ("query", "field_error"),
    [
        ("persons=-5&handlers=10", "対象人数は0以上で入力してください。"),
        ("persons=abc&handlers=10", "対象人数は0以上の整数で入力してください。"),
        ("persons=5000&handlers=x", "取扱者数は0以上の整数で入力してください。"),
    ],
)
def test_the_page_names_the_bad_field(personas, query, field_error):
    response = client_for(personas.clerk_a).get(f"/staff/governance/pia/?{query}")
    assert response.status_code == 400
    assert field_error in response.content.decode()


def test_the_page_gives_the_result(personas):
    body = client_for(personas.clerk_a).get("/staff/governance/pia/?persons=120000&handlers=20&incident=on")
    assert body.status_code == 200
    assert "判断: 基礎項目評価＋全項目評価" in body.content.decode()


def test_a_file_is_recorded_with_its_computed_level_and_reassessment_date(personas):
    f = services.pia_file_save(
        data={
            "name": "児童手当ファイル",
            "department": personas.dept_a,
            "persons": 45_000,
            "handlers": 600,
            "serious_incident": False,
            "assessed_on": dt.date(2024, 2, 29),
        },
        actor=personas.clerk_a,
    )
    assert f.level == "basic+focused"
    assert f.reassess_by == dt.date(2029, 2, 28)  # 5 years; 29 February has no match in 2029
    f = services.pia_file_save(
        file=f, data={"important_change_on": dt.date(2026, 10, 1)}, actor=personas.clerk_a
    )
    assert f.reassess_by == dt.date(2026, 10, 1)  # before an important change


def test_a_clerk_records_only_their_own_departments_files(personas):
    data = {
        "name": "防災ファイル",
        "department": personas.dept_b,
        "persons": 10,
        "handlers": 1,
        "assessed_on": dt.date(2025, 4, 1),
    }
    with pytest.raises(services.PermissionDenied):
        services.pia_file_save(data=data, actor=personas.clerk_a)
    assert not PersonalInfoFile.objects.exists()
    response = client_for(personas.clerk_a).post(
        "/staff/governance/pia/",
        {
            "file-name": "防災ファイル",
            "file-department": personas.dept_b.pk,
            "file-persons": "10",
            "file-handlers": "1",
            "file-assessed_on": "2025-04-01",
        },
    )
    assert response.status_code == 400  # department B is not offered to a clerk of A
    assert not PersonalInfoFile.objects.exists()


def test_a_negative_count_on_the_registration_form_is_a_field_error(personas):
    response = client_for(personas.clerk_a).post(
        "/staff/governance/pia/",
        {
            "file-name": "子育てファイル",
            "file-department": personas.dept_a.pk,
            "file-persons": "-3",
            "file-handlers": "abc",
            "file-assessed_on": "2025-04-01",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "対象人数は0以上で入力してください。" in body
    assert "取扱者数は0以上の整数で入力してください。" in body
    assert not PersonalInfoFile.objects.exists()


def test_the_api_assesses_and_refuses_negative_numbers(personas):
    client = client_for(personas.clerk_a)
    ok = client.get("/api/governance/pia?persons=100000&handlers=500")
    assert ok.status_code == 200 and ok.json() == {"level": "basic+full", "name": "基礎項目評価＋全項目評価"}
    assert client.get("/api/governance/pia?persons=-1&handlers=0").status_code == 422
    assert client.get("/api/governance/pia?persons=abc&handlers=0").status_code == 422
    assert client_for(None).get("/api/governance/pia?persons=1&handlers=0").status_code == 401
