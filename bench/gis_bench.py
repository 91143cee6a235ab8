"""OGC API – Features against pygeoapi, in one run (`python -m bench.gis_bench`, part of `make bench`).

1. The anchor: the peer rig `pygeoapi-anchor/run.sh` in KOTODX_BENCH_PEERS (by default ../shared/bench) —
   pygeoapi 0.21 (2 gunicorn workers) serving 200,000 points from PostGIS, loaded by wrk (8 connections)
   with 1,000 random 500 m bbox queries (limit=100), single items and offset pages, then the raw SQL
   floor of the bbox query.
2. The same points: the anchor's own `load_data.sql` (same SQL, same seed) run in a scratch database of the
   local PostgreSQL (PostGIS comes with the anchor), read out and loaded into our layer `facilities`.
3. Our server (`kotodx serve`, 2 gunicorn workers) on the embedded SQLite and on PostgreSQL, loaded by the
   same wrk script with the same 1,000 paths per scenario (prefix /ogc/collections/facilities).

Figures are reported as ratios against pygeoapi in the same run. KOTODX_BENCH_GIS_SECONDS sets the seconds
per scenario (default 15). Needs root for the anchor's Debian packages (wrk, PostGIS)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.peers import PEERS, absent
from bench.server import serve

ANCHOR = PEERS / "pygeoapi-anchor"
SECONDS = int(os.environ.get("KOTODX_BENCH_GIS_SECONDS", "15"))
SCENARIOS = ("a_bbox", "b_item", "c_offset")
PG = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-v", "ON_ERROR_STOP=1"]


def _result(line: str) -> dict[str, float]:
    return {k: float(v) for k, v in re.findall(r"(\w+)=([\d.]+)", line.split("RESULT", 1)[1])}


def run_anchor(work: Path) -> dict[str, dict[str, float]]:
    out = subprocess.run(
        ["bash", str(ANCHOR / "run.sh"), str(SECONDS)],
        env={**os.environ, "WORK": str(work)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    results = {}
    for line in out.splitlines():
        if "RESULT" not in line:
            continue
        if line.startswith("pygeoapi"):
            results[line.split()[1]] = _result(line)
        elif line.startswith("sql-floor"):
            results["sql_floor"] = _result(line)
    return results


def export_points(dest: Path) -> int:
    """Run the anchor's load_data.sql in a scratch database and write the points as JSON lines."""
    db = f"kotodx_gisbench_{os.getpid()}"
    subprocess.run([*PG, "-c", f"CREATE DATABASE {db}", "postgres"], check=True, capture_output=True)
    try:
        subprocess.run([*PG, "-f", str(ANCHOR / "load_data.sql"), db], check=True, capture_output=True)
        rows = subprocess.run(
            [
                *PG,
                "-At",
                "-c",
                "SELECT json_build_array(id, name, category, updated, ST_X(geom), ST_Y(geom)) "
                "FROM facilities ORDER BY id",
                db,
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        subprocess.run(
            [*PG, "-c", f"DROP DATABASE IF EXISTS {db} WITH (FORCE)", "postgres"], capture_output=True
        )
    dest.write_text(rows)
    return rows.count("\n")


def load(points_file: str) -> None:
    """(run in a configured environment) the points become the public layer `facilities`."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kotodx.settings")
    django.setup()
    from shapely.geometry import Point

    from kotodx.core.models import Department
    from kotodx.gis import services

    items = []
    with open(points_file, encoding="utf-8") as fh:
        for line in fh:
            fid, name, category, updated, x, y = json.loads(line)
            items.append((Point(x, y), {"name": name, "category": category, "updated": updated}))
    dept = Department.objects.order_by("id").first()
    layer = services.layer_create(
        actor=None,
        data={
            "name": "facilities",
            "title": "ベンチマーク用の点",
            "department": dept,
            "visibility": "public",
        },
    )
    services.layer_replace_features(layer=layer, items=items, actor=None)


def _wrk(base: str, urls: Path, seconds: int) -> dict[str, float]:
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            "-c8",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(ANCHOR / "rand_paths.lua"),
            base,
        ],
        env={**os.environ, "URLS": str(urls)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return _result(next(line for line in out.splitlines() if line.startswith("RESULT")))


def run_ours(backend: str, env: dict[str, str], points: Path, url_dir: Path) -> dict[str, dict[str, float]]:
    kotodx = [sys.executable, "-m", "kotodx.cli"]
    subprocess.run([*kotodx, "migrate", "--noinput"], env=env, check=True, capture_output=True)
    subprocess.run([*kotodx, "loaddemo"], env=env, check=True, capture_output=True)
    subprocess.run(
        [sys.executable, "-m", "bench.gis_bench", "load", str(points)],
        env=env,
        check=True,
        capture_output=True,
    )
    with serve(env) as base:
        results = {}
        for s in SCENARIOS:
            ours = url_dir / f"ours_{s}.txt"
            _wrk(base, ours, 5)  # warm-up, as the anchor does
        for s in SCENARIOS:
            results[s] = _wrk(base, url_dir / f"ours_{s}.txt", SECONDS)
        return results


def main() -> None:
    if not (ANCHOR / "run.sh").is_file():
        absent("GIS", ANCHOR, "pygeoapi 0.21 on PostGIS with 200,000 points, wrk and rand_paths.lua")
        return
    work = Path(os.environ.get("KOTODX_BENCH_ANCHOR_WORK", Path.home() / ".cache" / "pygeoapi-anchor"))
    anchor = run_anchor(work)  # also installs wrk and PostGIS, and writes the URL lists
    tmp = Path(tempfile.mkdtemp())
    for s in SCENARIOS:
        paths = (
            (work / f"urls_{s}.txt")
            .read_text()
            .replace("/collections/facilities", "/ogc/collections/facilities")
        )
        (tmp / f"ours_{s}.txt").write_text(paths)
    points = tmp / "points.jsonl"
    n = export_points(points)
    runs = {"sqlite": {"KOTODX_DATA_DIR": str(tmp / "sqlite")}}
    db = f"kotodx_gisbench_app_{os.getpid()}"
    if subprocess.run([*PG, "-c", f"CREATE DATABASE {db}", "postgres"], capture_output=True).returncode == 0:
        runs["postgresql"] = {
            "KOTODX_DATA_DIR": str(tmp / "pg"),
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{db}",
        }
    ours = {}
    try:
        for backend, extra in runs.items():
            env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")} | extra
            ours[backend] = run_ours(backend, env, points, tmp)
    finally:
        subprocess.run(
            [*PG, "-c", f"DROP DATABASE IF EXISTS {db} WITH (FORCE)", "postgres"], capture_output=True
        )
    print(f"\nOGC API – Features, {n:,} points, wrk 8 connections, {SECONDS} s per scenario, same paths:")
    floor = anchor.get("sql_floor", {})
    if floor:
        print(
            f"  raw SQL floor (PostGIS, 8 threads): {floor['qps']:.0f} queries/s, "
            f"p95 {floor['p95_ms']:.1f} ms"
        )
    for s in SCENARIOS:
        a = anchor[s]
        print(
            f"  {s:<9} pygeoapi            {a['rps']:8.1f} req/s  p95 {a['p95_ms']:7.1f} ms  "
            f"non-200 {a['non200']:.0f}"
        )
        for backend, res in ours.items():
            r = res[s]
            print(
                f"  {s:<9} kotodx {backend:<12} {r['rps']:8.1f} req/s  p95 {r['p95_ms']:7.1f} ms  "
                f"non-200 {r['non200']:.0f}   {r['rps'] / a['rps']:5.1f}× pygeoapi's throughput"
            )


if __name__ == "__main__":
    if sys.argv[1:2] == ["load"]:
        load(sys.argv[2])
    else:
        main()
