"""Dogfooding (measure 12): our own checker crawls every public page of this platform, with the demo data
loaded, and finds no violation."""

from io import StringIO

import pytest
from django.core.management import call_command

from kotodx.a11y import crawler
from tests.a11y.conftest import in_thread

pytestmark = pytest.mark.browser


def test_every_public_page_passes_our_checker(live_server, transactional_db):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("the pages are the same on every database: crawled once, in the embedded run (5 minutes)")
    call_command("loaddemo", stdout=StringIO())
    # 48 procedures in the catalog come before the OGC pages in breadth-first order: room for both.
    options = crawler.CrawlOptions(max_pages=160, max_depth=4, delay=0, timeout_ms=30000)
    results = in_thread(lambda: list(crawler.crawl(live_server.url + "/", options)))
    checked = [r for r in results if not r.error]
    assert len(checked) >= 30, [r.url for r in results]
    sections = {r.url.split("/")[3] for r in checked}
    assert sections >= {"", "plan", "opendata", "apply", "map", "ogc"}, [r.url for r in checked]
    violations = [(r.url, f.rule, f.selector, f.message[:80]) for r in checked for f in r.violations]
    assert violations == [], "\n".join(map(str, violations))
    unexpected = [(r.url, r.error) for r in results if r.error and "HTMLではありません" not in r.error]
    assert unexpected == []
