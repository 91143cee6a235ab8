"""Locust users of the scale rig (run by ``bench/scale/rig.py``, not on its own).

Residents browse the procedure catalog, the open-data catalog and the map, search, and submit a
three-page form (CSRF taken from the cookie, as ``bench/eapply_bench.py`` does); staff (clerk.kosodate)
move submissions from 受付 to 審査中 to 承認. Every request is named ``class:what`` (browse, search,
submit, staff); the response times of each name and the reference numbers handed out are written to
the files named by ``SCALE_STATS`` and ``SCALE_REFS`` when Locust quits, with the time at which each
answered request ended.
"""

from __future__ import annotations

import json
import os
import random
import re
import time
from collections import defaultdict
from typing import Any

from locust import HttpUser, between, events, task

PROCEDURE = os.environ.get("SCALE_PROCEDURE", "scale-bench")
STAFF_LOGIN = "clerk.kosodate"
STAFF_PASSWORD = "koto-demo-2026"  # noqa: S105  (the published demo password, see README)
REFERENCE = re.compile(r'class="reference-number"><strong>([^<]+)<')
STAFF_LINK = re.compile(r"/staff/apply/submissions/([0-9a-f-]{36})/")

TIMES: dict[str, list[float]] = defaultdict(list)
ANSWERED_AT: list[float] = []  # when each answered request ended (the rig's steady window counts them)
FAILURES: dict[str, int] = defaultdict(int)
FIRST_ERRORS: dict[str, str] = {}
WINDOW: dict[str, float] = {}
_refs_file = open(os.environ.get("SCALE_REFS", os.devnull), "a", encoding="utf-8")  # noqa: SIM115


@events.request.add_listener
def _on_request(name: str, response_time: float, exception: Any = None, **_kw: Any) -> None:
    TIMES[name].append(response_time)
    if exception is None:
        ANSWERED_AT.append(time.time())
    else:
        FAILURES[name] += 1
        FIRST_ERRORS.setdefault(name, str(exception)[:200])


@events.test_start.add_listener
def _on_start(**_kw: Any) -> None:
    WINDOW["start"] = time.time()


@events.test_stop.add_listener
def _on_stop(**_kw: Any) -> None:
    WINDOW["stop"] = time.time()


@events.quitting.add_listener
def _on_quit(**_kw: Any) -> None:
    _refs_file.close()
    path = os.environ.get("SCALE_STATS")
    if path:
        with open(path, "w", encoding="utf-8") as out:
            json.dump(
                {
                    "times": TIMES,
                    "failures": FAILURES,
                    "first_errors": FIRST_ERRORS,
                    "seconds": WINDOW.get("stop", time.time()) - WINDOW.get("start", time.time()),
                    "started_at": WINDOW.get("start"),
                    "answered_at": ANSWERED_AT,
                },
                out,
            )


def _csrf(user: HttpUser) -> str:
    return user.client.cookies.get("csrftoken", "") or ""


class Resident(HttpUser):
    weight = 8
    wait_time = between(0.2, 1.0)

    @task(4)
    def browse(self) -> None:
        which = random.randrange(5)
        if which == 0:
            self.client.get("/apply/", name="browse:apply-catalog")
            self.client.get(f"/apply/{PROCEDURE}/", name="browse:procedure")
        elif which == 1:
            self.client.get("/opendata/", name="browse:opendata-catalog")
            self.client.get("/opendata/dataset/koto-parks/", name="browse:dataset")
        elif which == 2:
            self.client.get("/map/", name="browse:map")
        elif which == 3:
            layer = random.choice(["koto-parks", "koto-libraries", "koto-child-centers"])
            self.client.get(f"/ogc/collections/{layer}/items?limit=50", name="browse:map-features")
        else:
            self.client.get("/", name="browse:home")

    @task(2)
    def search(self) -> None:
        word = random.choice(["保育", "証明", "届", "介護", "住民票"])
        self.client.get(f"/apply/?q={word}", name="search:procedures")
        word = random.choice(["公園", "図書館", "ごみ", "人口", "児童"])
        self.client.get(f"/opendata/?q={word}", name="search:datasets")

    @task(1)
    def submit(self) -> None:
        n = random.randrange(10**9)

        def post(url: str, data: dict[str, str], name: str, **kw: Any) -> Any:
            return self.client.post(url, data={**data, "csrfmiddlewaretoken": _csrf(self)}, name=name, **kw)

        self.client.get(f"/apply/{PROCEDURE}/", name="submit:procedure")
        r = post(f"/apply/{PROCEDURE}/start", {}, "submit:start")
        if "/apply/s/" not in r.url:
            return
        r = post(r.url, {"applicant_name": f"区民 {n}", "email": f"r{n}@example.jp"}, "submit:page")
        r = post(r.url, {"detail": "スケール試験の申請です。", "when": "令和8年12月1日"}, "submit:page")
        r = post(r.url, {"agree": "yes"}, "submit:page")
        if not r.url.endswith("/check/"):
            return
        with post(r.url, {}, "submit:final", catch_response=True) as final:
            m = REFERENCE.search(final.text or "")
            if m:
                _refs_file.write(m.group(1) + "\n")
                _refs_file.flush()
                final.success()
            else:
                final.failure(f"no reference number (HTTP {final.status_code})")


class Staff(HttpUser):
    fixed_count = 2
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        self.client.get("/accounts/login/", name="staff:login")
        self.client.post(
            "/accounts/login/",
            data={"username": STAFF_LOGIN, "password": STAFF_PASSWORD, "csrfmiddlewaretoken": _csrf(self)},
            name="staff:login",
        )

    @task
    def process(self) -> None:
        status, to = random.choice([("received", "reviewing"), ("reviewing", "approved")])
        r = self.client.get(f"/staff/apply/?status={status}", name="staff:queue")
        if "/accounts/login/" in r.url:  # the session was lost (e.g. Redis flushed): log in again
            self.on_start()
            return
        ids = STAFF_LINK.findall(r.text or "")
        if not ids:
            return
        sid = random.choice(ids)
        self.client.get(f"/staff/apply/submissions/{sid}/", name="staff:detail")
        with self.client.post(
            f"/staff/apply/submissions/{sid}/action",
            data={"action": "status", "to_status": to, "comment": "", "csrfmiddlewaretoken": _csrf(self)},
            name="staff:action",
            catch_response=True,
        ) as resp:
            if resp.status_code != 200 or not resp.url.rstrip("/").endswith(sid):
                resp.failure(f"HTTP {resp.status_code} at {resp.url}")
            else:
                resp.success()
