"""Robots end to end against the real modules: the demo robots (collection list from approved
applications; open data refreshed from a dropped CSV, published only if valid, otherwise the errors
mailed), a dry run that changes nothing, a failing step that leaves nothing, schedules with 祝日,
broken robots, overlap, time limits, the hours-saved report, the console and the pages."""

import datetime as dt
import io
import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook

from kotodx.automation import demo, engine, schedule, selectors, services, tasks
from kotodx.automation.models import Robot, Run, StepLog
from kotodx.core import demo as core_demo
from kotodx.core.fiscal import FiscalYear
from kotodx.eapply import demo as eapply_demo
from kotodx.eapply.models import Procedure, Submission
from kotodx.opendata import demo as opendata_demo
from kotodx.opendata.models import Resource
from kotodx.plan import metrics
from tests.conftest import client_for

LIBRARY = Path(demo.LIBRARY_CSV)


@pytest.fixture
def world(db, settings, tmp_path, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        for module in (core_demo, opendata_demo, eapply_demo, demo):
            module.load(actor=None, stdout=out)
    return out


def _submissions(n: int, status: str, when: dt.datetime) -> list[Submission]:
    proc = Procedure.objects.get(slug="sodai-gomi")
    version = proc.versions.get(status="published")
    made = []
    for i in range(n):
        s = Submission.objects.create(
            procedure=proc,
            version=version,
            reference_number=f"R8-TEST-{status[:2].upper()}{int(when.timestamp()) % 1000:03d}{i}",
            status=status,
            resume_key_hash=f"h{status}{i}{when.timestamp()}",
            submitted_at=when,
            applicant_name=f"江東 花子{i}",
            applicant_email=f"hanako{i}@example.jp",
            answers={
                "applicant_name": f"江東 花子{i}",
                "phone": "03-3647-9111",
                "email": f"hanako{i}@example.jp",
                "floor": 3,
                "collection_date": "2026-12-01",
            },
        )
        Submission.objects.filter(pk=s.pk).update(updated_at=when)
        made.append(s)
    return made


def _state() -> dict[str, list]:
    """Every row of every table except the run records themselves (a dry run must change none of it)."""
    state = {}
    for model in apps.get_models():
        if model._meta.app_label in ("automation", "sessions") or not model._meta.managed:
            continue
        rows = list(model.objects.order_by("pk").values())
        state[model._meta.label] = json.loads(json.dumps(rows, default=str))
    return state


def test_demo_robot_a_makes_the_collection_list_of_yesterdays_approvals(world):
    yesterday = timezone.now() - dt.timedelta(days=1)
    _submissions(3, "approved", yesterday)
    _submissions(2, "approved", timezone.now() - dt.timedelta(days=5))  # not yesterday
    _submissions(1, "received", yesterday)  # not approved
    out = io.StringIO()
    call_command("robots", "run", "sodai-gomi-list", stdout=out)
    run = Run.objects.filter(robot__name="sodai-gomi-list").get()
    assert run.status == "succeeded" and run.items == 3 and run.minutes_saved == Decimal("12.0")
    path = Path(settings.MEDIA_ROOT) / run.outputs[0]
    ws = load_workbook(path).active
    rows = list(ws.iter_rows(values_only=True))
    expected = sorted(
        Submission.objects.filter(submitted_at=yesterday, status="approved").values_list(
            "reference_number", flat=True
        )
    )
    assert rows[0][0] == "受付番号" and sorted(r[0] for r in rows[1:]) == expected and len(expected) == 3
    # The logs keep no personal data.
    logged = json.dumps(list(run.steps.values("inputs", "outputs", "message")), ensure_ascii=False)
    assert "花子" not in logged and "hanako" not in logged and "03-3647" not in logged
    response = client_for(run.robot.account).get(f"/staff/robots/sodai-gomi-list/runs/{run.pk}/files/0/")
    assert response.status_code == 200


def test_demo_robot_b_publishes_a_valid_file_and_mails_the_errors_of_a_bad_one(
    world, django_capture_on_commit_callbacks
):
    robot = Robot.objects.get(name="library-refresh")
    resource = Resource.objects.get(dataset__name="koto-libraries")
    first = robot.runs.get()  # the demo ran it once on the ward's real CSV
    assert first.status == "succeeded" and first.items > 0
    versions = resource.versions.count()
    published = resource.current_version_id
    bad = LIBRARY.read_text(encoding="utf-8").replace("35.67186612", "北緯35度", 1)
    (tasks.inbox(robot) / "図書館一覧.csv").write_text(bad, encoding="utf-8")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        started = tasks.tick()
    run = Run.objects.get(pk=started[0].pk)
    assert run.status == "failed" and "検証で誤りが見つかりました" in run.error
    assert [s.status for s in run.steps.all()] == ["succeeded", "failed", "not_run"]
    resource.refresh_from_db()
    assert resource.versions.count() == versions and resource.current_version_id == published
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["bunka-demo@example.jp"]
    assert "緯度" in mail.outbox[0].body
    assert not [p for p in tasks.inbox(robot).iterdir() if not p.name.startswith(".")]  # the file was taken
    shutil.copyfile(LIBRARY, tasks.inbox(robot) / "図書館一覧.csv")
    with django_capture_on_commit_callbacks(execute=True):
        started = tasks.tick()
    run = Run.objects.get(pk=started[0].pk)
    assert run.status == "succeeded"
    resource.refresh_from_db()
    assert resource.versions.count() == versions + 1


def test_a_dry_run_changes_nothing(world, django_capture_on_commit_callbacks):
    robot = Robot.objects.get(name="library-refresh")
    dropped = tasks.inbox(robot) / ".dry.csv"
    shutil.copyfile(LIBRARY, dropped)
    before = _state()
    files_before = sorted(p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file())
    with django_capture_on_commit_callbacks(execute=True):
        run = Run.objects.create(robot=robot, dry_run=True, context={"file": str(dropped)})
        run = engine.execute(run.pk)
    assert run.status == "succeeded"
    publish = run.steps.get(action="publish_resource")
    assert "新しい版として登録し公開する" in publish.message
    assert _state() == before
    assert sorted(p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()) == files_before
    assert run.minutes_saved == 0  # a dry run saves nobody any time


def test_a_failing_step_leaves_no_partial_result(world):
    _submissions(2, "approved", timezone.now())
    robot = services.robot_save(
        data={
            "name": "half-done",
            "title": "途中で失敗",
            "department": Procedure.objects.get(slug="sodai-gomi").department,
            "steps": [
                {
                    "action": "find_submissions",
                    "params": {"procedure": "sodai-gomi", "status": "approved", "since": "today"},
                },
                {"action": "make_xlsx", "params": {"title": "一覧"}},
                {"action": "set_submission_status", "params": {"status": "completed"}},
                {
                    "action": "set_submission_status",
                    "params": {"status": "received"},
                },  # approved→…→received: refused
            ],
        },
        actor=None,
    )
    run = engine.execute(Run.objects.create(robot=robot).pk)
    assert run.status == "failed" and "にはできません" in run.error
    assert [s.status for s in run.steps.all()] == ["succeeded", "succeeded", "succeeded", "failed"]
    assert set(
        Submission.objects.filter(reference_number__startswith="R8-TEST").values_list("status", flat=True)
    ) == {"approved"}
    assert run.outputs == [] and not list(
        (Path(settings.MEDIA_ROOT) / "robots" / "half-done").rglob("*.xlsx")
    )


def test_schedules_in_japan_time_skip_holidays_and_year_end():
    after = dt.datetime(2026, 11, 22, 12, 0, tzinfo=schedule.JST)  # the next day, 11/23, is 勤労感謝の日
    assert schedule.next_run("0 2 * * *", after, skip_holidays=True) == dt.datetime(
        2026, 11, 24, 2, 0, tzinfo=schedule.JST
    )
    assert schedule.next_run("0 2 * * *", after, skip_holidays=False).day == 23
    year_end = dt.datetime(2026, 12, 28, 12, 0, tzinfo=schedule.JST)
    assert schedule.next_run("30 8 * * *", year_end, skip_holidays=True).date() == dt.date(2027, 1, 4)
    for bad in ("", "* * *", "61 * * * *", "0 25 * * *", "every day"):
        with pytest.raises(ValueError):
            schedule.check_cron(bad)


def test_an_invalid_cron_is_refused_with_a_message(personas):
    with pytest.raises(ValidationError, match="cron"):
        services.robot_save(
            data={
                "name": "bad-cron",
                "title": "x",
                "department": personas.dept_a,
                "trigger": "schedule",
                "cron": "0 25 * * *",
                "steps": [
                    {"action": "send_email", "params": {"to": "a@example.jp", "subject": "s", "body": "b"}}
                ],
            },
            actor=personas.clerk_a,
        )
    assert not Robot.objects.exists()


def test_a_robot_that_refers_to_a_deleted_dataset_is_shown_broken_and_not_run(world):
    robot = Robot.objects.get(name="library-refresh")
    Resource.objects.filter(dataset__name="koto-libraries").update(name="別の名前")
    assert any("図書館一覧" in p for p in engine.problems(robot))
    run = engine.execute(Run.objects.create(robot=robot, context={"file": str(LIBRARY)}).pk)
    assert run.status == "failed" and "設定が壊れています" in run.error and not run.steps.exists()
    page = client_for(robot.account).get("/staff/robots/library-refresh/").content.decode()
    assert "このロボットは動かせません" in page


def test_runs_do_not_overlap_and_stop_at_their_time_limit(world):
    robot = Robot.objects.get(name="sodai-gomi-list")
    Run.objects.create(robot=robot, status="running", started_at=timezone.now())
    skipped = engine.execute(Run.objects.create(robot=robot).pk)
    assert skipped.status == "skipped"
    Run.objects.filter(robot=robot).update(status="succeeded")
    Robot.objects.filter(pk=robot.pk).update(timeout_seconds=0)
    timed = engine.execute(Run.objects.create(robot=robot).pk)
    assert timed.status == "timed_out" and "制限時間" in timed.error


def test_the_hours_saved_report_matches_the_runs(world):
    fy = FiscalYear.current()
    robot = Robot.objects.get(name="sodai-gomi-list")
    _submissions(5, "approved", timezone.now() - dt.timedelta(days=1))
    engine.execute(Run.objects.create(robot=robot).pk)
    engine.execute(Run.objects.create(robot=robot, dry_run=True).pk)
    runs = Run.objects.filter(status="succeeded", dry_run=False)
    expected = (sum(r.minutes_saved for r in runs) / 60).quantize(Decimal("0.1"))
    assert metrics.value("automation.hours_saved", fy) == expected
    report = selectors.report(fy, Robot.objects.all())
    assert report["total"] == expected
    assert {r["robot__name"]: r["items"] for r in report["per_robot"]}["sodai-gomi-list"] == 5


def test_console_list_run_export_import(world, tmp_path):
    out = io.StringIO()
    call_command("robots", "list", "--names", stdout=out)
    assert out.getvalue() == "a11y-report\nlibrary-refresh\nsodai-gomi-list\n"
    out = io.StringIO()
    call_command("robots", "export", "sodai-gomi-list", stdout=out)
    text = out.getvalue().replace("sodai-gomi-list", "sodai-gomi-copy")
    (tmp_path / "r.yaml").write_text(text, encoding="utf-8")
    call_command("robots", "import", str(tmp_path / "r.yaml"), stdout=io.StringIO())
    copy = Robot.objects.get(name="sodai-gomi-copy")
    assert copy.steps == Robot.objects.get(name="sodai-gomi-list").steps and copy.cron == "0 2 * * *"
    Robot.objects.filter(name="library-refresh").update(steps=[{"action": "read_file", "params": {}}])
    with pytest.raises(SystemExit) as exc:
        call_command("robots", "run", "library-refresh", stdout=io.StringIO(), stderr=io.StringIO())
    assert exc.value.code == 1  # read_file with no dropped file: the step fails


def test_a_submission_event_starts_a_robot(
    personas, procedure, django_capture_on_commit_callbacks, settings, tmp_path
):
    from kotodx.eapply import services as eapply

    settings.MEDIA_ROOT = str(tmp_path)
    services.robot_save(
        data={
            "name": "on-receipt",
            "title": "受付時",
            "department": personas.dept_a,
            "trigger": "event",
            "event": "submission.received",
            "event_filter": procedure.slug,
            "steps": [
                {
                    "action": "send_email",
                    "params": {"to": "kakari@example.jp", "subject": "受付", "body": "{件数}"},
                }
            ],
        },
        actor=personas.clerk_a,
    )
    submission, _ = eapply.submission_start(procedure=procedure)
    eapply.submission_save_page(
        submission=submission,
        page_id="applicant",
        answers={"applicant_name": "花子", "email": "h@example.jp", "has_kids": False},
        uploads={},
    )
    eapply.submission_save_page(submission=submission, page_id="docs", answers={"doc": None}, uploads={})
    with django_capture_on_commit_callbacks(execute=True):
        eapply.submission_submit(submission=submission)
    run = Run.objects.get(robot__name="on-receipt")
    assert run.status == "succeeded" and run.trigger == "submission.received"


def test_pages_and_rules(world, personas, django_capture_on_commit_callbacks):
    robot = Robot.objects.get(name="sodai-gomi-list")
    seiso = client_for(robot.account)
    assert seiso.get("/staff/robots/").status_code == 200
    assert client_for(personas.clerk_b).get("/staff/robots/sodai-gomi-list/").status_code == 404
    assert client_for(personas.clerk_b).post("/staff/robots/sodai-gomi-list/run/").status_code == 404
    it = client_for(personas.it_officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = it.post("/staff/robots/sodai-gomi-list/run/", {"dry_run": "1"})
    assert response.status_code == 302
    assert Run.objects.filter(robot=robot, dry_run=True, status="succeeded").exists()
    # The step editor: add a step without code, then save.
    form = {
        "title": robot.title,
        "department": robot.department_id,
        "trigger": "schedule",
        "cron": "0 3 * * 1-5",
        "minutes_per_item": "4",
        "max_retries": "2",
        "timeout_seconds": "600",
        "enabled": "on",
        "step-0-action": "find_submissions",
        "step-0-procedure": "sodai-gomi",
        "step-0-status": "approved",
        "step-0-since": "yesterday",
        "step-1-action": "make_xlsx",
        "step-1-title": "一覧",
    }
    page = it.post("/staff/robots/sodai-gomi-list/edit/", {**form, "add": "1", "add_step": "send_email"})
    assert page.status_code == 200 and "メールを送る" in page.content.decode()
    form.update(
        {
            "step-2-action": "send_email",
            "step-2-to": "gyosha@example.jp",
            "step-2-subject": "一覧",
            "step-2-body": "{件数}件です",
        }
    )
    assert it.post("/staff/robots/sodai-gomi-list/edit/", form).status_code == 302
    robot.refresh_from_db()
    assert [s["action"] for s in robot.steps] == ["find_submissions", "make_xlsx", "send_email"]
    assert robot.cron == "0 3 * * 1-5"
    bad = it.post("/staff/robots/sodai-gomi-list/edit/", {**form, "cron": "0 3 * *"})
    assert bad.status_code == 400 and "5つの欄" in bad.content.decode()
    assert StepLog.objects.exists()


def test_pdf_notices_and_a_kpi_actual_written_to_the_plan(world):
    import subprocess

    from kotodx.core.models import Department
    from kotodx.plan import services as plan_services
    from kotodx.plan.loader import read_plan_text
    from kotodx.plan.models import KpiActual
    from tests.plan.conftest import small_plan_yaml

    plan = plan_services.plan_load(read_plan_text(small_plan_yaml()), actor=None)
    _submissions(2, "approved", timezone.now())
    seiso = Procedure.objects.get(slug="sodai-gomi").department
    find = {"procedure": "sodai-gomi", "status": "approved", "since": "today"}
    notice = {"title": "収集のお知らせ", "body": "受付番号 {受付番号} を承認しました。"}
    notices = services.robot_save(
        data={
            "name": "notices",
            "title": "通知書",
            "department": seiso,
            "steps": [
                {"action": "find_submissions", "params": find},
                {"action": "make_pdf_notices", "params": notice},
            ],
        },
        actor=None,
    )
    run = engine.execute(Run.objects.create(robot=notices).pk)
    assert run.status == "succeeded" and len(run.outputs) == 2
    pdf = Path(settings.MEDIA_ROOT) / run.outputs[0]
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "収集のお知らせ" in text and "R8-TEST-AP" in text
    # A robot of another department may not read these applications, nor write another's KPI.
    kosodate = Department.objects.get(code="kosodate")
    nosy = services.robot_save(
        data={
            "name": "nosy",
            "title": "よその申請",
            "department": kosodate,
            "steps": [{"action": "find_submissions", "params": find}],
        },
        actor=None,
    )
    run = engine.execute(Run.objects.create(robot=nosy).pk)
    assert run.status == "failed" and "権限がありません" in run.error
    write = {"action": "write_kpi_actual", "params": {"plan": plan.code, "kpi": "online"}}
    kpi_robot = services.robot_save(
        data={
            "name": "kpi",
            "title": "指標",
            "department": seiso,
            "steps": [{"action": "read_file", "params": {}}, write],
        },
        actor=None,
    )
    run = engine.execute(Run.objects.create(robot=kpi_robot, context={"file": str(LIBRARY)}).pk)
    assert run.status == "failed" and "所管部署の担当者と情報システム課" in run.error
    kpi_robot = services.robot_save(data={"department": kosodate}, actor=None, robot=kpi_robot)
    run = engine.execute(Run.objects.create(robot=kpi_robot, context={"file": str(LIBRARY)}).pk)
    assert run.status == "succeeded", run.error
    assert KpiActual.objects.get(kpi__code="online").value == run.items > 0


def test_submissions_created_from_a_file_are_checked_like_a_residents(
    personas, procedure, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = str(tmp_path)
    good = tmp_path / "paper.csv"
    good.write_text(
        "applicant_name,email,お子さんの有無\n"
        "江東 花子,hanako@example.jp,いいえ\n江東 太郎,taro@example.jp,いいえ\n",
        encoding="utf-8",
    )
    bad = tmp_path / "paper-bad.csv"
    bad.write_text(
        "applicant_name,email,has_kids\n江東 花子,hanako@example.jp,no\n江東 次郎,not-an-address,no\n",
        encoding="utf-8",
    )
    robot = services.robot_save(
        data={
            "name": "paper",
            "title": "紙の申請",
            "department": personas.dept_a,
            "steps": [
                {"action": "read_file", "params": {}},
                {"action": "create_submissions", "params": {"procedure": procedure.slug}},
            ],
        },
        actor=personas.clerk_a,
    )
    failed = engine.execute(Run.objects.create(robot=robot, context={"file": str(bad)}).pk)
    assert failed.status == "failed" and "2行目" in failed.error and "email" in failed.error
    assert not Submission.objects.exists()  # the first row was not kept either
    with django_capture_on_commit_callbacks(execute=True):
        run = engine.execute(Run.objects.create(robot=robot, context={"file": str(good)}).pk)
    assert run.status == "succeeded" and run.items == 2
    made = Submission.objects.filter(status="received")
    assert made.count() == 2 and {s.applicant_email for s in made} == {"hanako@example.jp", "taro@example.jp"}
    assert all(s.reference_number for s in made)


def test_a_run_past_its_time_limit_stops_inside_a_step_and_leaves_nothing(
    personas, procedure, tmp_path, settings
):
    from kotodx.automation import actions

    settings.MEDIA_ROOT = str(tmp_path)

    def slow(ctx, p):  # type: ignore[no-untyped-def]
        from kotodx.core import services as core_services

        core_services.department_upsert(code="half-written", name="途中まで書いた課", actor=None)
        ctx.deadline = 0  # the clock has run out while the step is working through its rows
        ctx.check_time()
        return {}

    actions.ACTIONS["test_slow"] = actions.Action("test_slow", "遅い手順", "試験用", (), slow, writes=True)
    try:
        robot = Robot.objects.create(
            name="slow",
            title="遅い",
            department=personas.dept_a,
            account=personas.clerk_a,
            steps=[{"action": "test_slow", "params": {}}],
            timeout_seconds=60,
        )
        run = engine.execute(Run.objects.create(robot=robot).pk)
    finally:
        del actions.ACTIONS["test_slow"]
    assert run.status == "timed_out" and "制限時間" in run.error
    assert run.steps.get().status == "failed"
    from kotodx.core.models import Department

    assert not Department.objects.filter(code="half-written").exists()


def test_a_failed_run_is_run_again_with_the_same_file(world, django_capture_on_commit_callbacks):
    robot = Robot.objects.get(name="library-refresh")
    dropped = tasks.inbox(robot) / "図書館一覧.csv"
    dropped.write_text(
        LIBRARY.read_text(encoding="utf-8").replace("35.67186612", "北緯35度", 1), encoding="utf-8"
    )
    with django_capture_on_commit_callbacks(execute=True):
        started = tasks.tick()
    failed = Run.objects.get(pk=started[0].pk)
    assert failed.status == "failed"
    # The section fixes the file where the robot keeps it, then asks for the same run again.
    Path(failed.context["file"]).write_text(LIBRARY.read_text(encoding="utf-8"), encoding="utf-8")
    client = client_for(robot.account)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/staff/robots/library-refresh/runs/{failed.pk}/again/")
    assert response.status_code == 302
    again = Run.objects.filter(robot=robot, trigger=f"rerun:{failed.pk}").get()
    assert again.status == "succeeded" and again.context == failed.context
