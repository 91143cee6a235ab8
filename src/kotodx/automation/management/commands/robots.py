"""``kotodx robots``: robots on the console.

``kotodx robots list [--names]`` (``--names``: one name a line, nothing else), ``kotodx robots run NAME
[--dry-run]`` (runs now in this process; exit 0 on success, 1 when a step failed), ``kotodx robots export
NAME`` (YAML), ``kotodx robots import FILE`` (YAML).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "業務自動化: ロボットの一覧（list）・実行（run）・YAML出力（export）・YAML取込み（import）"

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{list,run,export,import}")
        ls = sub.add_parser("list", help="ロボットの一覧")
        ls.add_argument("--names", action="store_true", help="ロボットIDだけを1行に1つ")
        run = sub.add_parser("run", help="ロボットを今すぐ実行する（終了コード 0: 成功、1: 失敗）")
        run.add_argument("name")
        run.add_argument("--dry-run", action="store_true", help="何も変えずに、何が起きるかを表示する")
        exp = sub.add_parser("export", help="ロボットをYAMLで出力する")
        exp.add_argument("name")
        imp = sub.add_parser("import", help="YAMLのロボットを登録・更新する")
        imp.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"do_{options['subcommand']}")(**options)

    def do_list(self, *, names: bool, **_: Any) -> None:
        from kotodx.automation.models import Robot

        for r in Robot.objects.select_related("department").order_by("name"):
            if names:
                self.stdout.write(r.name)
            else:
                trigger = r.cron if r.trigger == "schedule" else r.event or "manual"
                self.stdout.write(
                    f"{r.name}\t{r.title}\t{r.department.name}\t{r.get_trigger_display()} {trigger}"
                )

    def _robot(self, name: str) -> Any:
        from kotodx.automation.models import Robot

        robot = Robot.objects.filter(name=name).first()
        if robot is None:
            raise CommandError(
                f"ロボット「{name}」はありません（kotodx robots list --names で確かめてください）。"
            )
        return robot

    def do_run(self, *, name: str, dry_run: bool, **_: Any) -> None:
        from kotodx.automation import engine
        from kotodx.automation.models import Run

        robot = self._robot(name)
        run = Run.objects.create(robot=robot, dry_run=dry_run, trigger="cli")
        run = engine.execute(run.pk)
        for step in run.steps.all():
            line = f"{step.index}. {step.action}: {step.get_status_display()}"
            if step.message:
                line += f" — {step.message.splitlines()[0]}"
            self.stdout.write(line)
        self.stdout.write(f"{run.get_status_display()}（処理 {run.items} 件、削減 {run.minutes_saved} 分）")
        if run.status != Run.Status.SUCCEEDED:
            self.stderr.write(run.error)
            sys.exit(1)

    def do_export(self, *, name: str, **_: Any) -> None:
        from kotodx.automation import services

        self.stdout.write(services.robot_yaml(self._robot(name)), ending="")

    def do_import(self, *, file: str, **_: Any) -> None:
        from kotodx.automation import services

        try:
            robot = services.robot_from_yaml(Path(file).read_text(encoding="utf-8"), actor=None)
        except OSError as exc:
            raise CommandError(f"ファイルを読めません: {exc.strerror}") from exc
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(f"ロボット「{robot.name}」を登録しました。")
