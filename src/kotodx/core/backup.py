"""Backups of the whole platform in either mode, as one .tar.gz: the database (SQLite through its online
backup API, so the server may keep running; PostgreSQL through ``pg_dump -Fc``), the uploaded files, and a
manifest with the row count of every table and the SHA-256 of every file. A restore puts both back and
checks the result against the manifest."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection

FORMAT = 1


class BackupProblem(Exception):
    """Said in Japanese."""


def _engine() -> str:
    return "postgresql" if connection.vendor == "postgresql" else "sqlite"


def row_counts() -> dict[str, int]:
    counts = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.managed and not model._meta.proxy:
            counts[model._meta.db_table] = model._default_manager.using("default").count()
    return dict(sorted(counts.items()))


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1024 * 1024), b""):
            h.update(chunk)
    return h.hexdigest()


def media_files() -> dict[str, str]:
    root = Path(settings.MEDIA_ROOT)
    if not root.exists():
        return {}
    return {str(p.relative_to(root)): _sha256(p) for p in sorted(root.rglob("*")) if p.is_file()}


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupProblem(f"{name} が見つかりません（Debian では postgresql-client を入れてください）。")
    return path


def _pg_env() -> tuple[dict[str, str], list[str]]:
    db = settings.DATABASES["default"]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    args = [
        "-h",
        str(db.get("HOST") or "127.0.0.1"),
        "-p",
        str(db.get("PORT") or 5432),
        "-U",
        str(db.get("USER") or "postgres"),
    ]
    return env, args


def backup(out_dir: Path) -> Path:
    """Write the backup file into out_dir and return its path."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = out_dir / f"kotodx-backup-{stamp}.tar.gz"
    out_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    _remove_dead_partials(out_dir)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        engine = _engine()
        if engine == "sqlite":
            connection.ensure_connection()
            dest = sqlite3.connect(work / "db.sqlite3")
            try:
                connection.connection.backup(dest)  # online: readers and writers may go on
            finally:
                dest.close()
        else:
            env, args = _pg_env()
            name = str(settings.DATABASES["default"]["NAME"])
            result = subprocess.run(  # noqa: S603  (our own settings, no shell)
                [_tool("pg_dump"), *args, "-Fc", "--no-owner", "-f", str(work / "db.dump"), name],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                raise BackupProblem(f"pg_dump が失敗しました: {result.stderr.strip()[:500]}")
        manifest = {
            "format": FORMAT,
            "created_at": dt.datetime.now(dt.UTC).isoformat(),
            "engine": engine,
            "tables": row_counts(),
            "media": media_files(),
        }
        (work / "manifest.json").write_text(
            json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        # Residents' personal data: readable by the owner only (0600, whatever the umask), and written
        # under a temporary name, on disk before it takes its own, so that a backup cut short (even by
        # a power cut) is never taken for a whole one.
        partial = target.with_name(f"{target.name}.{os.getpid()}.part")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as fh:
                with tarfile.open(fileobj=fh, mode="w:gz") as tar:
                    for item in sorted(work.iterdir()):
                        tar.add(item, arcname=item.name)
                    media = Path(settings.MEDIA_ROOT)
                    if media.exists():
                        tar.add(media, arcname="media")
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(partial, target)
            dir_fd = os.open(out_dir, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return target


def _remove_dead_partials(out_dir: Path) -> None:
    """A backup killed outright (kill -9, out of memory) leaves its .part file, full of personal data:
    those of processes that no longer run are removed."""
    for part in out_dir.glob("kotodx-backup-*.part"):
        pid = part.name.rsplit(".", 2)[-2]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            part.unlink(missing_ok=True)


def folder_is_private(out_dir: Path) -> bool:
    """Only the owner may enter the backup folder (no group or other permission bits)."""
    return out_dir.stat().st_mode & 0o077 == 0


def _read_manifest(tar: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = tar.getmember("manifest.json")
    except KeyError:
        raise BackupProblem(
            "バックアップの目録（manifest.json）がありません。"
            "kotodx backup で作ったファイルを指定してください。"
        ) from None
    fh = tar.extractfile(member)
    if fh is None:
        raise BackupProblem("目録を読めません。")
    manifest = json.load(io.TextIOWrapper(fh, encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise BackupProblem(f"この版では読めないバックアップです（形式 {manifest.get('format')}）。")
    return manifest


def restore(path: Path) -> dict[str, Any]:
    """Put the database and the uploaded files back; returns the differences from the manifest (none when
    the restore is complete)."""
    try:
        tar = tarfile.open(path, "r:gz")  # noqa: SIM115  (closed by the with below)
    except (OSError, tarfile.TarError) as exc:
        raise BackupProblem(f"バックアップファイルを開けません: {exc}") from exc
    with tar, tempfile.TemporaryDirectory() as tmp:
        manifest = _read_manifest(tar)
        if manifest["engine"] != _engine():
            raise BackupProblem(
                f"このバックアップは {manifest['engine']} のものです。"
                f"いまの設定（{_engine()}）には戻せません。"
            )
        tar.extractall(tmp, filter="data")
        work = Path(tmp)
        if manifest["engine"] == "sqlite":
            connection.ensure_connection()
            source = sqlite3.connect(work / "db.sqlite3")
            try:
                source.backup(connection.connection)
            finally:
                source.close()
        else:
            connection.close()
            env, args = _pg_env()
            name = str(settings.DATABASES["default"]["NAME"])
            result = subprocess.run(  # noqa: S603  (our own settings, no shell)
                [
                    _tool("pg_restore"),
                    *args,
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "-d",
                    name,
                    str(work / "db.dump"),
                ],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                raise BackupProblem(f"pg_restore が失敗しました: {result.stderr.strip()[:500]}")
        media = Path(settings.MEDIA_ROOT)
        if media.exists():
            shutil.rmtree(media)
        if (work / "media").exists():
            shutil.copytree(work / "media", media)
        else:
            media.mkdir(parents=True, exist_ok=True)
    counts, files = row_counts(), media_files()
    return {
        "tables": {t: (n, counts.get(t)) for t, n in manifest["tables"].items() if counts.get(t) != n},
        "media": sorted(f for f, h in manifest["media"].items() if files.get(f) != h),
        "manifest": manifest,
    }
