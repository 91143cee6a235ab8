"""Console commands: loaddemo is idempotent; production mode refuses to start without SECRET_KEY."""

import io
import os
import subprocess
import sys

from django.core.management import call_command

from kotodx.core.models import AuditEntry, Department, User


def test_loaddemo_twice_changes_nothing(db):
    out = io.StringIO()
    call_command("loaddemo", stdout=out)
    counts = (Department.objects.count(), User.objects.count(), AuditEntry.objects.count())
    assert counts[0] >= 20 and counts[1] >= 6
    assert "情報システム課" in Department.objects.filter(is_it_division=True).values_list("name", flat=True)
    assert "it.officer" in out.getvalue()
    call_command("loaddemo", stdout=io.StringIO())
    assert (Department.objects.count(), User.objects.count(), AuditEntry.objects.count()) == counts


def _kotodx(args, env_extra, tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "KOTODX_PRODUCTION"} and not k.startswith("DJANGO_")
    }
    env.update({"KOTODX_DATA_DIR": str(tmp_path), **env_extra})
    return subprocess.run(
        [sys.executable, "-m", "kotodx.cli", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_production_mode_refuses_to_start_without_secret_key(tmp_path):
    result = _kotodx(["check"], {"KOTODX_PRODUCTION": "1"}, tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr and "本番モード" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_deploy_is_clean_in_production(tmp_path):
    result = _kotodx(
        ["check", "--deploy", "--fail-level", "WARNING"],
        {
            "KOTODX_PRODUCTION": "1",
            "SECRET_KEY": "x" * 64 + "-production-secret-for-the-check",
            "KOTODX_ALLOWED_HOSTS": "dx.example.jp",
        },
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_help_lists_the_platform_commands(tmp_path):
    result = _kotodx(["--help"], {}, tmp_path)
    for command in ("migrate", "loaddemo", "serve", "run_huey"):
        assert command in result.stdout
