"""``kotodx governance``: ICT governance on the console.

``kotodx governance pia --persons N --handlers H [--incident]`` prints the threshold assessment as
``none``, ``basic``, ``basic+focused`` or ``basic+full`` followed by its Japanese name.
``kotodx governance export [--format xlsx|csv] -o FILE`` writes the 情報システム台帳.
``kotodx governance import FILE --as LOGIN [--only-clean]`` checks a spreadsheet row by row and imports it
with the rights of that member of staff; exit 1 when rows have problems and nothing was written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from kotodx.governance import pia


def count(name: str) -> Any:
    def parse(text: str) -> int:
        try:
            n = int(text.replace(",", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name}「{text}」は整数ではありません。") from None
        if n < 0:
            raise argparse.ArgumentTypeError(f"{name}は0以上で指定してください（{text}）。")
        return n

    return parse


class Command(BaseCommand):
    help = (
        "ICTガバナンス: 特定個人情報保護評価のしきい値判断（pia）、情報システム台帳の入出力（export, import）"
    )

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{pia,export,import}")
        p = sub.add_parser(
            "pia", help="しきい値判断の結果（none / basic / basic+focused / basic+full）を出力する"
        )
        p.add_argument(
            "--persons", type=count("対象人数"), required=True, help="特定個人情報ファイルの対象人数"
        )
        p.add_argument("--handlers", type=count("取扱者数"), required=True, help="取扱者数（委託先を含む）")
        p.add_argument("--incident", action="store_true", help="過去1年以内に重大事故があった")
        e = sub.add_parser("export", help="情報システム台帳をXLSXかCSVで書き出す")
        e.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
        e.add_argument("-o", "--output", required=True, help="出力ファイル（- で標準出力）")
        i = sub.add_parser("import", help="XLSX・CSVの台帳を行ごとに確認して取り込む")
        i.add_argument("file")
        i.add_argument(
            "--as", dest="username", required=True, help="取り込む職員のログインID（その権限で取り込む）"
        )
        i.add_argument("--only-clean", action="store_true", help="問題のある行を飛ばし、正しい行だけ取り込む")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"do_{options['subcommand']}")(**options)

    def do_pia(self, *, persons: int, handlers: int, incident: bool, **_: Any) -> None:
        code = pia.level(persons, handlers, incident)
        self.stdout.write(f"{code} {pia.NAMES[code]}")

    def do_export(self, *, format: str, output: str, **_: Any) -> None:
        from kotodx.governance import spreadsheet
        from kotodx.governance.models import System

        systems = System.objects.select_related("department", "guideline")
        data = spreadsheet.export_xlsx(systems) if format == "xlsx" else spreadsheet.export_csv(systems)
        if output == "-":
            sys.stdout.buffer.write(data)
        else:
            Path(output).write_bytes(data)
            self.stderr.write(f"{systems.count()} 件を {output} に書き出しました。")

    def do_import(self, *, file: str, username: str, only_clean: bool, **_: Any) -> None:
        from kotodx.core.models import User
        from kotodx.governance import spreadsheet
        from kotodx.opendata.validation import FileProblem

        actor = User.objects.filter(username=username, is_active=True).first()
        if actor is None:
            raise CommandError(f"職員「{username}」は登録されていません。")
        try:
            data = Path(file).read_bytes()
        except OSError as exc:
            raise CommandError(f"ファイルを読めません: {exc.strerror}") from exc
        try:
            plan = spreadsheet.plan_import(file, data, actor=actor)
        except FileProblem as exc:
            raise CommandError(str(exc)) from exc
        for p in plan.problems:
            self.stderr.write(f"{p.row}行目 {p.column}: {p.message}")
        if plan.problems and not only_clean:
            self.stderr.write(
                f"問題のある行が {plan.bad_rows} 行あるため、取り込みませんでした"
                "（--only-clean で正しい行だけ取り込めます）。"
            )
            sys.exit(1)
        try:
            n = spreadsheet.apply_import(plan, actor=actor, only_clean=only_clean)
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError(" ".join(getattr(exc, "messages", [str(exc)]))) from exc
        self.stdout.write(f"{n} 件を取り込みました（新規 {plan.new}・更新 {plan.updated}）。")
