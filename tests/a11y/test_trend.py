"""Results across and out of scans: trend charts on /staff/a11y/ (per site, the share of pages with
violations and the violations per page, SVG with a title and description and the same figures as a
table); a stored scan as JSON and EARL; the plan hub's figures of the latest scan."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from kotodx.a11y.models import Scan
from tests.conftest import client_for


def _scan(site: str, day: int, checked: int, with_violations: int, violations: int) -> Scan:
    return Scan.objects.create(
        title=f"{site} {day}日",
        start_url=f"https://{site}/",
        status=Scan.Status.DONE,
        finished_at=timezone.make_aware(dt.datetime(2026, 10, day, 12)),
        pages_checked=checked,
        pages_with_violations=with_violations,
        violations=violations,
    )


def test_trend_charts_per_site(personas):
    _scan("www.city.koto.lg.jp", 1, 40, 20, 80)
    _scan("www.city.koto.lg.jp", 15, 40, 10, 30)
    _scan("other.example.jp", 2, 10, 5, 5)  # one scan only: no line to draw
    body = client_for(personas.it_officer).get(reverse("a11y:scans")).content.decode()
    assert body.count('<svg xmlns="http://www.w3.org/2000/svg"') == 2
    assert "www.city.koto.lg.jp: 違反のあるページの割合</title>" in body
    assert "10/01: 実績 50%" in body and "10/15: 実績 25%" in body  # the description reads the values
    assert "10/01: 実績 2件" in body and "10/15: 実績 0.75件" in body
    assert "<td>50%</td><td>2件</td>" in body and "<td>25%</td><td>0.75件</td>" in body
    assert "other.example.jp の推移" not in body
    assert "目標</text>" not in body  # these charts have no target line, so no legend for one


def test_a_stored_scan_as_json_and_earl_and_the_plan_metrics(personas):
    import json
    from decimal import Decimal

    from kotodx.a11y.models import ScanFinding, ScanPage
    from kotodx.core.fiscal import FiscalYear
    from kotodx.plan import metrics

    scan = _scan("www.city.koto.lg.jp", 20, 2, 1, 3)
    page = ScanPage.objects.create(
        scan=scan,
        position=1,
        url="https://www.city.koto.lg.jp/a.html",
        title="お知らせ",
        violations=3,
        outcomes={"image-alt": "failed", "color-contrast": "failed", "document-title": "passed"},
    )
    ScanPage.objects.create(scan=scan, position=2, url="https://www.city.koto.lg.jp/b.html", title="トップ")
    for rule, criteria, review in (
        ("image-alt", ["1.1.1"], False),
        ("image-alt", ["1.1.1"], False),
        ("color-contrast", ["1.4.3"], False),
        ("kotodx-page-title", ["2.4.2"], True),  # to be confirmed: not a failed criterion
    ):
        ScanFinding.objects.create(
            page=page,
            rule=rule,
            source="axe",
            criteria=criteria,
            jis=criteria,
            selector="img",
            message="…",
            review=review,
        )
    client = client_for(personas.it_officer)
    url = reverse("a11y:scan", args=[scan.pk])
    doc = json.loads(client.get(url, {"format": "json"}).content)
    assert [p["url"] for p in doc["pages"]] == [page.url, "https://www.city.koto.lg.jp/b.html"]
    assert len(doc["pages"][0]["findings"]) == 4
    earl = client.get(url, {"format": "earl"})
    assert earl["Content-Type"].startswith("application/ld+json")
    graph = json.loads(earl.content)["@graph"]
    outcomes = {a["test"]["title"]: a["result"]["outcome"] for a in graph[0]["assertions"]}
    assert outcomes == {
        "color-contrast": "earl:failed",
        "document-title": "earl:passed",
        "image-alt": "earl:failed",
    }
    fy = FiscalYear(2026)
    assert metrics.value("a11y.violations_per_page", fy) == Decimal("1.50")  # 3 violations / 2 pages
    assert metrics.value("a11y.criteria_failed", fy) == 2  # 1.1.1 and 1.4.3
