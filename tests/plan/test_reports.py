"""The annual report (HTML, PDF, CSV, JSON), the public plan pages and the dashboard, on the Koto plan with
its five years of demo progress."""

import csv
import io
import json
import shutil
import subprocess

import pytest
from django.urls import reverse

from kotodx.plan import demo, services
from kotodx.plan.models import ProgressEntry
from tests.conftest import client_for
from tests.plan.conftest import DATA


@pytest.fixture
def koto_with_progress(koto_plan):
    demo.load_progress(koto_plan, DATA / "koto-2020-progress.yaml", actor=None)
    return koto_plan


def test_plan_pages_show_the_whole_hierarchy(koto_with_progress):
    client = client_for(None)
    listing = client.get(reverse("plan:public")).content.decode()
    assert "江東区情報化推進プラン" in listing and "令和6年度（2024年度）の進捗報告" in listing
    page = client.get(reverse("plan:plan_detail", args=["koto-2020"])).content.decode()
    for im in koto_with_progress.individual_measures.all():
        assert im.name in page
    for m in koto_with_progress.measures.all():
        assert m.name in page
    assert "名称要確認" in page and "デモデータ" in page
    assert "進捗ダッシュボード（令和6年度）" in page
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page and "<title id=" in page


def test_dashboard_year_choice_and_unknown_year(koto_with_progress):
    client = client_for(None)
    assert "進捗ダッシュボード（令和2年度）" in client.get("/plan/koto-2020/?fy=2020").content.decode()
    assert "進捗ダッシュボード（令和2年度）" in client.get("/plan/koto-2020/?fy=令和2年度").content.decode()
    assert client.get("/plan/koto-2020/?fy=2030").status_code == 404
    assert client.get("/plan/koto-2020/?fy=abc").status_code == 404


def test_html_report(koto_with_progress):
    body = client_for(None).get("/plan/reports/2024/").content.decode()
    assert "江東区情報化推進プラン 令和6年度 進捗報告" in body
    assert "目次" in body and "個別施策16 情報セキュリティの確保" in body
    assert "達成率" in body and body.count('class="kpi-chart"') >= 16


def test_report_outside_any_plan_is_404(koto_with_progress):
    client = client_for(None)
    for url in (
        "/plan/reports/2019/",
        "/plan/reports/2030/",
        "/plan/reports/2019.pdf",
        "/plan/reports/2019.csv",
        "/plan/reports/2030.json",
    ):
        assert client.get(url).status_code == 404, url


def test_csv_opens_in_excel_as_japanese(koto_with_progress):
    response = client_for(None).get("/plan/reports/2024.csv")
    assert response["Content-Type"].startswith("text/csv")
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:6] == ["年度", "指針", "施策番号", "施策", "個別施策番号", "個別施策"]
    assert {r[5] for r in rows[1:]} == {im.name for im in koto_with_progress.individual_measures.all()}
    assert len(rows) - 1 == koto_with_progress.kpis.count()


def test_json_is_open_data(koto_with_progress):
    doc = json.loads(client_for(None).get("/plan/reports/2023.json").content)
    assert doc["fiscal_year"] == 2023 and doc["fiscal_year_label"] == "令和5年度"
    assert len(doc["individual_measures"]) == 16
    first = doc["individual_measures"][0]
    assert first["demo_data"] is True and first["kpis"][0]["target"] is not None
    assert doc["overall"]["evaluation"] in {"A", "B", "C", "D"}


@pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is installed by make test"
)
def test_pdf_has_japanese_text_cover_and_contents(koto_with_progress, tmp_path):
    response = client_for(None).get("/plan/reports/2024.pdf")
    assert response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "令和6年度（2024年度）進捗報告" in text and "目次" in text
    for im in koto_with_progress.individual_measures.all():
        assert im.name[:12] in text.replace("\n", ""), im.name
    pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert int(next(line.split()[-1] for line in pages.splitlines() if line.startswith("Pages"))) > 10


def test_public_sees_only_approved_entries(koto_with_progress, personas):
    im = koto_with_progress.individual_measures.get(number=1)
    entry = ProgressEntry.objects.get(individual_measure=im, fiscal_year=2024)
    services.entry_correct(entry=entry, reason="表記の訂正", actor=personas.it_officer)
    body = client_for(None).get("/plan/reports/2024/").content.decode()
    assert "作成中" not in body
    staff = client_for(personas.it_officer).get("/plan/koto-2020/").content.decode()
    assert "承認前（審査中）の進捗も含めて" in staff


def test_final_evaluation(koto_with_progress, personas):
    page = client_for(None).get(reverse("plan:final", args=["koto-2020"])).content.decode()
    assert "最終評価" in page and "令和6年度" in page
    services.plan_final_evaluate(
        plan=koto_with_progress,
        summary="5年間で電子申請が定着した。",
        per_measure={6: ("A", "手続数が目標を上回った。")},
        actor=personas.it_officer,
    )
    page = client_for(None).get(reverse("plan:final", args=["koto-2020"])).content.decode()
    assert "5年間で電子申請が定着した。" in page and "手続数が目標を上回った。" in page


def test_api_lists_plans_and_progress(koto_with_progress):
    client = client_for(None)
    plans = client.get("/api/plan/plans").json()
    assert {"code": "koto-2020", "start_fy": 2020, "end_fy": 2024}.items() <= plans[0].items()
    progress = client.get("/api/plan/plans/koto-2020/progress/2022").json()
    assert progress["fiscal_year_label"] == "令和4年度" and len(progress["individual_measures"]) == 16
    assert client.get("/api/plan/plans/koto-2020/progress/2030").status_code == 404
    assert client.get("/api/plan/plans/nope/progress/2022").status_code == 404
