"""Backup and restore round trip in the mode the suite runs in (SQLite here; PostgreSQL in the second CI
run): row counts of every table and the SHA-256 of every uploaded file come back as they were."""

import io
import os
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kotodx.core import backup
from kotodx.core.models import Department
from kotodx.governance import services as gov
from kotodx.governance.models import System


@pytest.fixture
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    Path(settings.MEDIA_ROOT, "eapply").mkdir(parents=True)
    Path(settings.MEDIA_ROOT, "eapply", "申請書.pdf").write_bytes(b"%PDF-1.4 original")
    return Path(settings.MEDIA_ROOT)


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_round_trip(personas, media, tmp_path):
    gov.system_save(
        data={
            "name": "戻すシステム",
            "department": personas.dept_a,
            "hosting": "lgwan_asp",
            "network": "lgwan",
        },
        actor=personas.it_officer,
    )
    before_counts, before_files = backup.row_counts(), backup.media_files()
    out = io.StringIO()
    call_command("backup", "-o", str(tmp_path / "backups"), stdout=out)
    archive = Path(out.getvalue().strip())
    assert archive.exists() and archive.name.startswith("kotodx-backup-")
    # Residents' personal data: the owner alone may read it, whatever the umask; nothing half-written left.
    assert archive.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "backups").stat().st_mode & 0o777 == 0o700
    assert [p.name for p in (tmp_path / "backups").iterdir()] == [archive.name]
    # A backup killed outright left its .part behind: the next backup removes it (its process is gone),
    # but not one a running backup is writing; a folder others may open is named in a warning.
    dead = tmp_path / "backups" / "kotodx-backup-20260101-000000.tar.gz.999999999.part"
    alive = tmp_path / "backups" / f"kotodx-backup-20260101-000000.tar.gz.{os.getpid()}.part"
    dead.write_bytes(b"half"), alive.write_bytes(b"half")
    (tmp_path / "backups").chmod(0o755)
    err = io.StringIO()
    call_command("backup", "-o", str(tmp_path / "backups"), stdout=io.StringIO(), stderr=err)
    assert not dead.exists() and alive.exists()
    assert "chmod 700" in err.getvalue()
    alive.unlink()
    (tmp_path / "backups").chmod(0o700)
    # Things change after the backup...
    System.objects.all().delete()
    Department.objects.create(code="new-dept", name="新しい課")
    (media / "eapply" / "申請書.pdf").write_bytes(b"tampered")
    (media / "later.txt").write_text("after the backup")
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(archive))
    out = io.StringIO()
    call_command("restore", str(archive), "--yes", stdout=out)
    assert "照合で違いはありません" in out.getvalue()
    assert backup.row_counts() == before_counts
    assert backup.media_files() == before_files
    assert System.objects.filter(name="戻すシステム").exists()
    assert not Department.objects.filter(code="new-dept").exists()


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_what_is_not_a_backup(tmp_path):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not a tarball")
    with pytest.raises(CommandError, match="開けません"):
        call_command("restore", str(junk), "--yes")
    import tarfile

    empty = tmp_path / "empty.tar.gz"
    with tarfile.open(empty, "w:gz") as tar:
        info = tarfile.TarInfo("hello.txt")
        tar.addfile(info, io.BytesIO(b""))
    with pytest.raises(CommandError, match="目録"):
        call_command("restore", str(empty), "--yes")
