"""Checking a site: from a start URL, same site only, robots.txt honoured, breadth first up to a depth and a
page limit, a politeness delay between pages. The site's sitemap (the Sitemap: lines of robots.txt, else
/sitemap.xml; sitemap index files followed up to a bound) seeds the crawl with pages no link may reach; a
sitemap that cannot be read is ignored with a note. Each page is opened in Chromium and checked by the
engine; a page that cannot be checked (unreachable, TLS error, 4xx/5xx, not HTML, off-site redirect,
timeout, a crash) is recorded with the reason and the crawl goes on."""

from __future__ import annotations

import contextlib
import gzip
import io
import time
import urllib.error
import urllib.request
import urllib.robotparser
import xml.etree.ElementTree as ET
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

from kotodx.a11y import engine

USER_AGENT = "KotoDX-A11yChecker/1.0 (+https://github.com/koto-dx)"
SKIP_EXTENSIONS = (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".zip", ".jpg", ".jpeg",
                   ".png", ".gif", ".svg", ".mp3", ".mp4", ".csv", ".xml", ".json")  # fmt: skip


SITEMAP_MAX_FILES = 20  # sitemap files read (an index and the sitemaps it names)
SITEMAP_MAX_URLS = 50000  # the most a sitemap may list (sitemaps.org)
SITEMAP_MAX_BYTES = 50 * 1024 * 1024  # the largest a sitemap may be, uncompressed (sitemaps.org)
SITEMAP_TIMEOUT = 15  # seconds


@dataclass
class CrawlOptions:
    max_pages: int = 1
    max_depth: int = 3
    delay: float = 0.0
    timeout_ms: int = 20000
    engine: str = "full"
    sitemap: bool = True  # seed the crawl with the site's sitemap


def _fetch(url: str) -> bytes:
    """A sitemap file, gunzipped, at most SITEMAP_MAX_BYTES (an error beyond)."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise ValueError("http/https ではありません")
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})  # noqa: S310 (checked above)
    with urllib.request.urlopen(request, timeout=SITEMAP_TIMEOUT) as response:  # noqa: S310
        body = response.read(SITEMAP_MAX_BYTES + 1)
    if body[:2] == b"\x1f\x8b":
        body = gzip.GzipFile(fileobj=io.BytesIO(body)).read(SITEMAP_MAX_BYTES + 1)
    if len(body) > SITEMAP_MAX_BYTES:
        raise ValueError("大きすぎます")
    return bytes(body)


def _parse_sitemap(body: bytes) -> tuple[str, list[str]]:
    """("urlset" | "sitemapindex", the <loc> addresses); ValueError for anything else. A sitemap has no
    DOCTYPE: one with a DOCTYPE or entities is refused unread (no entity expansion)."""
    if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
        raise ValueError("DOCTYPE や実体宣言があります")
    try:
        root = ET.fromstring(body)  # noqa: S314 (no DOCTYPE, so no entity to expand)
    except ET.ParseError as exc:
        raise ValueError(f"XML の誤り（{exc}）") from exc
    local = lambda tag: tag.rsplit("}", 1)[-1]  # noqa: E731
    kind = local(root.tag)
    if kind not in ("urlset", "sitemapindex"):
        raise ValueError(f"sitemap ではありません（<{kind}>）")
    item = "url" if kind == "urlset" else "sitemap"
    locs = []
    for entry in root:
        if local(entry.tag) != item:
            continue
        for child in entry:
            if local(child.tag) == "loc" and child.text and child.text.strip():
                locs.append(child.text.strip())
    return kind, locs


def sitemap_urls(
    start: str, robots: urllib.robotparser.RobotFileParser | None, notes: list[str] | None = None
) -> list[str]:
    """The pages the site's sitemap lists that the crawl may check: same site, allowed by robots.txt, not
    files. The sitemaps robots.txt names, else /sitemap.xml (its absence is no note); index files followed
    up to SITEMAP_MAX_FILES files. What cannot be read is skipped and said in notes."""
    notes = notes if notes is not None else []
    parts = urlsplit(start)
    named = (robots.site_maps() if robots is not None else None) or []
    queue = deque(named or [f"{parts.scheme}://{parts.netloc}/sitemap.xml"])
    seen_maps: set[str] = set()
    found: list[str] = []
    while queue and len(found) < SITEMAP_MAX_URLS:
        url = queue.popleft()
        if url in seen_maps:
            continue
        if len(seen_maps) >= SITEMAP_MAX_FILES:
            notes.append(f"sitemap が {SITEMAP_MAX_FILES} ファイルを超えるため、残りは読んでいません。")
            break
        seen_maps.add(url)
        if not _same_site(url, start):
            notes.append(f"別のサイトの sitemap（{url}）は読んでいません。")
            continue
        try:
            kind, locs = _parse_sitemap(_fetch(url))
        except urllib.error.HTTPError as exc:
            if named or exc.code != 404:
                notes.append(
                    f"sitemap（{url}）を読めませんでした（HTTP {exc.code}）。リンクをたどって検査します。"
                )
            continue
        except (OSError, ValueError, EOFError) as exc:
            notes.append(f"sitemap（{url}）を読めないため無視しました（{exc}）。リンクをたどって検査します。")
            continue
        if kind == "sitemapindex":
            queue.extend(locs)
        else:
            found.extend(locs)
    pages: list[str] = []
    for loc in found[:SITEMAP_MAX_URLS]:
        page = urldefrag(loc).url
        if (
            urlsplit(page).scheme in ("http", "https")
            and _same_site(page, start)
            and not page.lower().endswith(SKIP_EXTENSIONS)
            and (robots is None or robots.can_fetch(USER_AGENT, page))
        ):
            pages.append(page)
    return list(dict.fromkeys(pages))


def _robots(start: str) -> urllib.robotparser.RobotFileParser | None:
    parts = urlsplit(start)
    parser = urllib.robotparser.RobotFileParser(f"{parts.scheme}://{parts.netloc}/robots.txt")
    try:
        parser.read()
    except Exception:  # no robots.txt that can be read: everything is allowed
        return None
    return parser


def _same_site(url: str, start: str) -> bool:
    a, b = urlsplit(url), urlsplit(start)
    return (a.scheme, a.netloc) == (b.scheme, b.netloc)


def crawl(
    start: str,
    options: CrawlOptions,
    on_page: Callable[[int, int], None] | None = None,
    notes: list[str] | None = None,
    resume: dict[str, list[str]] | None = None,
) -> Iterator[engine.PageResult]:
    """Yield the result of each page checked, in the order the pages were reached (the start page, the
    sitemap's pages, then the links found). What the crawl wants to say besides goes into notes.

    ``resume`` — the pages an interrupted run of the same crawl already checked, with the links each had:
    they are not opened again (nor yielded) but count towards the page limit, and the crawl goes on from
    their links, so it reaches the same pages the whole run would have."""
    resume = resume or {}
    from playwright.sync_api import sync_playwright

    if urlsplit(start).scheme not in ("http", "https"):
        yield engine.PageResult(url=start, error="http:// か https:// で始まるURLを指定してください。")
        return
    robots = _robots(start)
    queue: deque[tuple[str, int]] = deque([(urldefrag(start).url, 0)])
    seen = {urldefrag(start).url}
    if options.sitemap:
        for url in sitemap_urls(start, robots, notes):
            if url not in seen:
                seen.add(url)
                queue.append((url, 0))
    done = 0
    checked: set[str] = set()  # elements whose keyboard behaviour was checked on an earlier page
    with sync_playwright() as pw:
        browser = engine.launch(pw)
        context = _context(browser)
        try:
            while queue and done < options.max_pages:
                url, depth = queue.popleft()
                if url in resume:
                    result, links = None, resume[url]
                elif robots is not None and not robots.can_fetch(USER_AGENT, url):
                    yield engine.PageResult(
                        url=url, error="robots.txt で検査を断られているため検査していません。"
                    )
                    continue
                else:
                    if done and options.delay:
                        time.sleep(options.delay)
                    result, links = _check_one(context, url, start, options, checked)
                    result.links = links
                done += 1
                if on_page:
                    on_page(done, min(options.max_pages, done + len(queue)))
                if result is not None:
                    yield result
                if depth < options.max_depth:
                    for link in links:
                        if (
                            link not in seen
                            and _same_site(link, start)
                            and not link.lower().endswith(SKIP_EXTENSIONS)
                        ):
                            seen.add(link)
                            queue.append((link, depth + 1))
        finally:
            browser.close()


def check_pages(
    urls: list[str],
    start: str,
    options: CrawlOptions,
    on_page: Callable[[int, int], None] | None = None,
    resume: dict[str, list[str]] | None = None,
) -> Iterator[engine.PageResult]:
    """Check the pages chosen (a sample), in that order, in one browser, following no link; a page that
    robots.txt refuses is recorded as such. Pages in ``resume`` (checked by an interrupted run) are
    skipped."""
    resume = resume or {}
    from playwright.sync_api import sync_playwright

    robots = _robots(start)
    checked: set[str] = set()
    with sync_playwright() as pw:
        browser = engine.launch(pw)
        context = _context(browser)
        try:
            for n, url in enumerate(urls, start=1):
                if url in resume:
                    if on_page:
                        on_page(n, len(urls))
                    continue
                if robots is not None and not robots.can_fetch(USER_AGENT, url):
                    yield engine.PageResult(
                        url=url, error="robots.txt で検査を断られているため検査していません。"
                    )
                    continue
                if n > 1 and options.delay:
                    time.sleep(options.delay)
                result, _ = _check_one(context, url, start, options, checked)
                if on_page:
                    on_page(n, len(urls))
                yield result
        finally:
            browser.close()


def check_urls(urls: list[str], options: CrawlOptions, concurrency: int = 2) -> list[engine.PageResult]:
    """Check a list of pages (no link following), several at a time: one browser per worker thread."""
    import threading

    from playwright.sync_api import sync_playwright

    results: list[engine.PageResult | None] = [None] * len(urls)
    lock = threading.Lock()
    queue = list(enumerate(urls))
    checked: set[str] = set()

    def worker() -> None:
        with sync_playwright() as pw:
            browser = engine.launch(pw)
            context = _context(browser)
            try:
                while True:
                    with lock:
                        if not queue:
                            return
                        i, url = queue.pop(0)
                    results[i], _ = _check_one(context, url, url, options, checked)
            finally:
                browser.close()

    threads = [threading.Thread(target=worker) for _ in range(max(1, concurrency))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [
        r if r is not None else engine.PageResult(url=u, error="検査できませんでした。")
        for r, u in zip(results, urls, strict=True)
    ]


def _context(browser: Any) -> Any:
    """The browser context of a worker: its pages are opened one after the other in one tab, as a person
    browses (a new context or tab per page cost a quarter of a second each), with axe-core there from the
    start of every document (sent to the browser once, not once per page)."""
    context = browser.new_context(locale="ja-JP", user_agent=USER_AGENT, ignore_https_errors=False)
    context.add_init_script(engine.axe_with_locale())
    return context


def _tab(context: Any) -> Any:
    if context.pages:
        return context.pages[0]
    page = context.new_page()
    # a page that asks before it is left is left; other dialogs are dismissed, as Playwright does
    page.on("dialog", lambda d: d.accept() if d.type == "beforeunload" else d.dismiss())
    return page


def _check_one(
    context: Any, url: str, start: str, options: CrawlOptions, checked: set[str]
) -> tuple[engine.PageResult, list[str]]:
    page = _tab(context)
    try:
        try:
            response = page.goto(url, wait_until="load", timeout=options.timeout_ms)
        except Exception as exc:
            with contextlib.suppress(Exception):  # a page still loading (or hung) is not navigated on from
                page.close()
            return engine.PageResult(url=url, error=_navigation_error(exc, options.timeout_ms)), []
        # the tab has the keyboard focus again, as a new tab would (the last page's checks may have
        # tabbed out of it, and the keyboard checks read where the focus goes)
        page.bring_to_front()
        status = response.status if response else None
        final = page.url
        if not _same_site(final, start):
            return engine.PageResult(
                url=url, final_url=final, status=status, error="別のサイトへ転送されたため検査していません。"
            ), []
        if status is not None and status >= 400:
            return engine.PageResult(
                url=url, final_url=final, status=status, error=f"HTTP {status} が返りました。"
            ), []
        content_type = (response.headers.get("content-type", "") if response else "").split(";")[0].strip()
        if content_type and content_type not in ("text/html", "application/xhtml+xml"):
            return engine.PageResult(
                url=url, final_url=final, status=status, error=f"HTMLではありません（{content_type}）。"
            ), []
        result = engine.check_loaded_page(page, engine=options.engine, seen=checked)
        result.url, result.final_url, result.status = url, final, status
        hrefs = page.evaluate("() => Array.from(document.querySelectorAll('a[href]'), a => a.href)")
        links = list(dict.fromkeys(urldefrag(urljoin(final, h)).url for h in hrefs if h.startswith("http")))
        return result, links
    except Exception as exc:  # the page crashed the browser tab: recorded, the next page gets a new tab
        with contextlib.suppress(Exception):
            page.close()
        return engine.PageResult(
            url=url, error=f"検査中にページが応答しなくなりました（{type(exc).__name__}）。"
        ), []
    finally:
        for opened in context.pages[1:]:  # windows the page opened
            with contextlib.suppress(Exception):
                opened.close()


def _navigation_error(exc: Exception, timeout_ms: int) -> str:
    text = str(exc)
    if "Timeout" in type(exc).__name__ or "Timeout" in text:
        return f"{timeout_ms // 1000}秒以内に読み込みが終わりませんでした。"
    if "ERR_CERT" in text or "SSL" in text:
        return "TLS（https）の証明書に問題があり、接続できませんでした。"
    if "ERR_NAME_NOT_RESOLVED" in text:
        return "ホスト名が見つかりません。"
    if "ERR_CONNECTION_REFUSED" in text or "ERR_CONNECTION" in text or "ERR_ADDRESS" in text:
        return "サーバーに接続できませんでした。"
    return f"ページを開けませんでした（{text.splitlines()[0][:120]}）。"
