"""``kotodx security``: threat and incident sharing on the console.

``kotodx security export-stix (--incident NUMBER | --all-shareable) [-o FILE]`` writes a STIX 2.1 bundle
(TLP:RED and TLP:AMBER+STRICT are refused: exit 1). ``kotodx security import-stix FILE [--source NAME]``
reads a partner's bundle into the watch list. ``kotodx security pull-taxii COLLECTION_URL --token T``
pulls a partner's TAXII 2.1 collection.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "CSIRT: STIX 2.1 の出力（export-stix）・取込み（import-stix）、TAXII 2.1 からの取得（pull-taxii）"

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(
            dest="subcommand", required=True, metavar="{export-stix,import-stix,pull-taxii}"
        )
        e = sub.add_parser("export-stix", help="インシデントをSTIX 2.1のバンドルで書き出す")
        which = e.add_mutually_exclusive_group(required=True)
        which.add_argument(
            "--incident", action="append", help="管理番号（例: INC-2026-0001）。繰り返して複数を選べます"
        )
        which.add_argument(
            "--all-shareable", action="store_true", help="共有できる（TLP:CLEAR・GREEN・AMBER）全ての事案"
        )
        e.add_argument("-o", "--output", default="-", help="出力ファイル（既定: 標準出力）")
        i = sub.add_parser("import-stix", help="連携先のSTIX 2.1バンドルをウォッチリストに取り込む")
        i.add_argument("file")
        i.add_argument("--source", default="", help="提供元の名前（既定: ファイル名）")
        p = sub.add_parser("pull-taxii", help="連携先のTAXII 2.1コレクションから取得して取り込む")
        p.add_argument("url", help="コレクションのURL（…/collections/<id>/）")
        p.add_argument(
            "--token",
            default=os.environ.get("KOTODX_TAXII_TOKEN", ""),
            help="APIトークン（既定: $KOTODX_TAXII_TOKEN）",
        )
        p.add_argument("--source", default="", help="提供元の名前（既定: URL）")
        p.add_argument("--added-after", default=None, help="この日時より後に追加されたものだけ")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, "do_" + options["subcommand"].replace("-", "_"))(**options)

    def do_export_stix(
        self, *, incident: list[str] | None, all_shareable: bool, output: str, **_: Any
    ) -> None:
        from kotodx.security import stix
        from kotodx.security.models import Incident

        if incident:
            found = {i.number: i for i in Incident.objects.filter(number__in=incident)}
            missing = [n for n in incident if n not in found]
            if missing:
                raise CommandError(f"インシデント {'、'.join(missing)} はありません。")
            chosen = [found[n] for n in dict.fromkeys(incident)]
        else:
            chosen = [i for i in Incident.objects.order_by("number") if i.shareable]
        try:
            doc = stix.bundle(chosen)
        except stix.ExportRefused as exc:
            self.stderr.write(str(exc))
            sys.exit(1)
        text = json.dumps(doc, ensure_ascii=False, indent=2)
        if output == "-":
            self.stdout.write(text)
        else:
            Path(output).write_text(text, encoding="utf-8")
            self.stderr.write(f"{len(doc['objects'])} 件のオブジェクトを {output} に書き出しました。")

    def _report(self, result: Any) -> None:
        for line in result.skipped:
            self.stderr.write(line)
        self.stdout.write(
            f"{result.objects} 件を読み、指標 {result.new} 件を追加、{result.merged} 件を統合しました"
            f"（取り込まなかったもの {len(result.skipped)} 件）。"
        )

    def do_import_stix(self, *, file: str, source: str, **_: Any) -> None:
        from kotodx.security import stix

        try:
            with open(file, "rb") as fh:
                data = stix.read_capped(fh)
            result = stix.import_bundle(data, source=source or Path(file).name, actor=None)
        except OSError as exc:
            raise CommandError(f"ファイルを読めません: {exc.strerror}") from exc
        except stix.BundleProblem as exc:
            for m in exc.messages:
                self.stderr.write(m)
            sys.exit(1)
        self._report(result)

    def do_pull_taxii(self, *, url: str, token: str, source: str, added_after: str | None, **_: Any) -> None:
        from kotodx.security import client, stix

        if not token:
            raise CommandError("APIトークンを --token か環境変数 KOTODX_TAXII_TOKEN で指定してください。")
        try:
            result = client.pull(url, token=token, source=source or url, actor=None, added_after=added_after)
        except stix.BundleProblem as exc:
            for m in exc.messages:
                self.stderr.write(m)
            sys.exit(1)
        self._report(result)
