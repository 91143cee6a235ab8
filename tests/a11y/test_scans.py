"""Scans as staff run them: a crawl of a small local site as a background job (Chromium), its pages and
findings stored with WCAG/JIS numbers, the figure the plan hub reads, the CSV, the pages and their rules,
and the robot that starts when a scan finishes."""

import datetime as dt
import functools
import http.server
import io
import threading

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from kotodx.a11y import services
from kotodx.a11y.models import Scan
from kotodx.automation import demo as automation_demo
from kotodx.automation.models import Run
from kotodx.core import services as core_services
from kotodx.core.fiscal import FiscalYear
from kotodx.core.models import Department
from kotodx.plan import metrics
from tests.conftest import check_access, client_for

pytestmark = pytest.mark.browser

PAGES = {
    "index.html": """<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>トップ</title></head>
<body><main><h1>トップ</h1><p><a href="bad.html">お知らせ</a></p></main></body></html>""",
    "bad.html": """<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>お知らせ</title></head>
<body><main><h1>お知らせ</h1><img src="photo.png">
<p><a href="index.html">トップ</a></p></main></body></html>""",
}


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # type: ignore[no-untyped-def]
        pass


@pytest.fixture
def site(tmp_path):  # type: ignore[no-untyped-def]
    for name, text in PAGES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(tmp_path))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    server.shutdown()


def test_a_scan_runs_as_a_job_and_feeds_the_plan_and_a_robot(
    personas, site, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    core_services.department_upsert(code="koho", name="広報広聴課", actor=None)
    for code, name in (("seiso", "清掃リサイクル課"), ("bunka", "文化観光課")):
        core_services.department_upsert(code=code, name=name, actor=None)
    automation_demo.load(actor=None, stdout=io.StringIO())
    with django_capture_on_commit_callbacks(execute=True):
        scan = services.scan_start(start_url=site, max_pages=5, title="試験サイト", actor=personas.it_officer)
    scan.refresh_from_db()
    assert scan.status == "done", scan.error
    assert (scan.pages_checked, scan.pages_with_violations) == (2, 1)
    bad = scan.pages.get(url__endswith="bad.html")
    image = bad.findings.get(rule="image-alt")
    assert image.criteria == ["1.1.1"] and image.jis == ["1.1.1"] and not image.review
    assert scan.job.status == "succeeded" and scan.job.total == 2 and scan.job.done == 2
    assert metrics.value("a11y.pages_with_violations", FiscalYear.current()) == 1
    # The robot that waits for a finished scan ran, made the list and told the section.
    run = Run.objects.get(robot__name="a11y-report")
    assert run.status == "succeeded" and run.items == 1 and len(run.outputs) == 1
    assert mail.outbox and "1 ページ" in mail.outbox[-1].body
    # Pages: the list, the result by criterion, the CSV.
    client = client_for(personas.clerk_a)
    assert "試験サイト" in client.get("/staff/a11y/").content.decode()
    page = client.get(f"/staff/a11y/scans/{scan.pk}/").content.decode()
    assert "非テキストコンテンツ" in page and "1.1.1" in page
    csv_text = client.get(f"/staff/a11y/scans/{scan.pk}/?format=csv").content.decode("utf-8-sig")
    assert "bad.html" in csv_text and "image-alt" in csv_text


def test_scan_rules_and_bad_input(personas):
    with pytest.raises(ValidationError, match="http"):
        services.scan_start(start_url="file:///etc/passwd", max_pages=5, actor=personas.it_officer)
    with pytest.raises(ValidationError, match="1〜500"):
        services.scan_start(start_url="https://example.jp/", max_pages=0, actor=personas.it_officer)
    with pytest.raises(PermissionDenied):
        services.scan_start(start_url="https://example.jp/", max_pages=5, actor=personas.auditor)
    assert not Scan.objects.exists()
    response = client_for(personas.clerk_a).post(
        "/staff/a11y/", {"start_url": "javascript:alert(1)", "max_pages": "5"}
    )
    assert response.status_code == 400 and "入力内容に誤りがあります" in response.content.decode()
    check_access(
        "/staff/a11y/", {"clerk_a": 200, "auditor": 200, "committee": 403, "anonymous": 302}, personas
    )
    Scan.objects.create(
        title="過去",
        start_url="https://example.jp/",
        status="done",
        pages_checked=10,
        pages_with_violations=4,
        finished_at=timezone.now() - dt.timedelta(days=400),
    )
    assert metrics.value("a11y.pages_with_violations", FiscalYear.current()) is None  # not this year's
    assert Department.objects.filter(code="koho").count() == 0


def test_a_scheduled_robot_starts_a_scan(
    personas, site, settings, tmp_path, django_capture_on_commit_callbacks
):
    from kotodx.automation import engine
    from kotodx.automation import services as robots
    from kotodx.automation.models import Run as RobotRun

    settings.MEDIA_ROOT = str(tmp_path / "media")
    robot = robots.robot_save(
        data={
            "name": "monthly-scan",
            "title": "毎月の検査",
            "department": personas.dept_a,
            "trigger": "schedule",
            "cron": "0 3 1 * *",
            "steps": [{"action": "start_a11y_scan", "params": {"start_url": site, "max_pages": 3}}],
        },
        actor=personas.clerk_a,
    )
    with django_capture_on_commit_callbacks(execute=True):
        run = engine.execute(RobotRun.objects.create(robot=robot).pk)
    assert run.status == "succeeded", run.error
    scan = Scan.objects.get()
    assert scan.status == "done" and scan.pages_checked == 2 and scan.created_by == robot.account
