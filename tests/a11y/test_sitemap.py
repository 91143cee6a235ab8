"""The crawler reads the site's sitemap: /sitemap.xml or what robots.txt names, index files followed (and
bounded), only same-site pages robots.txt allows; a sitemap that cannot be read is ignored with a note,
never an error. A real HTTP server on loopback serves each site."""

import functools
import gzip
import http.server
import threading

import pytest

from kotodx.a11y import crawler
from tests.a11y.conftest import in_thread

PAGE = """<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>{t}</title></head>
<body><main><h1>{t}</h1><p>{body}</p></main></body></html>"""


def urlset(*locs):
    items = "".join(f"<url><loc>{loc}</loc></url>" for loc in locs)
    return f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{items}</urlset>'


def index(*locs):
    items = "".join(f"<sitemap><loc>{loc}</loc></sitemap>" for loc in locs)
    return f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{items}</sitemapindex>'


class Site:
    """A folder served on loopback; files are written after the port is known (sitemaps name it)."""

    def __init__(self, root):
        self.root = root
        self.requests = []
        site = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                site.requests.append(self.path)
                super().do_GET()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(Handler, directory=str(root))
        )
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def write(self, name, text):
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text.replace("{base}", self.base), encoding="utf-8")


@pytest.fixture
def site(tmp_path):
    s = Site(tmp_path)
    s.write("index.html", PAGE.format(t="トップ", body='<a href="a.html">お知らせ</a>'))
    s.write("a.html", PAGE.format(t="お知らせ", body="区からのお知らせです。"))
    s.write("orphan.html", PAGE.format(t="リンクのないページ", body="どこからもリンクされていません。"))
    s.write("private/p.html", PAGE.format(t="非公開", body="robots.txt で断っています。"))
    yield s
    s.server.shutdown()


def test_no_sitemap_is_no_note(site):
    notes = []
    assert crawler.sitemap_urls(site.base + "/index.html", None, notes) == []
    assert notes == [] and "/sitemap.xml" in site.requests


def test_sitemap_pages_same_site_and_allowed_only(site):
    site.write("robots.txt", "User-agent: *\nDisallow: /private/\n")
    site.write(
        "sitemap.xml",
        urlset(
            "{base}/orphan.html",
            "{base}/a.html#top",
            "http://example.org/elsewhere.html",
            "{base}/private/p.html",
            "{base}/youkou.pdf",
            "{base}/orphan.html",
        ),
    )
    start = site.base + "/index.html"
    notes = []
    urls = crawler.sitemap_urls(start, crawler._robots(start), notes)
    assert urls == [site.base + "/orphan.html", site.base + "/a.html"] and notes == []


def test_robots_names_a_sitemap_index_with_a_gzipped_sitemap(site):
    site.write("robots.txt", "User-agent: *\nAllow: /\nSitemap: {base}/maps/index.xml\n")
    site.write("maps/index.xml", index("{base}/maps/one.xml", "{base}/maps/two.xml.gz"))
    site.write("maps/one.xml", urlset("{base}/orphan.html"))
    site.write("maps/two.xml.gz", gzip.compress(urlset(f"{site.base}/a.html").encode()))
    start = site.base + "/index.html"
    notes = []
    urls = crawler.sitemap_urls(start, crawler._robots(start), notes)
    assert urls == [site.base + "/orphan.html", site.base + "/a.html"], notes
    assert "/sitemap.xml" not in site.requests  # robots.txt named the sitemap


def test_sitemap_index_is_bounded(site):
    # an index naming itself and 40 more indexes that name each other: a trap, read at most 20 files
    site.write("sitemap.xml", index("{base}/sitemap.xml", *[f"{{base}}/s{i}.xml" for i in range(40)]))
    for i in range(40):
        site.write(f"s{i}.xml", index(f"{{base}}/s{i + 1}.xml", "{base}/sitemap.xml"))
    notes = []
    assert crawler.sitemap_urls(site.base + "/", None, notes) == []
    assert sum(1 for p in site.requests if p.endswith(".xml")) == crawler.SITEMAP_MAX_FILES
    assert any("20 ファイルを超える" in n for n in notes), notes


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("<urlset><url><loc>http://x/</loc>", "XML の誤り"),
        ("<!DOCTYPE html><html><body>見つかりません</body></html>", "DOCTYPE"),
        ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><urlset>&a;</urlset>', "DOCTYPE"),
        ("<rss><channel></channel></rss>", "sitemap ではありません"),
        ("", "XML の誤り"),
    ],
)
def test_malformed_sitemap_is_ignored_with_a_note(site, body, reason):
    site.write("sitemap.xml", body)
    notes = []
    assert crawler.sitemap_urls(site.base + "/index.html", None, notes) == []
    assert len(notes) == 1 and "無視しました" in notes[0] and reason in notes[0], notes


def test_a_named_sitemap_that_is_missing_is_a_note(site):
    site.write("robots.txt", "Sitemap: {base}/gone.xml\nSitemap: http://example.org/sitemap.xml\n")
    start = site.base + "/index.html"
    notes = []
    assert crawler.sitemap_urls(start, crawler._robots(start), notes) == []
    assert any("HTTP 404" in n for n in notes) and any("別のサイト" in n for n in notes), notes


@pytest.mark.browser
def test_the_crawl_checks_the_sitemap_pages_no_link_reaches(site):
    site.write("robots.txt", "User-agent: *\nDisallow: /private/\n")
    site.write(
        "sitemap.xml", urlset("{base}/orphan.html", "{base}/private/p.html", "http://example.org/x.html")
    )
    notes = []
    results = in_thread(
        lambda: list(crawler.crawl(site.base + "/index.html", crawler.CrawlOptions(max_pages=5), notes=notes))
    )
    assert [r.url.rsplit("/", 1)[1] for r in results] == ["index.html", "orphan.html", "a.html"]
    assert all(not r.error for r in results) and notes == []
    # without the sitemap the orphan is not reached
    results = in_thread(
        lambda: list(
            crawler.crawl(site.base + "/index.html", crawler.CrawlOptions(max_pages=5, sitemap=False))
        )
    )
    assert [r.url.rsplit("/", 1)[1] for r in results] == ["index.html", "a.html"]


@pytest.mark.browser
def test_a_malformed_sitemap_never_stops_the_crawl(site):
    site.write("sitemap.xml", "<urlset><url><loc>")
    notes = []
    results = in_thread(
        lambda: list(crawler.crawl(site.base + "/index.html", crawler.CrawlOptions(max_pages=5), notes=notes))
    )
    assert [r.url.rsplit("/", 1)[1] for r in results] == ["index.html", "a.html"]
    assert len(notes) == 1 and "sitemap" in notes[0]
