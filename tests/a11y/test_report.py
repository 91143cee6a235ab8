"""The WAIC-form test report: automatic results per JIS criterion, a person's judgements (a failure needs
its reason), the degree of conformance, publishing, and the public page."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from kotodx.a11y import services, waic
from kotodx.a11y.models import Scan, ScanFinding, ScanPage
from tests.conftest import client_for


@pytest.fixture
def scan(db):  # type: ignore[no-untyped-def]
    s = Scan.objects.create(
        title="区サイト",
        start_url="https://www.city.koto.lg.jp/",
        status="done",
        finished_at=timezone.now(),
        pages_checked=1,
        pages_with_violations=1,
        violations=1,
    )
    page = ScanPage.objects.create(
        scan=s, position=1, url="https://www.city.koto.lg.jp/a.html", title="お知らせ", violations=1
    )
    ScanFinding.objects.create(
        page=page,
        rule="image-alt",
        source="axe",
        criteria=["1.1.1"],
        jis=["1.1.1"],
        message="代替テキストがない",
    )
    ScanFinding.objects.create(
        page=page, rule="x", source="kotodx", criteria=["2.4.4"], jis=["2.4.4"], message="要確認", review=True
    )
    return s


def test_rows_follow_the_automatic_result_until_a_person_judges(scan, personas):
    rows = {r.number: r for r in waic.rows(scan)}
    assert len(rows) == 38  # JIS X 8341-3:2016 levels A and AA
    assert rows["1.1.1"].result == "不適合" and "1 件" in rows["1.1.1"].note
    assert rows["2.4.4"].result == "未判定"  # a review item is not a violation
    assert waic.degree(list(rows.values())) == "一部準拠"
    it = personas.it_officer
    with pytest.raises(ValidationError, match="理由"):
        services.judgements_save(scan=scan, results={"1.4.3": ("fail", "")}, actor=it)
    with pytest.raises(ValidationError, match="A・AA にありません"):
        services.judgements_save(scan=scan, results={"1.3.4": ("pass", "")}, actor=it)  # WCAG 2.1 only
    with pytest.raises(PermissionDenied):
        services.judgements_save(scan=scan, results={"1.1.1": ("pass", "")}, actor=personas.auditor)
    everything = {n: ("pass", "") for n, _, _ in waic.jis_criteria()}
    everything["1.2.1"] = ("na", "音声・映像のコンテンツはない")
    assert services.judgements_save(scan=scan, results=everything, actor=it) == 38
    rows = {r.number: r for r in waic.rows(scan)}
    assert rows["1.1.1"].result == "適合" and not rows["1.2.1"].applies
    assert waic.degree(list(rows.values())) == "準拠"
    # Clearing a judgement goes back to the automatic result.
    services.judgements_save(scan=scan, results={"1.1.1": ("", "")}, actor=it)
    assert {r.number: r for r in waic.rows(scan)}["1.1.1"].result == "不適合"


def test_publishing_and_the_public_page(scan, personas):
    assert "まだ試験結果を公開していません" in client_for(None).get("/accessibility/report/").content.decode()
    running = Scan.objects.create(title="途中", start_url="https://example.jp/", status="running")
    with pytest.raises(ValidationError, match="終わっていない"):
        services.scan_publish(scan=running, publish=True, actor=personas.it_officer)
    client = client_for(personas.it_officer)
    response = client.post(f"/staff/a11y/scans/{scan.pk}/report/", {"result-1.4.3": "fail", "note-1.4.3": ""})
    assert response.status_code == 400 and "理由" in response.content.decode()
    client.post(
        f"/staff/a11y/scans/{scan.pk}/report/",
        {"result-1.4.3": "fail", "note-1.4.3": "文字と背景のコントラスト不足"},
    )
    client.post(f"/staff/a11y/scans/{scan.pk}/report/", {"publish": "1"})
    page = client_for(None).get("/accessibility/report/").content.decode()
    assert "JIS X 8341-3:2016" in page and "一部準拠" in page and "文字と背景のコントラスト不足" in page
    assert "表明日" in page
    assert (
        client_for(personas.auditor)
        .post(f"/staff/a11y/scans/{scan.pk}/report/", {"publish": "0"})
        .status_code
        == 403
    )
    assert client_for(personas.committee).get(f"/staff/a11y/scans/{scan.pk}/report/").status_code == 403
