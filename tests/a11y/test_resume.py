"""A crawl interrupted (its queue consumer killed) resumes from the pages already checked: they are not
opened again, their links lead on, and the resumed crawl reaches exactly the pages the whole one does."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest

from kotodx.a11y.crawler import CrawlOptions, check_pages, crawl
from tests.a11y.conftest import in_thread

pytestmark = pytest.mark.browser


class _Site(http.server.BaseHTTPRequestHandler):
    """/p1 … /p6: each links to the next two pages; robots.txt and the sitemap are absent."""

    opened: list[str] = []

    def do_GET(self) -> None:  # noqa: N802
        if not self.path.startswith("/p"):
            self.send_error(404)
            return
        _Site.opened.append(self.path)
        n = int(self.path[2:])
        links = "".join(f'<li><a href="/p{m}">ページ{m}</a></li>' for m in (n + 1, n + 2) if m <= 6)
        body = (
            f'<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>ページ{n}</title></head>'
            f"<body><main><h1>ページ{n}</h1><ul>{links}</ul></main></body></html>"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def site() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_a_resumed_crawl_reaches_the_same_pages_without_opening_the_checked_ones_again(site):
    options = CrawlOptions(max_pages=5, delay=0)
    whole = in_thread(lambda: list(crawl(site + "/p1", options)))
    assert [r.url.rsplit("/", 1)[1] for r in whole] == ["p1", "p2", "p3", "p4", "p5"]
    assert whole[0].links == [site + "/p2", site + "/p3"]
    # Killed after two pages: what was stored is the pages with their links.
    resume = {r.url: r.links for r in whole[:2]}
    _Site.opened.clear()
    rest = in_thread(lambda: list(crawl(site + "/p1", options, resume=resume)))
    assert [r.url for r in rest] == [r.url for r in whole[2:]]
    assert "/p1" not in _Site.opened and "/p2" not in _Site.opened


def test_a_resumed_sample_skips_the_pages_checked(site):
    urls = [f"{site}/p{n}" for n in (4, 1, 6)]
    _Site.opened.clear()
    rest = in_thread(
        lambda: list(check_pages(urls, site + "/p1", CrawlOptions(delay=0), resume={urls[0]: []}))
    )
    assert [r.url for r in rest] == urls[1:] and "/p4" not in _Site.opened
