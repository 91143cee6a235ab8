"""``kotodx loadplan FILE``: load a plan file (docs/plan-format.md). All or nothing; twice = no change."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kotodx.plan import services
from kotodx.plan.loader import PlanFileError, read_plan_file


class Command(BaseCommand):
    help = "計画ファイル（YAML）を読み込みます。誤りがあれば行番号と内容を示し、何も書き込みません。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="計画ファイルのパス")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        try:
            data = read_plan_file(path)
            plan = services.plan_load(data, actor=None, label=f"計画ファイル {path}")
        except PlanFileError as exc:
            raise CommandError(f"{path} を読み込めませんでした:\n" + "\n".join(exc.problems)) from None
        n_im = plan.individual_measures.count()
        self.stdout.write(
            self.style.SUCCESS(
                f"{plan.title}（{plan.period_label}）: 施策 {plan.measures.count()}、個別施策 {n_im}、"
                f"指標 {plan.kpis.count()}"
            )
        )
