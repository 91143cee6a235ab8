"""Trend charts across scans on /staff/a11y/: per site, the share of pages with violations and the
violations per page, as SVG charts with a title and description and the same figures as a table."""

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
