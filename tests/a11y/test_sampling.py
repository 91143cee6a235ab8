"""Page selection per JIS X 8341-3:2016 附属書JB: all pages, random (reproducible with its recorded seed),
representative pages, representative + random (40 in total unless told); bad choices refused in Japanese;
the choice kept with a scan, on the staff form and in the report's ページ選択方法, and on the console."""

import functools
import http.server
import json
import subprocess
import sys
import threading

import pytest
from django.core.exceptions import ValidationError

from kotodx.a11y import sampling, services, waic
from kotodx.a11y.models import Scan
from tests.conftest import client_for

N_PAGES = 60
PAGE = """<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>{t}</title></head>
<body><main><h1>{t}</h1>{links}</main></body></html>"""


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def site(tmp_path):
    """A site of 61 pages: a top page linking ten section pages, each linking to five pages of its own, and
    a page robots.txt refuses."""
    links = "".join(f'<p><a href="s{i}.html">分野{i}</a></p>' for i in range(10))
    (tmp_path / "index.html").write_text(PAGE.format(t="トップ", links=links), encoding="utf-8")
    for i in range(10):
        sub = "".join(f'<p><a href="p{i}-{j}.html">記事{i}-{j}</a></p>' for j in range(5))
        (tmp_path / f"s{i}.html").write_text(PAGE.format(t=f"分野{i}", links=sub), encoding="utf-8")
        for j in range(5):
            body = '<p><a href="secret.html">内部</a> <a href="file.pdf">資料</a></p>'
            (tmp_path / f"p{i}-{j}.html").write_text(
                PAGE.format(t=f"記事{i}-{j}", links=body), encoding="utf-8"
            )
    (tmp_path / "secret.html").write_text(PAGE.format(t="内部", links=""), encoding="utf-8")
    (tmp_path / "robots.txt").write_text("User-agent: *\nDisallow: /secret.html\n", encoding="utf-8")
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(tmp_path))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


START = "https://www.city.koto.lg.jp/"


@pytest.mark.parametrize(
    ("kwargs", "field", "words"),
    [
        ({"method": "sometimes"}, "sample_method", "ページ選択の方法「sometimes」はありません"),
        ({"method": "representative"}, "representative", "代表ページのURLを1つ以上"),
        (
            {"method": "random", "representative": [START]},
            "representative",
            "代表的なウェブページ」を含むとき",
        ),
        (
            {"method": "representative", "representative": ["https://example.org/"]},
            "representative",
            "同じサイトのURL",
        ),
        (
            {"method": "representative", "representative": ["javascript:alert(1)"]},
            "representative",
            "http://",
        ),
        ({"method": "all", "seed": 3}, "seed", "ランダムを含むときだけ"),
        ({"method": "random", "seed": -1}, "seed", "乱数の種は0〜"),
        ({"method": "random", "size": 0}, "sample_size", "ページ数は1〜500"),
        ({"method": "random", "size": 501}, "sample_size", "ページ数は1〜500"),
        (
            {"method": "representative+random", "representative": [START, START + "a"], "size": 2},
            "sample_size",
            "代表ページの数（2）より多く",
        ),
    ],
)
def test_bad_choices_are_refused_in_japanese(kwargs, field, words):
    with pytest.raises(sampling.SamplingError) as exc:
        sampling.validate(start=START, **kwargs)
    assert exc.value.field == field and words in str(exc.value)


def test_defaults_and_a_seed_drawn_when_none_given():
    s = sampling.validate(start=START, method="random")
    assert s.size == 40 and isinstance(s.seed, int)
    assert sampling.validate(start=START, method="all").seed is None
    rep = sampling.validate(
        start=START, method="representative", representative=[START, START + "#x", START + "b"]
    )
    assert rep.representative == [START, START + "b"] and rep.size == 2


def test_random_sample_is_reproducible_with_its_seed(site):
    notes = []
    pages = sampling.discover(site + "/index.html", notes=notes)
    assert len(pages) == 1 + 10 + 50 and not any("secret" in p or p.endswith(".pdf") for p in pages)
    chosen = sampling.choose(
        sampling.validate(start=site + "/", method="random", seed=2026), site + "/index.html"
    )
    again = sampling.choose(
        sampling.validate(start=site + "/", method="random", seed=2026), site + "/index.html"
    )
    other = sampling.choose(
        sampling.validate(start=site + "/", method="random", seed=7), site + "/index.html"
    )
    assert len(chosen.urls) == 40 == len(set(chosen.urls)) and chosen.population == 61
    assert chosen.urls == again.urls and chosen.urls != other.urls
    assert set(chosen.urls) <= set(pages)


def test_representative_and_random(site):
    reps = [site + "/index.html", site + "/s3.html"]
    s = sampling.choose(
        sampling.validate(
            start=site + "/", method="representative+random", size=10, seed=1, representative=reps
        ),
        site + "/index.html",
    )
    assert s.urls[:2] == reps and len(s.urls) == 10 == len(set(s.urls)) and s.population == 61
    only = sampling.choose(
        sampling.validate(start=site + "/", method="representative", representative=reps), site + "/"
    )
    assert only.urls == reps and only.population is None


def test_a_site_smaller_than_the_sample_gives_all_its_pages(site):
    notes = []
    s = sampling.choose(
        sampling.validate(start=site + "/s0.html", method="random", size=40, seed=1),
        site + "/s0.html",
        notes=notes,
    )
    # s0 links only to its five pages; the sitemap is absent: six pages
    assert sorted(s.urls) == sorted([site + "/s0.html"] + [f"{site}/p0-{j}.html" for j in range(5)])
    assert any("全てを選びました" in n for n in notes)


def test_report_wording():
    assert sampling.describe("random", start=START, max_pages=50, size=40, seed=12, population=300) == (
        "ランダムに選択したウェブページ 40 ページ（対象のウェブページ 300 ページから）。乱数の種 12"
    )
    text = sampling.describe(
        "representative+random", start=START, max_pages=50, size=40, seed=5, representative=10, population=300
    )
    assert text.startswith("代表的なウェブページ 10 ページと、ランダムに選択したウェブページ 30 ページ")
    assert sampling.describe("all", start=START, max_pages=50).startswith("全てのウェブページ")


def test_the_scan_keeps_the_choice_and_the_form_refuses_bad_values(personas):
    scan = services.scan_start(
        start_url=START,
        max_pages=50,
        actor=personas.it_officer,
        sample_method="representative+random",
        sample_size=40,
        representative=[START, START + "kurashi/"],
    )
    assert (scan.sample_method, scan.sample_size, scan.representative_urls) == (
        "representative+random",
        40,
        [START, START + "kurashi/"],
    )
    assert scan.sample_seed is not None  # drawn and kept before the job runs
    with pytest.raises(ValidationError) as exc:
        services.scan_start(
            start_url=START, max_pages=5, actor=personas.it_officer, sample_method="random", seed=-5
        )
    assert "乱数の種" in str(exc.value.message_dict["seed"])
    client = client_for(personas.it_officer)
    page = client.get("/staff/a11y/").content.decode()
    assert (
        "ページ選択の方法（JIS X 8341-3:2016 附属書JB）" in page
        and "代表的なウェブページとランダムに選択" in page
    )
    r = client.post(
        "/staff/a11y/",
        {
            "start_url": START,
            "max_pages": 20,
            "sample_method": "representative",
            "representative": "https://example.org/",
        },
    )
    assert r.status_code == 400 and "同じサイトのURL" in r.content.decode()
    r = client.post(
        "/staff/a11y/",
        {
            "start_url": START,
            "max_pages": 20,
            "sample_method": "random",
            "sample_size": 30,
            "seed": 99,
            "title": "無作為",
        },
    )
    assert r.status_code == 302
    made = Scan.objects.get(title="無作為")
    assert (made.sample_method, made.sample_size, made.sample_seed) == ("random", 30, 99)
    made.population = 1200
    made.save()
    assert (
        waic.report(made)["selection"]
        == "ランダムに選択したウェブページ 30 ページ（対象のウェブページ 1200 ページから）。乱数の種 99"
    )


@pytest.mark.browser
def test_a_sampled_scan_job_and_its_report(personas, site, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        scan = services.scan_start(
            start_url=site + "/index.html",
            max_pages=50,
            title="抜き取り",
            actor=personas.it_officer,
            sample_method="representative+random",
            sample_size=4,
            seed=11,
            representative=[site + "/index.html"],
        )
    scan.refresh_from_db()
    assert scan.status == "done", scan.error
    urls = list(scan.pages.values_list("url", flat=True))
    assert len(urls) == 4 and urls[0] == site + "/index.html" and scan.population == 61
    expected = sampling.choose(
        sampling.validate(
            start=site + "/",
            method="representative+random",
            size=4,
            seed=11,
            representative=[site + "/index.html"],
        ),
        site + "/index.html",
    )
    assert urls == expected.urls  # the same seed chooses the same pages again
    client = client_for(personas.it_officer)
    report = client.get(f"/staff/a11y/scans/{scan.pk}/report/").content.decode()
    assert (
        "ページ選択方法" in report
        and "ランダムに選択したウェブページ 3 ページ（対象のウェブページ 61 ページから）" in report
    )
    assert "乱数の種 11" in report


def kotodx(*args):
    return subprocess.run(
        [sys.executable, "-m", "kotodx.cli", "a11y", *args], capture_output=True, text=True, timeout=300
    )


@pytest.mark.browser
def test_console_sampling(site):
    args = ["check", site + "/index.html", "--delay", "0", "--format", "json"]
    r = kotodx(*args, "--sample", "random", "--sample-size", "3", "--seed", "5")
    assert r.returncode in (0, 1), r.stderr
    urls = [p["url"] for p in json.loads(r.stdout)["pages"]]
    assert len(urls) == 3
    assert (
        "ページ選択方法: ランダムに選択したウェブページ 3 ページ（対象のウェブページ 61 ページから）。"
        "乱数の種 5" in r.stderr
    )
    again = kotodx(*args, "--sample", "random", "--sample-size", "3", "--seed", "5")
    assert [p["url"] for p in json.loads(again.stdout)["pages"]] == urls
    r = kotodx(
        *args,
        "--sample",
        "representative",
        "--representative",
        site + "/s1.html",
        "--representative",
        site + "/s2.html",
    )
    assert [p["url"] for p in json.loads(r.stdout)["pages"]] == [site + "/s1.html", site + "/s2.html"]
    assert "代表的なウェブページ 2 ページ" in r.stderr
    for bad, words in (
        (["--sample", "half"], "ページ選択の方法「half」はありません"),
        (["--sample", "random", "--seed", "abc"], "--seed には整数を指定してください"),
        (["--sample", "random", "--sample-size", "0"], "ページ数は1〜500"),
        (["--sample", "representative"], "代表ページのURLを1つ以上"),
    ):
        r = kotodx(*args, *bad)
        assert r.returncode == 2 and words in r.stderr, (bad, r.stderr)
