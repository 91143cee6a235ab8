"""`kotodx a11y check` on a local site with known problems: findings with criteria and JIS numbers, our own
Japanese rules, pages that cannot be checked recorded with the reason, exit codes 0/1/2, every format;
`kotodx a11y act` scoring a few ACT rules from the W3C test cases (copied to a temp folder)."""

import functools
import http.server
import json
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ACT = Path(__file__).resolve().parents[1] / "data" / "act"  # tests/data/SOURCES.md
PAGES = {
    "bad.html": """<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>お知らせ</title></head>
<body><main><h1>江 東 区 の お知らせ</h1><p>㈱コトウの説明会 ① です。</p>
<p><a href="youkou.pdf">募集要項</a></p><img src="photo.png">
<p><a href="good.html">問題のないページ</a> <a href="gone.html">消えたページ</a> <a href="notes.txt">メモ</a>
<a href="slow.html">遅いページ</a></p></main></body></html>""",
    "good.html": """<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8">
<title>問題のないページ</title></head><body><main><h1>問題のないページ</h1>
<p>区民農園の利用者を募集します。申し込みは窓口か電子申請で受け付けます。抽選の結果は郵便でお知らせします。</p>
<p>詳しくは <a href="youkou.pdf">募集要項（PDF 350KB）</a> をご覧ください。</p>
</main></body></html>""",
    "notes.txt": "text, not HTML",
}


class Handler(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        if self.path.startswith("/slow"):
            time.sleep(4)
        super().do_GET()

    def log_message(self, *args):
        pass


@pytest.fixture
def site(tmp_path):
    for name, text in PAGES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "slow.html").write_text(PAGES["good.html"], encoding="utf-8")
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=str(tmp_path))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def kotodx(*args, timeout=300):
    return subprocess.run(
        [sys.executable, "-m", "kotodx.cli", "a11y", *args], capture_output=True, text=True, timeout=timeout
    )


def test_a_site_with_known_problems(site):
    r = kotodx(
        "check", f"{site}/bad.html", "--max-pages", "6", "--delay", "0", "--timeout", "2", "--format", "json"
    )
    assert r.returncode == 1, r.stderr
    pages = {p["url"].rsplit("/", 1)[1]: p for p in json.loads(r.stdout)["pages"]}
    rules = {f["rule"]: f for f in pages["bad.html"]["findings"]}
    assert rules["image-alt"]["criteria"] == ["1.1.1"] and rules["image-alt"]["jis"] == ["1.1.1"]
    assert not rules["image-alt"]["review"] and rules["image-alt"]["selector"] == "img"
    assert "「江 東 区」" in rules["kotodx-ja-spaced-words"]["message"]
    assert (
        "㈱" in rules["kotodx-machine-dependent-chars"]["message"]
        and rules["kotodx-machine-dependent-chars"]["review"]
    )
    assert "ファイルの種類と大きさ" in rules["kotodx-file-link-info"]["message"]
    assert pages["good.html"]["violations"] == 0 and pages["good.html"]["findings"] == []
    assert pages["gone.html"]["error"] == "HTTP 404 が返りました。"
    assert "HTMLではありません" in pages["notes.txt"]["error"]
    assert "読み込みが終わりませんでした" in pages["slow.html"]["error"]
    assert "youkou.pdf" not in pages  # files are not crawled as pages
    assert "違反のあるページ 1" in r.stderr  # the summary table


def test_exit_codes_and_formats(site):
    assert kotodx("check", f"{site}/good.html").returncode == 0
    assert kotodx("check", "http://127.0.0.1:9/").returncode == 2  # nothing listens there
    assert kotodx("check", "ftp://example.org/").returncode == 2
    assert kotodx("check", f"{site}/good.html", "--max-pages", "0").returncode == 2
    csv_out = kotodx("check", f"{site}/bad.html", "--format", "csv").stdout
    assert csv_out.startswith("\ufeffURL,HTTP,ルール,WCAG達成基準,JIS X 8341-3") and "image-alt" in csv_out
    earl = json.loads(kotodx("check", f"{site}/bad.html", "--format", "earl").stdout)
    outcomes = {a["test"]["title"]: a["result"]["outcome"] for a in earl["@graph"][0]["assertions"]}
    assert outcomes["image-alt"] == "earl:failed" and outcomes["document-title"] == "earl:passed"
    html = kotodx("check", f"{site}/bad.html", "--format", "html").stdout
    assert html.startswith("<!DOCTYPE html><html lang='ja'>")
    # the findings table: one row per finding (種別, 達成基準, 影響度, 説明, 場所), in Japanese for people,
    # so the image without alt is named by its criterion and described, not by the axe rule id
    rows = [re.findall(r"<td>(.*?)</td>", row, re.S) for row in re.findall(r"<tr><td>.*?</tr>", html, re.S)]
    img = [row for row in rows if row[-1] == "<code>img</code>"]
    assert len(img) == 1 and img[0][:2] == ["違反", "1.1.1"] and "代替テキスト" in img[0][3], rows
    assert "image-alt" not in html


@pytest.fixture
def act_dir(tmp_path):
    """The ACT test cases of three rules (html lang, page title, image name), from tests/data/act."""
    rules = {"b5c3f8", "2779a5", "23a2a8"}
    src = ACT / "content-assets" / "wcag-act-rules"
    dst = tmp_path / "act" / "content-assets" / "wcag-act-rules"
    (dst / "testcases").mkdir(parents=True)
    doc = json.loads((src / "testcases.json").read_text())
    doc["testcases"] = [c for c in doc["testcases"] if c["ruleId"] in rules]
    (dst / "testcases.json").write_text(json.dumps(doc))
    for rule in rules:
        shutil.copytree(src / "testcases" / rule, dst / "testcases" / rule)
    return tmp_path / "act", len(doc["testcases"])


def test_act_scoring_axe_and_full(act_dir):
    folder, n = act_dir
    axe = json.loads(kotodx("act", str(folder), "--engine", "axe", "--format", "json").stdout)
    assert set(axe["rules"]) == {"b5c3f8", "2779a5", "23a2a8"}
    assert sum(len(r["cases"]) for r in axe["rules"].values()) == n
    for rule in axe["rules"].values():
        assert rule["outcome"] in ("consistent", "partial", "inconsistent", "untested")
        assert all(c["outcome"] in ("failed", "passed", "cantTell", "untested") for c in rule["cases"])
    assert axe["rules"]["2779a5"]["outcome"] == "consistent"
    assert axe["summary"]["all"]["rules"] == 3
    full = json.loads(kotodx("act", str(folder), "--format", "json").stdout)
    # our checker never loses a rule axe-core gets right
    for rule_id, rule in axe["rules"].items():
        if rule["outcome"] == "consistent":
            assert full["rules"][rule_id]["outcome"] == "consistent", rule_id
    text = kotodx("act", str(folder), "--engine", "axe").stdout
    assert "2779a5  consistent" in text and "all: 3 rules" in text
    earl = json.loads(kotodx("act", str(folder), "--engine", "axe", "--format", "earl").stdout)
    assert earl["@graph"] and earl["@graph"][0]["assertions"][0]["result"]["outcome"].startswith("earl:")


def test_act_on_a_folder_without_test_cases(tmp_path):
    r = kotodx("act", str(tmp_path))
    assert r.returncode == 2 and "testcases.json" in r.stderr


def test_a_list_of_pages_checked_two_at_a_time(site):
    from kotodx.a11y import crawler

    urls = [f"{site}/bad.html", f"{site}/good.html", f"{site}/gone.html"]
    results = crawler.check_urls(urls, crawler.CrawlOptions(timeout_ms=5000), concurrency=2)
    assert [r.url for r in results] == urls
    assert results[0].violations and not results[1].findings and results[2].error == "HTTP 404 が返りました。"


def test_pages_checked_one_after_another_in_one_tab(site, tmp_path):
    """A worker checks its pages in one tab with axe-core given once as an init script: a page with an
    `axe` of its own still gets the real one, a page that opens a window and asks before it is left does
    not hold the tab, and the page after them is checked as it is on its own."""
    from kotodx.a11y import crawler

    head = '<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>{}</title>'
    (tmp_path / "own-axe.html").write_text(
        head.format("自前のaxe")
        + "<script>window.axe = {run: () => Promise.resolve({violations: [], incomplete: [], passes: []})};"
        + '</script></head><body><main><h1>見出し</h1><img src="photo.png"></main></body></html>',
        encoding="utf-8",
    )
    (tmp_path / "leave.html").write_text(
        head.format("離れる前に確認")
        + "<script>addEventListener('beforeunload', (e) => { e.preventDefault(); e.returnValue = ''; });"
        + "window.open('good.html');</script></head><body><main><h1>確認</h1></main></body></html>",
        encoding="utf-8",
    )
    options = crawler.CrawlOptions(timeout_ms=5000)
    urls = [f"{site}/own-axe.html", f"{site}/leave.html", f"{site}/bad.html"]
    own_axe, leave, bad = crawler.check_urls(urls, options, concurrency=1)
    assert "image-alt" in {f.rule for f in own_axe.violations}  # the page's fake axe was not used
    assert not leave.error and leave.title == "離れる前に確認"
    alone = crawler.check_urls([f"{site}/bad.html"], options, concurrency=1)[0]
    assert not bad.error and bad.title == "お知らせ"
    assert sorted(f.rule for f in bad.findings) == sorted(f.rule for f in alone.findings)
