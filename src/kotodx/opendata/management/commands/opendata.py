"""``kotodx opendata``: the open data catalog's checks on the console.

``kotodx opendata validate FILE [--schema NAME] [--json]`` prints the report the catalog shows for an
upload (encoding, schema, rows, problems by row and column) and exits 0 when the file is valid, 1 when
it has errors, 2 when it cannot be read at all (missing, empty, binary, undecodable, too large).
``kotodx opendata schemas`` lists the shipped Table Schemas (name and Japanese title).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kotodx.opendata import validation


class Command(BaseCommand):
    help = "オープンデータのCSVを検証します（validate）。使えるスキーマを一覧します（schemas）。"
    requires_system_checks: list[str] = []  # reads files only: no database, no checks needed

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{validate,schemas}")
        check = sub.add_parser(
            "validate", help="CSVファイルを検証する（終了コード 0: 適合、1: エラーあり、2: 読めない）"
        )
        check.add_argument("file", help="CSVファイルのパス")
        check.add_argument(
            "--schema",
            choices=[name for name, _ in validation.schema_names()],
            help="使うスキーマ（省略すると列名から判定）",
        )
        check.add_argument("--json", action="store_true", help="結果をJSONで出力する")
        listing = sub.add_parser("schemas", help="使えるスキーマを一覧する")
        listing.add_argument("--json", action="store_true", help="JSONで出力する")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "schemas":
            self._schemas(as_json=options["json"])
        else:
            self._validate(options["file"], schema=options["schema"], as_json=options["json"])

    def _schemas(self, *, as_json: bool) -> None:
        names = validation.schema_names()
        if as_json:
            self.stdout.write(json.dumps([{"name": n, "title": t} for n, t in names], ensure_ascii=False))
            return
        width = max(len(n) for n, _ in names)
        for name, title in names:
            self.stdout.write(f"{name.ljust(width)}  {title}")

    def _validate(self, file: str, *, schema: str | None, as_json: bool) -> None:
        path = Path(file)
        try:
            if not path.exists():
                raise validation.FileProblem("ファイルがありません。")
            if not path.is_file():
                raise validation.FileProblem("ファイルではありません（フォルダなど）。")
            validation.check_size(path.stat().st_size)  # before reading a huge file into memory
            report = validation.validate_csv(path.read_bytes(), schema=schema)
        except validation.FileProblem as exc:
            self._unreadable(file, str(exc), as_json=as_json)
        except OSError as exc:
            self._unreadable(file, f"ファイルを読めません（{exc.strerror or exc}）。", as_json=as_json)
        if as_json:
            self.stdout.write(json.dumps({"file": file, **report.to_dict()}, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(f"ファイル: {file}")
            self.stdout.write(validation.format_report(report))
        if not report.valid:
            raise CommandError(f"{file}: エラーが{len(report.errors)}件あります。")

    def _unreadable(self, file: str, message: str, *, as_json: bool) -> None:
        if as_json:
            self.stdout.write(
                json.dumps({"file": file, "readable": False, "message": message}, ensure_ascii=False)
            )
        self.stderr.write(f"{file}: 読み込めません: {message}")
        sys.exit(2)
