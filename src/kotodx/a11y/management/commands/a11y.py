"""``kotodx a11y``: the accessibility checker on the console.

``kotodx a11y check URL [--max-pages N] [--format json|csv|earl|html]`` checks a page, or a site from that
page (same site, robots.txt honoured), and prints a summary table (on stderr when a document goes to
stdout). Exit code 0: no violations; 1: violations; 2: an error (nothing could be checked).

``kotodx a11y act DIR [--engine axe|full] [--format text|json|earl]`` serves the ACT test-case folder DIR
on loopback, runs the checker (or axe-core alone) over every case and scores each ACT rule the way W3C
scores implementations: consistent / partial / inconsistent / untested.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

EXIT_ERROR = 2


def _integer(value: str | None, option: str) -> int | None:
    from kotodx.a11y.sampling import SamplingError

    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise SamplingError(
            f"{option} には整数を指定してください（「{value}」は整数ではありません）。"
        ) from None


class Command(BaseCommand):
    help = "ウェブアクセシビリティ検査: ページやサイトの検査（check）、ACT テストケースでの採点（act）"
    requires_system_checks: list[str] = []  # needs no database

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{check,act}")
        check = sub.add_parser("check", help="URL のページ（とそこから辿れる同じサイトのページ）を検査する")
        check.add_argument("url", help="検査するページのURL（http:// または https://）")
        check.add_argument("--max-pages", type=int, default=1, help="検査するページ数の上限（既定: 1）")
        check.add_argument("--max-depth", type=int, default=3, help="リンクを辿る深さの上限（既定: 3）")
        check.add_argument("--delay", type=float, default=0.5, help="ページ間の待ち時間（秒、既定: 0.5）")
        check.add_argument("--timeout", type=int, default=20, help="1ページの読み込みの待ち時間（秒）")
        check.add_argument("--engine", choices=["axe", "full"], default="full")
        check.add_argument("--format", choices=["text", "json", "csv", "earl", "html"], default="text")
        check.add_argument(
            "--sample",
            default="all",
            metavar="{all,random,representative,representative+random}",
            help="ページ選択の方法（JIS X 8341-3:2016 附属書JB）: 全て（--max-pages まで）・ランダム・"
            "代表ページ・代表ページ＋ランダム（既定: all）",
        )
        check.add_argument(
            "--sample-size", default=None, metavar="N", help="ランダム選択で選ぶページ数（合計、既定: 40）"
        )
        check.add_argument(
            "--seed", default=None, metavar="N", help="ランダム選択の乱数の種（省略すると自動、表示します）"
        )
        check.add_argument(
            "--representative", action="append", default=[], metavar="URL", help="代表ページのURL（複数可）"
        )
        act = sub.add_parser("act", help="W3C ACT ルールのテストケースで検査エンジンを採点する")
        act.add_argument("dir", help="content-assets/wcag-act-rules/testcases.json を含むフォルダ")
        act.add_argument("--engine", choices=["axe", "full"], default="full")
        act.add_argument("--format", choices=["text", "json", "earl"], default="text")
        act.add_argument("--rule", action="append", default=[], help="このACTルールだけ（複数可）")

    @property
    def subcommands(self) -> dict[str, Callable[..., None]]:
        return {"check": self.check_site, "act": self.act_score}

    def handle(self, *args: Any, **options: Any) -> None:
        self.subcommands[options["subcommand"]](**options)

    def check_site(
        self,
        *,
        url: str,
        max_pages: int,
        max_depth: int,
        delay: float,
        timeout: int,
        engine: str,
        format: str,  # noqa: A002
        sample: str,
        sample_size: str | None,
        seed: str | None,
        representative: list[str],
        **_: Any,
    ) -> None:
        from kotodx.a11y import crawler, report, sampling

        if max_pages < 1 or max_depth < 0 or timeout < 1 or delay < 0:
            self.stderr.write(
                "--max-pages と --timeout は1以上、--max-depth と --delay は0以上にしてください。"
            )
            sys.exit(EXIT_ERROR)
        try:
            chosen = sampling.validate(
                start=url,
                method=sample,
                size=_integer(sample_size, "--sample-size"),
                seed=_integer(seed, "--seed"),
                representative=representative,
            )
        except sampling.SamplingError as exc:
            self.stderr.write(str(exc))
            sys.exit(EXIT_ERROR)
        options = crawler.CrawlOptions(
            max_pages=max_pages, max_depth=max_depth, delay=delay, timeout_ms=timeout * 1000, engine=engine
        )
        notes: list[str] = []
        try:
            if chosen.method == sampling.ALL:
                results = list(crawler.crawl(url, options, notes=notes))
            else:
                sampling.choose(chosen, url, delay=delay, notes=notes)
                results = list(crawler.check_pages(chosen.urls, url, options))
        except Exception as exc:  # the browser could not start, for one
            self.stderr.write(f"検査を実行できませんでした: {exc}")
            sys.exit(EXIT_ERROR)
        selection = sampling.describe(
            chosen.method,
            start=url,
            max_pages=max_pages,
            size=len(results),
            seed=chosen.seed,
            representative=len(chosen.representative),
            population=chosen.population,
        )
        self.stderr.write(f"ページ選択方法: {selection}")
        for note in notes:
            self.stderr.write(f"注記: {note}")
        table = report.summary_table(results)
        if format == "text":
            self.stdout.write(table, ending="")
        else:
            self.stdout.write(report.FORMATS[format](results))
            self.stderr.write(table, ending="")
        if all(r.error for r in results):
            sys.exit(EXIT_ERROR)
        if any(r.violations for r in results):
            sys.exit(1)

    def act_score(self, *, dir: str, engine: str, format: str, rule: list[str], **_: Any) -> None:  # noqa: A002
        from kotodx.a11y import act

        folder = Path(dir)
        try:
            result = act.run(folder, engine=engine, rule_filter=set(rule) or None)
        except FileNotFoundError as exc:
            self.stderr.write(str(exc))
            sys.exit(EXIT_ERROR)
        if format == "json":
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=1))
        elif format == "earl":
            self.stdout.write(json.dumps(act.earl(result, engine=engine), ensure_ascii=False, indent=1))
        else:
            for rule_id, r in sorted(result["rules"].items(), key=lambda kv: (not kv[1]["approved"], kv[0])):
                mark = "承認済み" if r["approved"] else "提案中"
                self.stdout.write(f"{rule_id}  {r['outcome']:<12} {mark:<5} {r['name']}")
            for scope, s in result["summary"].items():
                self.stdout.write(
                    f"{scope}: {s['rules']} rules — consistent {s['consistent']}, partial {s['partial']}, "
                    f"inconsistent {s['inconsistent']}, untested {s['untested']}"
                )
