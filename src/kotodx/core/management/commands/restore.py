"""``kotodx restore FILE --yes``: put a backup back (the current data is replaced) and check it against
the backup's manifest: every table's row count and every file's SHA-256. Exit 1 on any difference."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kotodx.core import backup


class Command(BaseCommand):
    help = "バックアップを戻します（いまのデータは置き換わります）。戻した結果を目録と照合します。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--yes", action="store_true", help="いまのデータを置き換えてよい（必須）")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["yes"]:
            raise CommandError("いまのデータが置き換わります。よければ --yes を付けてください。")
        try:
            report = backup.restore(Path(options["file"]))
        except backup.BackupProblem as exc:
            raise CommandError(str(exc)) from exc
        tables, files = report["manifest"]["tables"], report["manifest"]["media"]
        if report["tables"] or report["media"]:
            for table, (want, got) in report["tables"].items():
                self.stderr.write(f"表 {table}: バックアップ {want} 行、戻した後 {got} 行")
            for name in report["media"]:
                self.stderr.write(f"ファイル {name} が一致しません")
            sys.exit(1)
        self.stdout.write(
            f"戻しました: 表 {len(tables)}（{sum(tables.values())} 行）、ファイル {len(files)} 件。"
            "照合で違いはありません。"
        )
