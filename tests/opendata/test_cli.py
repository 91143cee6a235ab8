"""``kotodx opendata``: the validation report on the console, with exit codes 0 (valid), 1 (errors) and
2 (the file cannot be read); ``--json``; the list of schemas. Run as a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from kotodx.opendata import validation
from tests.opendata.conftest import KOTO


@pytest.fixture
def kotodx(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "KOTODX_PRODUCTION"}}
    env = {k: v for k, v in env.items() if not k.startswith("DJANGO_")}
    env["KOTODX_DATA_DIR"] = str(tmp_path / "var")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "kotodx.cli", "opendata", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    return run


def test_schemas_lists_the_six_with_japanese_titles(kotodx):
    result = kotodx("schemas")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 6
    for (name, title), line in zip(validation.schema_names(), lines, strict=True):
        assert line.split() == [name, title]
    listed = json.loads(kotodx("schemas", "--json").stdout)
    assert {"name": "evacuation-sites", "title": "指定緊急避難場所一覧"} in listed and len(listed) == 6


def test_a_valid_file_exits_0_with_the_report(kotodx):
    result = kotodx("validate", str(KOTO / "koto-library.sjis.csv"))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "文字コード: Shift_JIS" in out
    assert "スキーマ: public-facilities（公共施設一覧）" in out
    assert "データ行数: 12" in out and "結果: 適合" in out
    assert "14行目は空の行です" in out  # a note, not an error
    assert "「郵便番号」: 値の後ろに空白があります（5件、最初は2行目「136-0076 」）" in out


def test_a_file_with_errors_exits_1_naming_rows_and_columns(kotodx, tmp_path):
    lines = (KOTO / "koto-park.csv").read_bytes().decode("utf-8").split("\r\n")
    lines[2] = lines[2].replace("131083,", "13108,", 1)  # row 3
    path = tmp_path / "park.csv"
    path.write_bytes("\r\n".join(lines).encode("utf-8"))
    result = kotodx("validate", str(path))
    assert result.returncode == 1
    assert "結果: エラーあり（1件）" in result.stdout
    assert (
        "3行目「都道府県コード又は市区町村コード」: 「13108」は6桁の全国地方公共団体コードではありません"
        in result.stdout
    )
    assert "エラーが1件あります" in result.stderr and "Traceback" not in result.stderr


def test_json_output_parses_for_valid_and_invalid_files(kotodx, tmp_path):
    result = kotodx("validate", str(KOTO / "koto-park.csv"), "--json")
    assert result.returncode == 0
    report = json.loads(result.stdout)
    assert report["valid"] is True and report["row_count"] == 171 and report["problems"] == []
    assert report["encoding_label"] == "UTF-8" and report["schema"] == "public-facilities"
    result = kotodx("validate", str(KOTO / "koto-gomi.csv"), "--schema", "aed", "--json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["valid"] is False and report["schema"] == "aed"
    assert [p["column"] for p in report["problems"] if p["code"] == "missing-column"] == [
        "全国地方公共団体コード",
        "ID",
        "名称",
        "緯度",
        "経度",
        "設置位置",
    ]


def test_unreadable_files_exit_2(kotodx, tmp_path):
    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "image.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (tmp_path / "binary.csv").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "latin.csv").write_bytes(b"name\r\ncaf\x81\r\n")
    with open(tmp_path / "huge.csv", "wb") as fh:  # sparse: the size is refused before reading
        fh.truncate(validation.MAX_BYTES + 1)
    expected = {
        "missing.csv": "ファイルがありません",
        "empty.csv": "ファイルが空です",
        "image.csv": "PNG画像のようです",
        "binary.csv": "バイナリファイル",
        "latin.csv": "文字コードを判別できません",
        "huge.csv": "ファイルが大きすぎます（100.0MB）",
        ".": "ファイルではありません",
    }
    for name, words in expected.items():
        result = kotodx("validate", str(tmp_path / name))
        assert result.returncode == 2, (name, result.stdout, result.stderr)
        assert words in result.stderr and "Traceback" not in result.stderr, name
    result = kotodx("validate", str(tmp_path / "image.csv"), "--json")
    assert result.returncode == 2
    assert json.loads(result.stdout) == {
        "file": str(tmp_path / "image.csv"),
        "readable": False,
        "message": "PNG画像のようです。CSVファイルではありません。",
    }


def test_an_unknown_schema_is_a_usage_error(kotodx):
    result = kotodx("validate", str(KOTO / "koto-park.csv"), "--schema", "parks")
    assert result.returncode == 2
    assert "invalid choice: 'parks'" in result.stderr
