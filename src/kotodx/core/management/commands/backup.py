"""``kotodx backup [-o DIR]``: the database and uploaded files as one .tar.gz with a manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kotodx.core import backup


class Command(BaseCommand):
    help = "データベースとアップロードされたファイルを1つのファイル（.tar.gz）にバックアップします。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "-o", "--output", default="", help="出力先のフォルダ（既定: $KOTODX_DATA_DIR/backups）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["output"]) if options["output"] else Path(settings.DATA_DIR) / "backups"
        try:
            path = backup.backup(out)
        except backup.BackupProblem as exc:
            raise CommandError(str(exc)) from exc
        if not backup.folder_is_private(out):
            self.stderr.write(
                f"注意: {out} はほかの利用者も開けます。区民の個人情報を含むので、"
                f"所有者だけが開けるようにしてください（chmod 700 {out}）。"
                f" Warning: others may open {out}; chmod 700 it."
            )
        self.stdout.write(str(path))
