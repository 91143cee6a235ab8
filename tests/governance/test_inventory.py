"""The 情報システム台帳 as a spreadsheet: XLSX round trip, Shift_JIS CSV, bad rows listed per row with
nothing imported, importing only the clean rows, and a clerk who edits only their own systems."""

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook, load_workbook

from kotodx.core.models import AuditEntry
from kotodx.governance import services, spreadsheet
from kotodx.governance.models import System
from kotodx.opendata.validation import FileProblem
from tests.conftest import check_access, client_for
from tests.governance.conftest import system_data

HEADER = (
    "システム名,所管部署,設置形態,ネットワーク区分,"
    "契約開始日,契約終了日,年間経費（円）,特定個人情報,ライフサイクル段階"
)


def _csv(*rows: str, encoding: str = "utf-8") -> bytes:
    return ("\r\n".join([HEADER, *rows]) + "\r\n").encode(encoding)


def _snapshot() -> list[tuple]:
    fields = [f for f, _ in spreadsheet.COLUMNS if f not in ("department", "stage")]
    return sorted(
        (s.department.code, s.stage, *[getattr(s, f) for f in fields])
        for s in System.objects.select_related("department")
    )


def test_xlsx_round_trip_keeps_every_value(personas, inventory):
    services.system_save(
        system=inventory.a_core,
        data={
            "purpose": '=HYPERLINK("http://evil")',  # formula-like text stays text
            "vendor": "デモ株式会社",
            "contract_start": dt.date(2021, 4, 1),
            "contract_end": dt.date(2026, 3, 31),
            "annual_cost": 12_345_678,
            "users": 40,
        },
        actor=personas.it_officer,
    )
    before = _snapshot()
    response = client_for(personas.it_officer).get("/staff/governance/systems/?format=xlsx")
    assert response.status_code == 200
    data = response.content
    wb = load_workbook(io.BytesIO(data))
    ws = wb.active
    assert [c.value for c in ws[1]][:4] == ["システム名", "所管部署", "目的・業務", "事業者"]
    cells = {row[0]: row for row in ws.iter_rows(min_row=2, values_only=True)}
    assert cells["児童手当システム"][2].startswith("'=")  # neutralised for Excel
    assert AuditEntry.objects.filter(action="export", target_type="governance.system").exists()
    # Import into an empty inventory: every value comes back.
    System.objects.all().delete()
    plan = spreadsheet.plan_import("台帳.xlsx", data, actor=personas.it_officer)
    assert plan.problems == []
    assert spreadsheet.apply_import(plan, actor=personas.it_officer) == 3
    after = _snapshot()
    # The formula guard adds one quote mark on the way out; everything else is identical.
    fixed = [tuple(v[1:] if isinstance(v, str) and v.startswith("'=") else v for v in row) for row in after]
    assert fixed == before
    # A second import of the same file changes nothing and is all updates.
    plan = spreadsheet.plan_import("台帳.xlsx", data, actor=personas.it_officer)
    assert (plan.new, plan.updated) == (0, 3)


def test_csv_export_is_excel_ready(personas, inventory):
    response = client_for(personas.auditor).get("/staff/governance/systems/?format=csv")
    assert response.content.startswith("\ufeff".encode())
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("システム名,所管部署")
    assert "防災アプリ" in text


def test_shift_jis_csv_with_wareki_dates(personas):
    data = _csv(
        '区民課窓口予約,子育て支援課,パブリッククラウド,インターネット接続系,令和6年4月1日,R11.3.31,"1,200,000円",なし,運用',
        "保育園入園管理,kosodate,LGWAN-ASP,LGWAN接続系,2024/4/1,,,あり,企画",
        encoding="cp932",
    )
    plan = spreadsheet.plan_import("台帳.csv", data, actor=personas.it_officer)
    assert plan.problems == []
    spreadsheet.apply_import(plan, actor=personas.it_officer)
    s = System.objects.get(name="区民課窓口予約")
    assert (s.contract_start, s.contract_end, s.annual_cost, s.stage) == (
        dt.date(2024, 4, 1),
        dt.date(2029, 3, 31),
        1_200_000,
        "operation",
    )
    s2 = System.objects.get(name="保育園入園管理")
    assert s2.specific_personal_info and s2.personal_info and s2.hosting == "lgwan_asp"


def test_bad_rows_are_listed_and_nothing_is_imported(personas, inventory):
    data = _csv(
        "新システムA,子育て支援課,パブリッククラウド,インターネット接続系,,,,なし,",
        "新システムB,存在しない課,パブリッククラウド,インターネット接続系,,,,なし,",
        "新システムC,子育て支援課,パブリッククラウド,インターネット接続系,2024年13月1日,,,なし,",
        "新システムA,子育て支援課,パブリッククラウド,インターネット接続系,,,,なし,",
        "新システムD,子育て支援課,宇宙,インターネット接続系,令和6年4月1日,令和5年4月1日,-5,たぶん,",
        ",子育て支援課,パブリッククラウド,インターネット接続系,,,,なし,",
    )
    before = System.objects.count()
    response = client_for(personas.it_officer).post(
        "/staff/governance/systems/import/", {"file": SimpleUploadedFile("台帳.csv", data)}
    )
    assert response.status_code == 400
    plan = response.context["plan"]
    by_row = {}
    for p in plan.problems:
        by_row.setdefault(p.row, []).append(p.message)
    assert set(by_row) == {3, 4, 5, 6, 7}
    assert "存在しない課" in by_row[3][0]
    assert "日付として読めません" in by_row[4][0]
    assert "2 行目と重複" in by_row[5][0]
    row6 = " ".join(by_row[6])
    assert len(by_row[6]) == 4
    for expected in (
        "「宇宙」は設置形態として選べません",
        "契約終了日が契約開始日より前",
        "年間経費（円）は0以上",
        "「たぶん」は特定個人情報の値として読めません",
    ):
        assert expected in row6
    assert "システム名が空" in by_row[7][0]
    body = response.content.decode()
    assert "正しい 1 行だけを取り込む" in body
    assert System.objects.count() == before  # nothing written yet
    # The user chooses to import only the clean rows.
    token = response.context["token"]
    response = client_for(personas.it_officer).post(
        "/staff/governance/systems/import/", {"token": token, "filename": "台帳.csv", "only_clean": "1"}
    )
    assert response.status_code == 302
    assert System.objects.count() == before + 1
    assert System.objects.filter(name="新システムA").exists()


def test_import_without_choosing_clean_rows_writes_nothing(personas):
    plan = spreadsheet.plan_import(
        "x.csv",
        _csv(
            "良いシステム,子育て支援課,パブリッククラウド,インターネット接続系,,,,なし,",
            "悪いシステム,不明課,パブリッククラウド,インターネット接続系,,,,なし,",
        ),
        actor=personas.it_officer,
    )
    with pytest.raises(Exception, match="取り込みませんでした"):
        spreadsheet.apply_import(plan, actor=personas.it_officer)
    assert not System.objects.exists()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("a.csv", b"", "空"),
        ("a.xls", b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "古いExcel形式"),
        ("a.xlsx", b"PK\x03\x04garbage", "Excelファイル（.xlsx）として読めません"),
        (
            "a.csv",
            "名前,課\r\nx,y\r\n".encode(),
            "必要な列がありません: システム名、所管部署、設置形態、ネットワーク区分",
        ),
        ("a.csv", (HEADER + "\r\n").encode(), "データの行がありません"),
        ("a.csv", "システム名\r\n".encode("utf-16"), "UTF-16"),
    ],
)
def test_unreadable_files_get_a_clear_message(personas, name, data, message):
    with pytest.raises(FileProblem, match=message):
        spreadsheet.plan_import(name, data, actor=personas.it_officer)
    response = client_for(personas.it_officer).post(
        "/staff/governance/systems/import/", {"file": SimpleUploadedFile(name, data or b" ")}
    )
    assert response.status_code == 400


def test_a_clerk_imports_and_edits_only_their_own_departments_systems(personas, inventory):
    clerk = personas.clerk_a
    plan = spreadsheet.plan_import(
        "x.csv",
        _csv(
            "子育てアプリ,子育て支援課,パブリッククラウド,インターネット接続系,,,,なし,",
            "防災アプリ,防災課,パブリッククラウド,インターネット接続系,,,,なし,",
            "避難所マップ,防災課,パブリッククラウド,インターネット接続系,,,,なし,",
        ),
        actor=clerk,
    )
    messages = [p.message for p in plan.problems]
    assert any("他の部署のシステムとして登録済み" in m for m in messages)
    assert any("自部署のシステムだけ" in m for m in messages)
    assert len(plan.rows) == 1
    with pytest.raises(PermissionDenied):
        services.system_save(system=inventory.b_cloud, data={"purpose": "x"}, actor=clerk)
    with pytest.raises(PermissionDenied):
        services.system_save(data=system_data(personas.dept_b, name="他課のシステム"), actor=clerk)
    services.system_save(system=inventory.a_web, data={"purpose": "子育て情報の発信"}, actor=clerk)
    # The clerk sees only their department's systems.
    page = client_for(clerk).get("/staff/governance/systems/").content.decode()
    assert "子育て応援サイト" in page and "防災アプリ" not in page
    csv_text = client_for(clerk).get("/staff/governance/systems/?format=csv").content.decode("utf-8-sig")
    assert "防災アプリ" not in csv_text and "子育て応援サイト" in csv_text


def test_access_rules_per_role(personas, inventory):
    a, b = inventory.a_web.pk, inventory.b_cloud.pk
    check_access(
        f"/staff/governance/systems/{b}/",
        {"anonymous": 302, "clerk_a": 404, "clerk_b": 200, "it_officer": 200, "auditor": 200, "admin": 200,
         "committee": 403},
        personas,
    )  # fmt: skip
    check_access(
        f"/staff/governance/systems/{a}/edit/",
        {"clerk_a": 200, "clerk_b": 404, "it_officer": 200, "auditor": 403, "admin": 403},
        personas,
    )
    check_access(
        "/staff/governance/systems/new/", {"clerk_a": 200, "auditor": 403, "subcommittee": 403}, personas
    )
    check_access("/staff/governance/systems/import/", {"clerk_a": 200, "auditor": 403}, personas)
    check_access(
        f"/staff/governance/systems/{a}/edit/",
        {"auditor": 403, "clerk_b": 404},
        personas,
        method="post",
        data={"name": "乗っ取り"},
    )
    inventory.a_web.refresh_from_db()
    assert inventory.a_web.name == "子育て応援サイト"


def test_edit_form_validates_and_audits(personas, inventory):
    client = client_for(personas.clerk_a)
    url = f"/staff/governance/systems/{inventory.a_web.pk}/edit/"
    form = {
        "name": "子育て応援サイト",
        "department": personas.dept_a.pk,
        "hosting": "public_cloud",
        "network": "internet",
        "confidentiality": "2",
        "integrity": "1",
        "availability": "1",
        "contract_start": "2025-04-01",
        "contract_end": "2024-03-31",
        "annual_cost": "-1",
    }
    response = client.post(url, form)
    assert response.status_code == 400
    body = response.content.decode()
    assert "入力内容に誤りがあります" in body
    form.update(contract_end="2030-03-31", annual_cost="500000", department=personas.dept_b.pk)
    response = client.post(url, form)
    assert response.status_code == 400  # another department is not offered
    form.update(department=personas.dept_a.pk)
    assert client.post(url, form).status_code == 302
    inventory.a_web.refresh_from_db()
    assert inventory.a_web.annual_cost == 500000
    entry = AuditEntry.objects.filter(
        target_type="governance.system", target_id=str(inventory.a_web.pk)
    ).first()
    assert entry.action == "update" and entry.after["annual_cost"] == 500000


def test_command_line_import_and_export(personas, inventory, tmp_path, capsys):
    out = tmp_path / "台帳.xlsx"
    call_command("governance", "export", "-o", str(out))
    wb = load_workbook(out)
    assert wb.active.max_row == 4
    bad = tmp_path / "bad.csv"
    bad.write_bytes(_csv("X,不明課,パブリッククラウド,インターネット接続系,,,,なし,"))
    with pytest.raises(SystemExit) as exc:
        call_command("governance", "import", str(bad), "--as", personas.it_officer.username)
    assert exc.value.code == 1
    assert "不明課" in capsys.readouterr().err
    with pytest.raises(CommandError, match="登録されていません"):
        call_command("governance", "import", str(bad), "--as", "nobody")
    wb = Workbook()
    ws = wb.active
    ws.append(["システム名", "所管部署", "設置形態", "ネットワーク区分"])
    ws.append(["Excelから", "防災課", "オンプレミス", "LGWAN接続系"])
    good = tmp_path / "good.xlsx"
    wb.save(good)
    call_command("governance", "import", str(good), "--as", personas.clerk_b.username)
    assert System.objects.get(name="Excelから").department == personas.dept_b


def test_the_api_lists_what_the_caller_may_see(personas, inventory):
    mine = client_for(personas.clerk_a).get("/api/governance/systems").json()
    assert {s["name"] for s in mine} == {"子育て応援サイト", "児童手当システム"}
    everything = client_for(personas.auditor).get("/api/governance/systems?network=internet").json()
    assert {s["name"] for s in everything} == {"子育て応援サイト", "防災アプリ"}
    assert (
        client_for(personas.clerk_a).get(f"/api/governance/systems/{inventory.b_cloud.pk}").status_code == 404
    )
    one = client_for(personas.clerk_b).get(f"/api/governance/systems/{inventory.b_cloud.pk}").json()
    assert one["stage_name"] == "要件定義・見積" and one["department_bought"] is True
    assert client_for(personas.committee).get("/api/governance/systems").status_code == 403
    assert client_for(None).get("/api/governance/systems").status_code == 401
