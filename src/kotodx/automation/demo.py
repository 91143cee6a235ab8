"""Demo robots: (a) nightly, the approved 粗大ごみ applications of the day before as the contractor's
collection list (XLSX); (b) when the library section drops a new 図書館一覧 CSV into its folder, validate it
against the standard dataset schema and publish it only if valid, otherwise mail the errors. Robot (b) is
run once on the ward's real library CSV so the hours-saved report has a first figure."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, TextIO

from kotodx.automation import engine, services, tasks
from kotodx.automation.models import Robot, Run
from kotodx.core.models import Department, User

LIBRARY_CSV = Path(__file__).resolve().parents[1] / "opendata" / "data" / "demo" / "koto-library.csv"


def load(*, actor: User | None, stdout: TextIO, **_: Any) -> None:
    if Department.objects.filter(code__in=["seiso", "bunka"]).count() != 2:
        stdout.write("部署がないため、ロボットのデモは読み込みません。\n")
        return
    if not Robot.objects.filter(name="sodai-gomi-list").exists():
        services.robot_save(
            data={
                "name": "sodai-gomi-list",
                "title": "粗大ごみ収集一覧の作成（デモ）",
                "description": "前日に承認した粗大ごみ収集申込を、収集業者に渡す一覧（XLSX）にします。",
                "department": Department.objects.get(code="seiso"),
                "trigger": Robot.Trigger.SCHEDULE,
                "cron": "0 2 * * *",
                "skip_holidays": False,
                "minutes_per_item": 4,
                "steps": [
                    {
                        "action": "find_submissions",
                        "params": {"procedure": "sodai-gomi", "status": "approved", "since": "yesterday"},
                    },
                    {"action": "make_xlsx", "params": {"title": "粗大ごみ収集一覧"}},
                ],
            },
            actor=None,
        )
    robot = Robot.objects.filter(name="library-refresh").first()
    if robot is None:
        robot = services.robot_save(
            data={
                "name": "library-refresh",
                "title": "図書館一覧オープンデータの更新（デモ）",
                "description": "文化観光課が受け取りフォルダに置いたCSVを検証し、正しければ公開します。"
                "誤りがあれば担当にメールします。",
                "department": Department.objects.get(code="bunka"),
                "trigger": Robot.Trigger.EVENT,
                "event": Robot.Event.FILE_DROPPED,
                "minutes_per_item": 3,
                "notify_email": "bunka-demo@example.jp",
                "steps": [
                    {"action": "read_file", "params": {}},
                    {
                        "action": "validate_csv",
                        "params": {"dataset": "koto-libraries", "resource": "図書館一覧"},
                    },
                    {
                        "action": "publish_resource",
                        "params": {"dataset": "koto-libraries", "resource": "図書館一覧"},
                    },
                ],
            },
            actor=None,
        )
    if not robot.runs.exists() and LIBRARY_CSV.exists() and not engine.problems(robot):
        dropped = tasks.inbox(robot) / "図書館一覧.csv"
        shutil.copyfile(LIBRARY_CSV, dropped)
        run = Run.objects.create(robot=robot, trigger="file", context={"file": str(dropped)})
        engine.execute(run.pk)
        dropped.unlink(missing_ok=True)
    if (
        not Robot.objects.filter(name="a11y-report").exists()
        and Department.objects.filter(code="koho").exists()
    ):
        services.robot_save(
            data={
                "name": "a11y-report",
                "title": "アクセシビリティ検査結果の配布（デモ）",
                "description": "検査が終わると、違反のあるページの一覧（XLSX）を作り、"
                "広報広聴課に知らせます。"
                "計画の指標（違反のあるページ数）は検査結果から自動で集計されます。",
                "department": Department.objects.get(code="koho"),
                "trigger": Robot.Trigger.EVENT,
                "event": Robot.Event.SCAN_FINISHED,
                "minutes_per_item": 10,
                "steps": [
                    {"action": "a11y_latest_scan", "params": {}},
                    {"action": "make_xlsx", "params": {"title": "違反のあるページ"}},
                    {
                        "action": "send_email",
                        "params": {
                            "to": "koho-demo@example.jp",
                            "subject": "アクセシビリティ検査の結果",
                            "body": "違反のあるページが {件数} ページありました。"
                            "ロボットの実行記録から一覧をダウンロードできます。",
                        },
                    },
                ],
            },
            actor=None,
        )
    stdout.write(f"ロボット {Robot.objects.count()} 体、実行 {Run.objects.count()} 回\n")
