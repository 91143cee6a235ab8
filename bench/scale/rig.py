"""Multi-process scale and fault rig of the Koto DX Platform (``make scale-test``,
``python -m bench.scale.rig``).

What it does, all on loopback:

1. creates a fresh PostgreSQL database ``kotodx_scale_<pid>`` (127.0.0.1:5432, user postgres), flushes
   Redis db 13, migrates, loads the demo data, collects the static files into a temporary data folder and
   publishes a three-page test form (``scale-bench``) in 子育て支援課 so that clerk.kosodate processes it;
2. starts 3 gunicorn app processes (1 worker, 4 threads each, as ``kotodx serve`` runs them) on their own
   ports and 2 Huey consumers (``kotodx run_huey``) on Redis;
3. measures scaling: three bounded Locust phases (headless, ``SCALE_PHASE_SECONDS`` each, default 25 s)
   through HAProxy with 1, 2 and 3 app processes behind it: residents browse the procedure and open-data
   catalogs and the map, search, and submit the form; two clerks move submissions 受付 → 審査中 → 承認.
   A thread of the rig starts an audit-log export job (core.audit_export) every 2 s. In these phases
   each app process gets a CPU slice of its own (``SCALE_APP_CPU`` CPUs, default 0.25, a Linux cgroup
   CPU quota, as ``docker --cpus`` or systemd's ``CPUQuota=`` set it): as if each ran on a small machine
   of its own, so that the ratio measures the platform (shared database, queue, cache, sessions) and
   not how many cores this machine has — on a 2-core machine the load generator, the proxy, PostgreSQL,
   Redis and the consumers share the cores with the app processes, and 3 unrestricted processes cannot
   do 3 times the work of one. ``SCALE_APP_CPU=0``, or a machine where the rig may not create cgroups,
   measures without slices (and the report says so);
4. a fourth phase of 3 processes without slices, with faults: ``kill -9`` of one gunicorn (master and
   worker; HAProxy health checks route around it), ``kill -9`` of the consumer that is running a job
   just then (or of the first one when none is), and ``pg_terminate_backend`` of every connection to
   the database;
5. (after step 6) drains the queue (up to ``SCALE_DRAIN_SECONDS``, default 150 s: the job the killed
   consumer held is queued again by the surviving one once its lease, ``SCALE_LEASE_SECONDS`` = 15 s,
   has run out, at that consumer's next minute tick) and checks in the database: every reference number
   handed out is stored exactly once, every submission and every staff transition has its audit entry,
   and every job finished (the jobs by status, and how many needed a second attempt);
6. then, on 3 processes without faults, smaller loads (``SCALE_SUSTAIN_STEPS`` users, default 3, 6, 12):
   the p95 of submissions at each, and the highest load that keeps it within the 300 ms goal;
7. prints requests/s and p50/p95/p99 per endpoint class per phase, the 3-vs-1 scaling ratio (answered
   requests/s, and each app process's CPU seconds per request, which stays flat when nothing is
   contended) and the counts; drops the database. Exit 0 when nothing was lost, 1 on any lost or
   duplicated submission, missing audit entry or job left unfinished or failed, 2 when the rig could not
   run (or no submission succeeded, so nothing could be checked).

``--embedded`` runs the same on the embedded default instead: SQLite (WAL) and the SQLite queue in the data
folder, no PostgreSQL or Redis; its faults are ``kill -9`` of one gunicorn, of the consumer running a job,
and then of every app process at once (the whole server), started again after 2 s.

Takes about 5–6 minutes on a 2-core machine (about a minute of it is migrate + loaddemo + collectstatic).
Needs ``haproxy`` (Debian package) and ``locust`` in the virtualenv.

Its first run found that a resident's final submit failed with 503 on PostgreSQL (a transaction decorator
lost in a refactor; fixed, with tests/eapply/test_fill.py::test_submitting_runs_in_its_own_transaction).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib.util
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import requests

from bench import eapply_bench

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable
PHASE_SECONDS = int(os.environ.get("SCALE_PHASE_SECONDS", "25"))
# Throughput is counted in the steady part of a phase: after the users have started and before the
# run time ends (the requests answered while Locust stops its users are left out).
RAMP_SECONDS = 3
WARMUP_SECONDS = 8
USERS = int(os.environ.get("SCALE_USERS", "30"))
APP_CPU = float(os.environ.get("SCALE_APP_CPU", "0.25"))
SUSTAIN_STEPS = [int(u) for u in os.environ.get("SCALE_SUSTAIN_STEPS", "3,6,12").split(",") if u.strip()]
LEASE_SECONDS = int(os.environ.get("SCALE_LEASE_SECONDS", "15"))
# The surviving consumer looks for dead leases once a minute: the drain waits for that and the retry.
DRAIN_SECONDS = int(os.environ.get("SCALE_DRAIN_SECONDS", "150"))
REDIS_DB = int(os.environ.get("SCALE_REDIS_DB", "13"))
PROCEDURE = "scale-bench"
CLASSES = ("browse", "search", "submit", "staff")
PG = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-v", "ON_ERROR_STOP=1"]

# The e-application bench's three-page form, under its own title.
DEFINITION = {**eapply_bench.DEFINITION, "title": "スケール試験申請"}


T0 = time.monotonic()


def log(msg: str) -> None:
    print(f"[{time.monotonic() - T0:5.0f} s] {msg}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http(url: str, proc: subprocess.Popen[bytes] | None, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        time.sleep(0.3)
    raise RuntimeError(f"{what} did not answer {url} within {seconds:.0f} s")


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    rank = max(1, int(round(q / 100 * len(sorted_values) + 0.5 - 1e-9)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds the processes have used (``/proc/<pid>/stat``)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def read_or_empty(path: Path) -> str:
    return path.read_text() if path.exists() else ""


class CpuSlices:
    """A cgroup with a CPU quota per app process (cgroup v1 ``cpu`` or v2 ``cpu.max``), made and removed
    by the rig. ``reason`` says why there are none (not root, no cpu controller, SCALE_APP_CPU=0)."""

    PERIOD = 100_000  # µs

    def __init__(self, cpus: float, tag: str) -> None:
        self.cpus = cpus
        self.dirs: list[Path] = []
        self.root: Path | None = None
        self.v2 = False
        self.reason = ""
        if cpus <= 0:
            self.reason = "SCALE_APP_CPU=0"
            return
        v1 = Path("/sys/fs/cgroup/cpu")
        v2 = Path("/sys/fs/cgroup")
        if (v1 / "cpu.cfs_quota_us").exists():
            base = v1
        elif "cpu" in read_or_empty(v2 / "cgroup.controllers").split():
            base, self.v2 = v2, True
        else:
            self.reason = "no cgroup cpu controller on this machine"
            return
        self._remove_stale(base)
        root = base / tag
        try:
            root.mkdir()
        except OSError as exc:
            self.reason = f"cannot create a cgroup under {base} ({exc.strerror}; the rig must run as root)"
            return
        try:
            if self.v2:
                (root / "cgroup.subtree_control").write_text("+cpu")
        except OSError as exc:
            root.rmdir()
            self.reason = f"cannot enable the cpu controller under {base} ({exc.strerror})"
            return
        self.root = root

    @staticmethod
    def _remove_stale(base: Path) -> None:
        """The slices of an earlier rig that was killed outright (its pid is gone), once they are empty."""
        for old in base.glob("kotodx_scale_*"):
            pid = old.name.rpartition("_")[2]
            if not pid.isdigit() or Path(f"/proc/{pid}").exists():
                continue
            with contextlib.suppress(OSError):  # still holds a live process: left alone
                for child in old.iterdir():
                    if child.is_dir():
                        child.rmdir()
                old.rmdir()

    @property
    def label(self) -> str:
        return f"{self.cpus:g} CPU per app process" if self.root else f"no CPU slices ({self.reason})"

    def _procs(self, base: Path) -> Path:
        return base / "cgroup.procs"

    def put(self, name: str, pids: list[int]) -> None:
        """Puts the processes (all their threads) into the slice ``name``."""
        assert self.root is not None
        d = self.root / name
        if not d.exists():
            d.mkdir()
            if self.v2:
                (d / "cpu.max").write_text(f"{int(self.cpus * self.PERIOD)} {self.PERIOD}")
            else:
                (d / "cpu.cfs_period_us").write_text(str(self.PERIOD))
                (d / "cpu.cfs_quota_us").write_text(str(int(self.cpus * self.PERIOD)))
            self.dirs.append(d)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):  # a process that has just ended
                self._procs(d).write_text(str(pid))

    def release(self, pids: list[int]) -> None:
        """Back to the top of the hierarchy, where the rig's processes run (no quota)."""
        if self.root is None:
            return
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                self._procs(self.root.parent).write_text(str(pid))

    def remove(self) -> None:
        for d in reversed(self.dirs):
            d.rmdir()
        if self.root is not None:
            self.root.rmdir()
        self.dirs, self.root = [], None


class Rig:
    def __init__(self, embedded: bool = False) -> None:
        self.embedded = embedded
        self.pid = os.getpid()
        self.db = f"kotodx_scale_{self.pid}"
        self.tmp = Path(tempfile.mkdtemp(prefix="kotodx-scale-"))
        self.app_ports = [free_port() for _ in range(3)]
        self.proxy_port = free_port()
        self.apps: dict[int, subprocess.Popen[bytes]] = {}
        self.consumers: list[subprocess.Popen[bytes]] = []
        self.haproxy: subprocess.Popen[bytes] | None = None
        self.faults: list[str] = []
        self.jobs_started = 0
        self.jobs_start_errors = 0
        self.db_created = False
        self.phases_run = 0
        self.slices = CpuSlices(APP_CPU, f"kotodx_scale_{self.pid}")
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("KOTODX_", "DATABASE_", "REDIS_"))},
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{self.db}",
            "REDIS_URL": f"redis://127.0.0.1:6379/{REDIS_DB}",
            "KOTODX_DATA_DIR": str(self.tmp / "data"),
            # A killed consumer's job is queued again by the other one after this lease (core.lease).
            "KOTODX_JOB_LEASE_SECONDS": str(LEASE_SECONDS),
            "KOTODX_QUEUE_NAME": f"kotodx_scale_{self.pid}",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "KOTODX_DEBUG": "0",
            "KOTODX_PRODUCTION": "0",  # production mode forces HTTPS and secure cookies; the rig is HTTP
            "KOTODX_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "KOTODX_EAPPLY_START_LIMIT": "1000000000",  # every simulated resident comes from 127.0.0.1
            "KOTODX_LOGIN_FAILURE_LIMIT": "1000",
            "KOTODX_QUEUE_WORKERS": "2",
            "KOTODX_LOG_LEVEL": "WARNING",
            "KOTODX_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "DJANGO_SETTINGS_MODULE": "kotodx.settings",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")])),
        }
        if embedded:  # no DATABASE_URL and no REDIS_URL: the embedded default in the data folder
            del self.env["DATABASE_URL"], self.env["REDIS_URL"]

    # --- set-up and tear-down -----------------------------------------------------------------------

    def kotodx(self, *args: str, log_name: str) -> subprocess.Popen[bytes]:
        out = open(self.tmp / log_name, "wb")  # noqa: SIM115
        return subprocess.Popen(
            [PY, "-m", "kotodx.cli", *args], env=self.env, cwd=ROOT, stdout=out, stderr=out
        )

    def run_kotodx(self, *args: str) -> None:
        proc = self.kotodx(*args, log_name=f"{args[0]}.log")
        if proc.wait() != 0:
            raise RuntimeError(f"kotodx {' '.join(args)} failed: see {self.tmp / (args[0] + '.log')}")

    def setup(self) -> None:
        (self.tmp / "data").mkdir()
        if self.embedded:
            log(f"embedded default: SQLite (WAL) and the SQLite queue in {self.tmp / 'data'}")
        else:
            subprocess.run([*PG, "-c", f"CREATE DATABASE {self.db}", "postgres"], check=True)
            self.db_created = True
            import redis

            redis.Redis.from_url(self.env["REDIS_URL"]).flushdb()
            log(f"database {self.db}, Redis db {REDIS_DB} flushed, data folder {self.tmp}")
        self.run_kotodx("migrate", "--noinput")
        demo = self.kotodx("loaddemo", log_name="loaddemo.log")
        static = self.kotodx("collectstatic", "--noinput", "-v0", log_name="collectstatic.log")
        if demo.wait() != 0 or static.wait() != 0:
            raise RuntimeError(f"loaddemo or collectstatic failed: see the logs in {self.tmp}")
        os.environ.update(self.env)
        import django

        django.setup()
        from kotodx.core.models import Department
        from kotodx.eapply import services

        dept = Department.objects.get(code="kosodate")
        procedure = services.procedure_save(
            procedure=None,
            actor=None,
            data={
                "slug": PROCEDURE,
                "name": "スケール試験申請",
                "category": "other",
                "department": dept,
                "description": "負荷試験用の手続き",
            },
        )
        services.form_save_draft(procedure=procedure, definition=DEFINITION, actor=None)
        services.form_publish(procedure=procedure, actor=None)
        log("migrated, demo data loaded, static files collected, test form published")

    def start_app(self, port: int) -> None:
        out = open(self.tmp / f"gunicorn-{port}.log", "ab")  # noqa: SIM115
        self.apps[port] = subprocess.Popen(
            [
                PY,
                "-m",
                "gunicorn",
                "kotodx.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--worker-class",
                "gthread",
                "--threads",
                "4",
                "--timeout",
                "60",
                "--graceful-timeout",
                "5",
            ],
            env=self.env,
            cwd=ROOT,
            stdout=out,
            stderr=out,
        )

    def ensure_apps(self, n: int) -> None:
        for port in self.app_ports[:n]:
            proc = self.apps.get(port)
            if proc is None or proc.poll() is not None:
                self.start_app(port)
        for port in self.app_ports[:n]:
            wait_http(f"http://127.0.0.1:{port}/healthz", self.apps[port], f"gunicorn on {port}")

    def start_consumers(self) -> None:
        for i in range(2):
            self.consumers.append(self.kotodx("run_huey", "--quiet", log_name=f"consumer-{i}.log"))

    def start_proxy(self, n: int) -> str:
        self.stop_proxy()
        servers = "\n".join(
            f"    server app{i + 1} 127.0.0.1:{port} check" for i, port in enumerate(self.app_ports[:n])
        )
        cfg = self.tmp / f"haproxy-{n}.cfg"
        cfg.write_text(
            f"""global
    maxconn 2000

defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout queue 30s
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response
    option http-server-close

frontend web
    bind 127.0.0.1:{self.proxy_port}
    default_backend app

backend app
    balance leastconn
    option httpchk
    http-check send meth GET uri /healthz ver HTTP/1.1 hdr Host 127.0.0.1
    http-check expect status 200
    # /healthz waits behind busy threads under load: a slow answer is not a dead server (a killed one
    # refuses the connection at once and is taken out after two checks, i.e. within about a second).
    timeout check 5s
    # At most as many requests per app process as it has threads: the rest wait in HAProxy's queue and go
    # to whichever process is free first, instead of queueing inside a busy one.
    default-server inter 1s fastinter 500ms fall 2 rise 2 maxconn 4
{servers}
"""
        )
        out = open(self.tmp / "haproxy.log", "ab")  # noqa: SIM115
        self.haproxy = subprocess.Popen(["haproxy", "-db", "-f", str(cfg)], stdout=out, stderr=out)
        base = f"http://127.0.0.1:{self.proxy_port}"
        wait_http(base + "/healthz", self.haproxy, "haproxy", seconds=20)
        return base

    def stop_proxy(self) -> None:
        if self.haproxy is not None and self.haproxy.poll() is None:
            self.haproxy.terminate()
            self.haproxy.wait(timeout=10)
        self.haproxy = None

    def teardown(self) -> None:
        self.stop_proxy()
        for port, proc in self.apps.items():
            if proc.poll() is None:
                try:
                    self.slices.release(self.app_pids(port))
                except OSError as exc:  # they are stopped below all the same
                    log(f"could not take the app process on {port} out of its CPU slice: {exc}")
        for proc in [*self.apps.values(), *self.consumers]:
            if proc.poll() is None:
                proc.terminate()
        for proc in [*self.apps.values(), *self.consumers]:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        try:
            self.slices.remove()
        except OSError as exc:
            log(f"could not remove the cgroups under {self.slices.root}: {exc}")
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: S110  (Django may never have been set up)
            pass
        if self.db_created:
            subprocess.run([*PG, "-c", f"DROP DATABASE IF EXISTS {self.db} WITH (FORCE)", "postgres"])
            log(f"database {self.db} dropped")
        try:
            import redis

            redis.Redis.from_url(self.env["REDIS_URL"]).flushdb()
        except Exception:  # noqa: S110
            pass
        if os.environ.get("SCALE_KEEP_TMP"):
            log(f"logs kept in {self.tmp}")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    # --- load, jobs and faults ----------------------------------------------------------------------

    def job_starter(self, stop: threading.Event) -> None:
        from django.db import connection

        from kotodx.core import services
        from kotodx.core.models import User

        admin = User.objects.get(username="admin")
        while not stop.wait(2.0):
            try:
                services.job_start(
                    kind="core.audit_export",
                    title="スケール試験の監査ログ出力",
                    params={"date_from": dt.date.today().isoformat()},  # all of today's: ~1 s of work
                    actor=admin,
                )
                self.jobs_started += 1
            except Exception:
                self.jobs_start_errors += 1  # e.g. its connection was terminated: a new one next time
                connection.close()
        connection.close()

    def app_pids(self, port: int) -> list[int]:
        """The gunicorn master on ``port`` and its workers."""
        master = self.apps[port].pid
        children = Path(f"/proc/{master}/task/{master}/children")
        workers = [int(p) for p in children.read_text().split()] if children.exists() else []
        return [master, *workers]

    def kill_app(self, port: int) -> str:
        victim = self.apps[port]
        pids = self.app_pids(port)
        for pid in reversed(pids):
            os.kill(pid, signal.SIGKILL)
        victim.wait()
        return f"kill -9 gunicorn on port {port} (master {pids[0]}, workers {pids[1:]})"

    def consumer_holding_a_job(self, stop: threading.Event) -> tuple[subprocess.Popen[bytes], str]:
        """The consumer running a job just now (waits a few seconds for one), else the first one."""
        from django.db import connection

        from kotodx.core.models import Job

        by_pid = {proc.pid: proc for proc in self.consumers if proc.poll() is None}
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline and not stop.is_set():
            try:
                for pk, worker in Job.objects.filter(status="running").values_list("pk", "worker"):
                    pid = int(worker.rpartition(":")[2] or 0)
                    if pid in by_pid:
                        return by_pid[pid], str(pk)
            except Exception:
                connection.close()
            time.sleep(0.1)
        return self.consumers[0], ""

    def inject_faults(self, stop: threading.Event) -> None:
        if stop.wait(PHASE_SECONDS * 0.3):
            return
        self.faults.append(self.kill_app(self.app_ports[-1]))
        log(self.faults[-1])
        if stop.wait(PHASE_SECONDS * 0.1):
            return
        consumer, holding = self.consumer_holding_a_job(stop)
        os.kill(consumer.pid, signal.SIGKILL)
        running = f" while it ran job {holding}" if holding else " (it held no job at that moment)"
        self.faults.append(f"kill -9 consumer {consumer.pid}{running}")
        log(self.faults[-1])
        if self.embedded:
            if stop.wait(PHASE_SECONDS * 0.1):
                return
            # The whole server dies: every app process at once, then they are started again.
            victims = [port for port, proc in self.apps.items() if proc.poll() is None]
            for port in victims:
                self.kill_app(port)
            self.faults.append(f"kill -9 of every app process (ports {victims}), restarted after 2 s")
            log(self.faults[-1])
            time.sleep(2)
            for port in victims:
                self.start_app(port)
            return
        if stop.wait(PHASE_SECONDS * 0.1):
            return
        out = subprocess.run(
            [
                *PG,
                "-At",
                "-c",
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                f" WHERE datname = '{self.db}' AND pid <> pg_backend_pid()",
                "postgres",
            ],
            capture_output=True,
            text=True,
        )
        self.faults.append(f"pg_terminate_backend: {out.stdout.strip() or out.stderr.strip()} connections")
        log(self.faults[-1])

    def phase(
        self,
        n: int,
        users: int = USERS,
        faults: bool = False,
        sliced: bool = False,
        seconds: int = PHASE_SECONDS,
    ) -> dict[str, Any]:
        self.ensure_apps(n)
        ports = self.app_ports[:n]
        sliced = sliced and self.slices.root is not None
        for port in self.app_ports:
            if sliced:
                self.slices.put(f"app{port}", self.app_pids(port))
            else:
                self.slices.release(self.app_pids(port))
        base = self.start_proxy(n)
        self.phases_run += 1  # each phase's files of its own: a Locust that dies leaves no earlier figures
        name = f"{self.phases_run}-{n}p-{users}u"
        stats_file = self.tmp / f"stats-{name}.json"
        stop = threading.Event()
        helpers = [threading.Thread(target=self.job_starter, args=(stop,), daemon=True)]
        if faults:
            helpers.append(threading.Thread(target=self.inject_faults, args=(stop,), daemon=True))
        log(
            f"phase: {n} app process(es), {users} users, {seconds} s"
            + (f", {self.slices.label}" if sliced else "")
            + (", faults" if faults else "")
        )
        cpu_before = cpu_seconds([pid for port in ports for pid in self.app_pids(port)])
        out = open(self.tmp / f"locust-{name}.log", "wb")  # noqa: SIM115
        locust = subprocess.Popen(
            [
                PY,
                "-m",
                "locust",
                "-f",
                str(Path(__file__).with_name("locustfile.py")),
                "--headless",
                "--users",
                str(users),
                "--spawn-rate",
                str(users),
                "--run-time",
                f"{seconds}s",
                "--stop-timeout",
                "10",
                "--host",
                base,
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            env={
                **self.env,
                "SCALE_STATS": str(stats_file),
                "SCALE_REFS": str(self.tmp / "references.txt"),
                "SCALE_PROCEDURE": PROCEDURE,
            },
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        for t in helpers:
            t.start()
        try:
            locust.wait(timeout=seconds + 90)
        finally:
            if locust.poll() is None:
                locust.kill()
            stop.set()
            for t in helpers:
                t.join(timeout=30)
        if not stats_file.exists():
            raise RuntimeError(f"Locust wrote no statistics: see {self.tmp / f'locust-{name}.log'}")
        app_cpu = cpu_seconds([pid for port in ports for pid in self.app_pids(port)]) - cpu_before
        return {
            "processes": n,
            "users": users,
            "sliced": sliced,
            "faults": faults,
            "app_cpu_seconds": None if faults else app_cpu,  # a killed process takes its count with it
            "run_seconds": seconds,
            **json.loads(stats_file.read_text()),
        }

    # --- checks -------------------------------------------------------------------------------------

    def check(self) -> dict[str, Any]:
        from django.db import connections
        from django.db.models import Count

        from kotodx.core.models import AuditEntry, Job
        from kotodx.eapply.models import Submission, SubmissionEvent

        connections.close_all()  # the rig's own connection was terminated with the others
        ref_file = self.tmp / "references.txt"
        handed = [r.strip() for r in ref_file.read_text().split()] if ref_file.exists() else []
        handed_set = set(handed)
        stored = Counter(
            dict(
                Submission.objects.filter(reference_number__in=handed_set)
                .values_list("reference_number")
                .annotate(n=Count("id"))
                .values_list("reference_number", "n")
            )
        )
        submitted = Submission.objects.filter(procedure__slug=PROCEDURE).exclude(status="draft")
        submitted_ids = {str(pk) for pk in submitted.values_list("pk", flat=True)}
        audited_create = set(
            AuditEntry.objects.filter(
                target_type="eapply.submission", action="create", target_id__in=submitted_ids
            ).values_list("target_id", flat=True)
        )
        transitions = Counter(
            str(s)
            for s in SubmissionEvent.objects.filter(
                submission__procedure__slug=PROCEDURE, kind="status", actor__isnull=False
            ).values_list("submission_id", flat=True)
        )
        audited_updates = Counter(
            AuditEntry.objects.filter(
                target_type="eapply.submission", action="update", target_id__in=set(transitions)
            ).values_list("target_id", flat=True)
        )
        job_ids = {str(j) for j in Job.objects.filter(kind="core.audit_export").values_list("pk", flat=True)}
        audited_jobs = set(
            AuditEntry.objects.filter(
                target_type="core.job", action="create", target_id__in=job_ids
            ).values_list("target_id", flat=True)
        )
        jobs = Counter(Job.objects.filter(kind="core.audit_export").values_list("status", flat=True))
        return {
            "handed_out": len(handed),
            "handed_out_distinct": len(handed_set),
            "stored_once": sum(1 for r in handed_set if stored.get(r) == 1),
            "lost": sum(1 for r in handed_set if not stored.get(r)),
            "duplicated": sum(1 for r in handed_set if stored.get(r, 0) > 1) + len(handed) - len(handed_set),
            "submitted_in_db": len(submitted_ids),
            "stored_not_handed_out": len(
                set(submitted.exclude(reference_number__in=handed_set).values_list("pk", flat=True))
            ),
            "submissions_without_audit": len(submitted_ids - audited_create),
            "staff_transitions": sum(transitions.values()),
            "transitions_without_audit": sum(
                max(0, n - audited_updates.get(s, 0)) for s, n in transitions.items()
            ),
            "jobs": dict(jobs),
            "jobs_retried": Job.objects.filter(kind="core.audit_export", attempts__gt=1).count(),
            "job_errors": Counter(
                Job.objects.filter(kind="core.audit_export", status="failed").values_list("error", flat=True)
            ).most_common(3),
            "jobs_without_audit": len(job_ids - audited_jobs),
        }

    def drain(self) -> None:
        from django.db import connections

        from kotodx.core.models import Job

        connections.close_all()
        deadline = time.monotonic() + DRAIN_SECONDS
        while time.monotonic() < deadline:
            try:
                waiting = Job.objects.filter(status__in=["queued", "running"]).count()
            except Exception:
                connections.close_all()
                waiting = -1
            if waiting == 0:
                break
            time.sleep(1)


def print_phase(ph: dict[str, Any], title: str) -> float:
    """The phase's table per endpoint class; returns its answered requests/s."""
    secs = ph["seconds"] or PHASE_SECONDS
    by_class: dict[str, list[float]] = {c: [] for c in CLASSES}
    fails: Counter[str] = Counter()
    for name, times in ph["times"].items():
        by_class.setdefault(name.split(":")[0], []).extend(times)
    for name, n in ph["failures"].items():
        fails[name.split(":")[0]] += n
    total = sum(len(v) for v in by_class.values())
    answered = total - sum(fails.values())  # a fast 503 while a process is killed is no throughput
    cpu = ph.get("app_cpu_seconds")
    per_request = f", app CPU {cpu / answered * 1000:.0f} ms per request" if cpu and answered else ""
    rate = steady_rate(ph)
    print(
        f"\n{title}: {rate:.1f} requests/s answered in the steady {ph['run_seconds'] - RAMP_SECONDS} s"
        f" ({total} sent, {answered} answered in {secs:.0f} s{per_request})"
    )
    print(f"  {'class':<14}{'requests':>9}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'failed':>8}")
    rows = [(c, by_class[c], fails[c]) for c in by_class]
    final = sorted(ph["times"].get("submit:final", []))
    rows.append(("submit:final", final, ph["failures"].get("submit:final", 0)))
    for cls, times, failed in rows:
        ts = sorted(times)
        print(
            f"  {cls:<14}{len(ts):>9}{len(ts) / secs:>8.1f}{percentile(ts, 50):>9.0f}"
            f"{percentile(ts, 95):>9.0f}{percentile(ts, 99):>9.0f}{failed:>8}"
        )
    for name, err in ph.get("first_errors", {}).items():
        print(f"    first failure of {name}: {err}")
    return rate


def steady_rate(ph: dict[str, Any]) -> float:
    """Answered requests per second between the end of the ramp and the end of the run time."""
    start = ph["started_at"] + RAMP_SECONDS
    end = ph["started_at"] + ph["run_seconds"]
    return sum(1 for t in ph["answered_at"] if start <= t <= end) / (end - start)


def submit_p95(ph: dict[str, Any]) -> float:
    return percentile(sorted(t for n, v in ph["times"].items() if n.startswith("submit:") for t in v), 95)


def report(
    scaling: list[dict[str, Any]],
    faulted: dict[str, Any],
    counts: dict[str, Any],
    faults: list[str],
    rig: Rig,
) -> int:
    print("\n=== Koto DX Platform scale rig ===")
    stores = "the SQLite queue, SQLite (WAL)" if rig.embedded else "Redis, PostgreSQL"
    print(
        f"{USERS} Locust users ({USERS - 2} residents, 2 clerks), {PHASE_SECONDS} s per phase,"
        f" HAProxy leastconn, gunicorn 1 worker × 4 threads per app process, 2 Huey consumers on {stores};"
        f" {os.cpu_count()} CPUs, load average before the run {rig_load}"
    )
    sliced = scaling[0]["sliced"]
    each = rig.slices.label if sliced else f"unrestricted ({rig.slices.reason})"
    print(f"\nscaling phases, no faults; app processes: {each}")
    totals = {ph["processes"]: print_phase(ph, f"{ph['processes']} app process(es)") for ph in scaling}
    ratio = totals.get(3, 0) / totals[1] if totals.get(1) else float("nan")
    how = (
        f"each app process on a slice of {rig.slices.cpus:g} CPU, as on a machine of its own"
        if sliced
        else f"unrestricted app processes sharing this machine's {os.cpu_count()} CPUs with everything else"
    )
    print(f"\nscaling: 3 processes / 1 process = {ratio:.2f}× requests/s answered (goal ≥ 2.5×; {how})")
    print(
        "p95 of submission requests with 1, 2, 3 processes: "
        + ", ".join(f"{submit_p95(ph):.0f} ms" for ph in scaling)
    )
    print_phase(faulted, "3 app processes, unrestricted, with the faults below")
    print(f"p95 of submission requests: {submit_p95(faulted):.0f} ms")
    print("\nfaults during the last phase:")
    for f in faults:
        print(f"  {f}")
    c = counts
    print("\nafter the faults and the drain:")
    print(f"  reference numbers handed out        {c['handed_out']} ({c['handed_out_distinct']} distinct)")
    print(f"  stored exactly once                 {c['stored_once']}")
    print(f"  LOST (handed out, not stored)       {c['lost']}")
    print(f"  DUPLICATED                          {c['duplicated']}")
    print(f"  submitted in the database           {c['submitted_in_db']}")
    print(f"    of them no number reached client  {c['stored_not_handed_out']} (answer lost in a fault)")
    print(f"  submissions without audit entry     {c['submissions_without_audit']}")
    print(f"  staff status changes                {c['staff_transitions']}")
    print(f"    without audit entry               {c['transitions_without_audit']}")
    print(
        f"  jobs started {rig.jobs_started} (start refused {rig.jobs_start_errors}), by status: {c['jobs']}"
    )
    print(f"    jobs without audit entry          {c['jobs_without_audit']}")
    print(f"    jobs run again after a fault      {c['jobs_retried']} (taken back from the killed consumer)")
    for error, n in c["job_errors"]:
        print(f"    failed {n} ×: {error[:300]}")
    unfinished = c["jobs"].get("queued", 0) + c["jobs"].get("running", 0)
    if unfinished:
        print(
            f"  {unfinished} job(s) not finished after {DRAIN_SECONDS} s of drain: the killed consumer's job"
            " was not taken back (core.lease) or the queue is still behind"
        )
    loss = (
        c["lost"]
        + c["duplicated"]
        + c["submissions_without_audit"]
        + c["transitions_without_audit"]
        + c["jobs_without_audit"]
        + unfinished
        + c["jobs"].get("failed", 0)  # an audit export has no reason to fail: a failure is a defect
    )
    if c["handed_out"] == 0:
        print("\nRESULT: no submission returned a reference number — nothing could be checked (exit 2)")
        return 2
    print(f"\nRESULT: {'LOSS' if loss else 'no loss'} (exit {1 if loss else 0})")
    return 1 if loss else 0


def report_sustained(steps: list[dict[str, Any]]) -> None:
    """p95 of submissions at lower loads on 3 processes: the highest load held within the goal."""
    print("\nsustained load (3 app processes, no faults; residents think 0.2–1 s between requests):")
    print(f"  {'users':>6}{'req/s':>8}{'submit p95 ms':>15}{'all p95 ms':>12}{'failed':>8}")
    best = None
    for ph in steps:
        every = sorted(t for v in ph["times"].values() for t in v)
        submit = sorted(t for n, v in ph["times"].items() if n.startswith("submit:") for t in v)
        failed = sum(ph["failures"].values())
        p95 = percentile(submit, 95)
        print(
            f"  {ph['users']:>6}{steady_rate(ph):>8.1f}{p95:>15.0f}{percentile(every, 95):>12.0f}{failed:>8}"
        )
        if p95 <= 300 and failed == 0:
            best = ph
    if best is None:
        print("  no step kept the p95 of submissions within 300 ms")
    else:
        print(
            f"  highest load within the goal (p95 of submissions ≤ 300 ms): {best['users']} users,"
            f" {steady_rate(best):.1f} req/s"
        )


rig_load = ""


def main() -> None:
    global rig_load
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--embedded", action="store_true", help="the embedded default: SQLite (WAL) and the SQLite queue"
    )
    args = parser.parse_args()
    for tool in ("haproxy", "psql"):
        if shutil.which(tool) is None:
            sys.exit(
                f"{tool} is needed: apt-get install {'haproxy' if tool == 'haproxy' else 'postgresql-client'}"
            )
    if importlib.util.find_spec("locust") is None:  # not imported here: gevent would patch this process
        sys.exit(f"locust is needed: {PY} -m pip install locust")
    rig_load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    # A CI that is cancelled sends SIGTERM: stop through the clean-up below (processes, cgroups, database).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(2))
    started = time.monotonic()
    rig = Rig(embedded=args.embedded)
    code = 2
    try:
        rig.setup()
        rig.ensure_apps(3)
        rig.start_consumers()
        if rig.slices.root is None:
            log(f"scaling measured without CPU slices: {rig.slices.reason}")
        rig.phase(3, seconds=WARMUP_SECONDS)  # every app process has served each page once: warm
        scaling = [rig.phase(n, sliced=True) for n in (1, 2, 3)]
        faulted = rig.phase(3, faults=True)
        # The highest load the machine sustains: 3 processes, fewer users, no faults.
        steps = [rig.phase(3, users=u) for u in SUSTAIN_STEPS]
        rig.stop_proxy()
        log(f"draining the queue (up to {DRAIN_SECONDS} s)")
        rig.drain()
        counts = rig.check()
        code = report(scaling, faulted, counts, rig.faults, rig)
        report_sustained(steps)
    except Exception as exc:
        print(f"scale rig could not run: {type(exc).__name__}: {exc}", file=sys.stderr)
        os.environ["SCALE_KEEP_TMP"] = "1"
        code = 2
    finally:
        rig.teardown()
        print(f"run time {time.monotonic() - started:.0f} s")
    sys.exit(code)


if __name__ == "__main__":
    main()
