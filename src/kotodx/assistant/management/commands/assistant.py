"""``kotodx assistant``: the AI assistant on the console.

- ``kotodx assistant ask "質問" [--json]``: the ranked answers (JSON: a list of
  ``{"kind", "title", "url", "score", "why"}``). Questions asked here are not counted in the plan's
  figures.
- ``kotodx assistant eval FILE [--misses] [--record]``: recall@1, recall@5 and MRR for a file of
  ``question,expected`` rows; ``--record`` keeps the figures of the shipped set as the new floor.
- ``kotodx assistant route "本文" [--json]``: the department an inquiry goes to, with the top 3.
- ``kotodx assistant route-eval FILE``: accuracy of the routing model on labelled ``text,department`` rows.
- ``kotodx assistant retrain``: train the routing model now (in this process).
- ``kotodx assistant ocr-accuracy``: character and field accuracy of OCR on generated form images.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "AIアシスタント: 質問（ask）・評価（eval）・振り分け（route, route-eval, retrain）"
        "・OCRの精度（ocr-accuracy）"
    )

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        ask = sub.add_parser("ask", help="質問への答えを順に表示する")
        ask.add_argument("question")
        ask.add_argument("--json", action="store_true", help="JSONで出力する")
        ask.add_argument("--limit", type=int, default=5)
        ev = sub.add_parser("eval", help="評価用の質問ファイルで recall@1・recall@5・MRR を表示する")
        ev.add_argument("file")
        ev.add_argument("--misses", action="store_true", help="1位で正解できなかった質問も表示する")
        ev.add_argument("--record", action="store_true", help="この数値を、下回ってはならない記録として残す")
        route = sub.add_parser("route", help="問い合わせを振り分ける部署を表示する")
        route.add_argument("text")
        route.add_argument("--json", action="store_true")
        rev = sub.add_parser("route-eval", help="ラベル付きの問い合わせ（text,department）で正解率を測る")
        rev.add_argument("file")
        sub.add_parser("retrain", help="振り分けモデルを今すぐ学習し直す")
        sub.add_parser("ocr-accuracy", help="生成した申請書の画像でOCRの文字・項目の正解率を測る")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, "do_" + options["subcommand"].replace("-", "_"))(**options)

    def do_ask(self, *, question: str, json: bool, limit: int, **_: Any) -> None:
        from kotodx.assistant import services

        try:
            result = services.ask(question, record=False, limit=limit)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        if json:
            _print_json([a.as_json() for a in result.answers])
            return
        for note in result.notes:
            self.stdout.write(note)
        if not result.answered:
            self.stdout.write(
                "はっきりした答えは見つかりませんでした。区役所（代表）03-3647-9111 にお問い合わせください。"
            )
        for n, a in enumerate(result.answers, start=1):
            self.stdout.write(f"{n}. [{a.kind_label}] {a.title}  ({a.score:.2f})\n   {a.url}\n   {a.why}")

    def do_eval(self, *, file: str, misses: bool, record: bool, **_: Any) -> None:
        from kotodx.assistant import evaluation

        try:
            rows = evaluation.read(Path(file).read_bytes())
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise CommandError(f"{file}: {exc}") from exc
        figures = evaluation.evaluate(rows)
        self.stdout.write(
            f"質問 {figures['n']} 件  recall@1 {figures['recall@1']:.3f}  "
            f"recall@5 {figures['recall@5']:.3f}  MRR {figures['mrr']:.3f}"
        )
        if misses:
            for m in figures["misses"]:
                self.stdout.write(
                    f"  {m.question} → 期待「{m.expected}」 順位 {m.rank or '-'}: {' / '.join(m.got)}"
                )
        if record:
            evaluation.record(figures)
            self.stdout.write(f"記録しました: {evaluation.BASELINE}")

    def do_route(self, *, text: str, json: bool, **_: Any) -> None:
        from kotodx.assistant import services

        try:
            _model, ranked = services.route_text(text)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        if json:
            _print_json(
                [{"department": d.code, "name": d.name, "confidence": round(p, 4)} for d, p in ranked]
            )
            return
        for d, p in ranked:
            self.stdout.write(f"{d.name}（{d.code}） {p:.1%}")

    def do_route_eval(self, *, file: str, **_: Any) -> None:
        from kotodx.assistant import routing, services

        try:
            rows = routing.read_labelled(Path(file).read_bytes())
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise CommandError(f"{file}: {exc}") from exc
        model = services.active_model()
        if model is None:
            raise CommandError("振り分けモデルがありません。kotodx assistant retrain で作ってください。")
        figures = routing.evaluate(routing.load(bytes(model.blob)), rows)
        self.stdout.write(
            f"問い合わせ {figures['n']} 件  正解率 {figures['accuracy']:.3f}  "
            f"上位3件に正解 {figures['top3']:.3f}"
        )

    def do_retrain(self, **_: Any) -> None:
        from kotodx.assistant import services

        try:
            model = services.retrain()
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(f"{model.samples} 件で学習しました。交差検証の正解率 {model.accuracy:.3f}")

    def do_ocr_accuracy(self, **_: Any) -> None:
        from kotodx.assistant import formimages, ocr

        self.stdout.write(ocr.format_report(ocr.accuracy_report(formimages.sample_set())))


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
