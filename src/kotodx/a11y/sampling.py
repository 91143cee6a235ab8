"""Choosing the pages to test, as JIS X 8341-3:2016 附属書JB describes it (and WAIC's 試験実施ガイドライン
explains): every page of the site, a random sample, the representative pages staff name, or the
representative pages plus a random sample of the rest. WAIC recommends 40 pages in total for a site too
large to test whole.

A random sample is drawn from the site's pages as a plain HTTP crawl finds them (the sitemap, then links;
same site, robots.txt honoured, no browser), sorted, with a seed that is recorded: the same seed on the
same site chooses the same pages again."""

from __future__ import annotations

import contextlib
import random
import secrets
import time
import urllib.error
import urllib.request
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

from kotodx.a11y import crawler

ALL, RANDOM, REPRESENTATIVE, REPRESENTATIVE_RANDOM = (
    "all",
    "random",
    "representative",
    "representative+random",
)
METHODS = {
    ALL: "全てのウェブページ",
    RANDOM: "ランダムに選択したウェブページ",
    REPRESENTATIVE: "代表的なウェブページ",
    REPRESENTATIVE_RANDOM: "代表的なウェブページとランダムに選択したウェブページ",
}
DEFAULT_SIZE = 40  # WAIC: 40 pages in total
MAX_SIZE = 500
DISCOVERY_LIMIT = 2000  # pages fetched to find the site's pages for a random sample
FETCH_TIMEOUT = 15
MAX_HTML_BYTES = 5 * 1024 * 1024
MAX_SEED = 2**63 - 1


class SamplingError(ValueError):
    """A choice that cannot be made; the message is Japanese and names the option."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


@dataclass
class Sample:
    method: str
    size: int = DEFAULT_SIZE
    seed: int | None = None
    representative: list[str] = field(default_factory=list)
    population: int | None = None  # how many pages the random sample was drawn from
    urls: list[str] = field(default_factory=list)


def validate(
    *,
    start: str,
    method: str,
    size: int | None = None,
    seed: int | None = None,
    representative: list[str] | None = None,
) -> Sample:
    """The choice checked and completed (a seed drawn when a random method has none). SamplingError with
    a Japanese message for a bad value."""
    if method not in METHODS:
        names = "、".join(METHODS)
        raise SamplingError(
            f"ページ選択の方法「{method}」はありません（{names} のどれか）。", "sample_method"
        )
    reps = [u.strip() for u in (representative or []) if u and u.strip()]
    random_method = method in (RANDOM, REPRESENTATIVE_RANDOM)
    rep_method = method in (REPRESENTATIVE, REPRESENTATIVE_RANDOM)
    if reps and not rep_method:
        raise SamplingError(
            "代表ページは、ページ選択が「代表的なウェブページ」を含むときだけ指定できます。", "representative"
        )
    if rep_method and not reps:
        raise SamplingError("代表ページのURLを1つ以上指定してください。", "representative")
    for url in reps:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise SamplingError(
                f"代表ページ「{url}」は http:// か https:// で始まるURLにしてください。", "representative"
            )
        if (parts.scheme, parts.netloc) != (urlsplit(start).scheme, urlsplit(start).netloc):
            raise SamplingError(
                f"代表ページ「{url}」は検査するサイト（{start}）と同じサイトのURLにしてください。",
                "representative",
            )
    reps = list(dict.fromkeys(urldefrag(u).url for u in reps))
    if seed is not None and not random_method:
        raise SamplingError("乱数の種は、ページ選択がランダムを含むときだけ指定できます。", "seed")
    if seed is not None and not 0 <= seed <= MAX_SEED:
        raise SamplingError(f"乱数の種は0〜{MAX_SEED}の整数にしてください。", "seed")
    if size is None:
        size = DEFAULT_SIZE
    if random_method and not 1 <= size <= MAX_SIZE:
        raise SamplingError(f"ページ数は1〜{MAX_SIZE}にしてください。", "sample_size")
    if method == REPRESENTATIVE_RANDOM and size <= len(reps):
        raise SamplingError(
            f"ページ数（合計 {size}）は代表ページの数（{len(reps)}）より多くしてください"
            "（残りをランダムに選びます）。",
            "sample_size",
        )
    if random_method and seed is None:
        seed = secrets.randbelow(2**31)
    if method == REPRESENTATIVE:
        size = len(reps)
    return Sample(method=method, size=size, seed=seed, representative=reps)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def _page_links(url: str) -> tuple[bool, list[str]]:
    """(is an HTML page, its links) by a plain GET."""
    if urlsplit(url).scheme not in ("http", "https"):
        return False, []
    request = urllib.request.Request(url, headers={"User-Agent": crawler.USER_AGENT})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT) as response:  # noqa: S310
            final = response.geturl()
            ctype = response.headers.get_content_type()
            if ctype not in ("text/html", "application/xhtml+xml") or not crawler._same_site(final, url):
                return False, []
            body = response.read(MAX_HTML_BYTES)
            charset = response.headers.get_content_charset() or "utf-8"
    except (OSError, ValueError, urllib.error.HTTPError):
        return False, []
    parser = _Links()
    with contextlib.suppress(Exception):  # a page the parser gives up on: its links so far
        parser.feed(body.decode(charset, errors="replace"))
    return True, [urldefrag(urljoin(final, h)).url for h in parser.hrefs]


def discover(
    start: str,
    *,
    max_depth: int = 10,
    delay: float = 0.0,
    limit: int = DISCOVERY_LIMIT,
    notes: list[str] | None = None,
) -> list[str]:
    """The site's HTML pages (sorted): the sitemap's pages and the pages reached by links from the start
    page, same site, allowed by robots.txt, up to ``limit`` pages."""
    notes = notes if notes is not None else []
    robots = crawler._robots(start)
    start = urldefrag(start).url
    queue: deque[tuple[str, int]] = deque([(start, 0)])
    seen = {start}
    for url in crawler.sitemap_urls(start, robots, notes):
        if url not in seen:
            seen.add(url)
            queue.append((url, 0))
    pages: list[str] = []
    fetched = 0
    while queue and fetched < limit:
        url, depth = queue.popleft()
        if robots is not None and not robots.can_fetch(crawler.USER_AGENT, url):
            continue
        if fetched and delay:
            time.sleep(delay)
        fetched += 1
        is_page, links = _page_links(url)
        if not is_page:
            continue
        pages.append(url)
        if depth >= max_depth:
            continue
        for link in links:
            if (
                link not in seen
                and urlsplit(link).scheme in ("http", "https")
                and crawler._same_site(link, start)
                and not link.lower().endswith(crawler.SKIP_EXTENSIONS)
            ):
                seen.add(link)
                queue.append((link, depth + 1))
    if queue:
        notes.append(
            f"サイトのページが {limit} ページを超えるため、最初に見つかった {limit} ページから選びました。"
        )
    return sorted(set(pages))


def choose(sample: Sample, start: str, *, delay: float = 0.0, notes: list[str] | None = None) -> Sample:
    """Fill in sample.urls (and population) for a method other than ALL: representative pages first, then
    the random ones in the order drawn."""
    if sample.method == ALL:
        raise ValueError("全てのページは crawler.crawl でたどります")
    urls = list(sample.representative)
    if sample.method in (RANDOM, REPRESENTATIVE_RANDOM):
        population = [u for u in discover(start, delay=delay, notes=notes) if u not in set(urls)]
        sample.population = len(population) + len(urls)
        wanted = sample.size - len(urls)
        if wanted > len(population) and notes is not None:
            notes.append(f"サイトのページが {len(population)} ページしかないため、全てを選びました。")
        urls += random.Random(sample.seed).sample(population, min(wanted, len(population)))
    sample.urls = urls
    return sample


def describe(
    method: str,
    *,
    start: str,
    max_pages: int,
    size: int | None = None,
    seed: int | None = None,
    representative: int = 0,
    population: int | None = None,
) -> str:
    """The ページ選択方法 line of the test report, in the words of 附属書JB."""
    of = f"（対象のウェブページ {population} ページから）" if population else ""
    if method == RANDOM:
        return f"ランダムに選択したウェブページ {size} ページ{of}。乱数の種 {seed}"
    if method == REPRESENTATIVE:
        return f"代表的なウェブページ {representative} ページ（担当職員が選んだページ）"
    if method == REPRESENTATIVE_RANDOM:
        rest = (size or 0) - representative
        return (
            f"代表的なウェブページ {representative} ページと、ランダムに選択したウェブページ {rest} ページ"
            f"{of}、合計 {size} ページ。乱数の種 {seed}"
        )
    return (
        f"全てのウェブページ（{start} から sitemap とリンクをたどって到達したページ、"
        f"最大 {max_pages} ページ）"
    )
