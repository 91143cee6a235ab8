"""Demo data of the CSIRT: incidents of every TLP level in this fiscal year (one TLP:RED with observables),
closed incidents of the four years before (so the plan's KPI has a trend), exercises, a partner CSIRT
account that may read the community TAXII collection, and the shareable incidents published to it.
Every title says デモ; addresses and domains are from the documentation ranges (RFC 5737, .example)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, TextIO

from django.utils import timezone

from kotodx.core import services as core_services
from kotodx.core.fiscal import FiscalYear
from kotodx.core.models import Department, User
from kotodx.governance.models import System
from kotodx.security import services, sharing, stix
from kotodx.security.models import Exercise, Incident, StixImport

PAST = {4: 8, 3: 7, 2: 6, 1: 5}  # fiscal years ago → closed incidents (the KPI goes down)
PAST_KINDS = [
    ("不審メールの受信（デモ）", "abusive-content", 4),
    ("脆弱性診断での指摘（デモ）", "vulnerable", 3),
    ("USBメモリの紛失（デモ）", "information-content-security", 2),
    ("ウイルス対策ソフトの検知（デモ）", "malicious-code", 3),
    ("外部からのポートスキャン（デモ）", "information-gathering", 4),
]


def _ago(days: int, hour: int) -> dt.datetime:
    """A moment of this year's demo incidents, counted back from today so it is never in the future."""
    d = timezone.localdate() - dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(d, dt.time(hour, 0)))


def _at(fy: FiscalYear, days: int, hour: int = 10) -> dt.datetime:
    d = min(fy.start + dt.timedelta(days=days), timezone.localdate())
    return timezone.make_aware(dt.datetime.combine(d, dt.time(hour, 0)))


def load(*, actor: User | None, stdout: TextIO, **_: Any) -> None:
    officer = User.objects.filter(username="it.officer").first()
    if officer is None:
        stdout.write("情報システム課のデモ職員がいないため、CSIRTのデモデータは読み込みません。\n")
        return
    partner = User.objects.filter(username="partner.tokyo").first()
    if partner is None:
        partner = core_services.staff_upsert(
            username="partner.tokyo",
            display_name="東京都CSIRT（デモ連携先）",
            department=None,
            roles=["csirt_partner"],
            password=None,
            actor=None,
        )
    collection = sharing.community_collection()
    collection.readers.add(partner)
    if not Incident.objects.filter(title__endswith="（デモ）").exists():
        _current(officer)
        _past(officer)
        _exercises(officer)
    if not StixImport.objects.filter(source="東京都CSIRT（デモ）").exists():
        data = (Path(__file__).parent / "data" / "demo-partner-bundle.json").read_bytes()
        stix.import_bundle(data, source="東京都CSIRT（デモ）", actor=officer)
    for incident in Incident.objects.filter(title__endswith="（デモ）"):
        if incident.shareable and incident.observables.exists():
            sharing.publish(incident=incident, actor=officer)
    stdout.write(f"インシデント {Incident.objects.count()} 件、訓練 {Exercise.objects.count()} 件\n")


def _system(name: str) -> list[System]:
    return list(System.objects.filter(name=name))


def _current(officer: User) -> None:
    dept = {d.code: d for d in Department.objects.all()}
    red = services.incident_create(
        data={
            "title": "標的型メールによる職員端末のマルウェア感染（デモ）",
            "description": "取引先を装ったメールの添付ファイルを開いた端末から、"
            "外部の不審なサーバーへの通信を検知した。",
            "category": "malicious-code",
            "severity": 2,
            "tlp": "red",
            "pap": "red",
            "occurred_at": _ago(200, 9),
            "detected_at": _ago(200, 15),
            "reported_at": _ago(200, 16),
            "handler": officer,
        },
        actor=officer,
        systems=_system("文書管理・電子決裁システム（デモ）"),
        departments=[dept["somu"]],
    )
    for kind, value, ioc, note in [
        ("email", "invoice@mail.example", False, "送信元"),
        ("domain", "update-check.example", True, "通信先（C2）"),
        ("ipv4", "203.0.113.45", True, "通信先（C2）"),
        ("sha256", "9f2c4e5a0b7d3c1e8f6a2b4d0c9e7f1a3b5d7c9e1f3a5b7d9c0e2f4a6b8d0c1e", True, "添付ファイル"),
    ]:
        services.observable_add(incident=red, kind=kind, value=value, is_ioc=ioc, note=note, actor=officer)
    services.incident_update(incident=red, data={"status": "triage"}, actor=officer)
    services.incident_update(incident=red, data={"status": "containment"}, actor=officer)
    services.task_add(
        incident=red,
        title="感染端末のネットワーク隔離とフォレンジック保全",
        owner=officer,
        due_at=_ago(199, 12),
        actor=officer,
    )
    services.notification_record(incident=red, body="soumu", notified_at=_ago(200, 17), actor=officer)

    leak = services.incident_create(
        data={
            "title": "委託先の設定誤りによる申込情報の閲覧可能状態（デモ）",
            "description": "粗大ごみ受付システムの検索画面で、他の申込者の氏名と住所が表示される状態だった。",
            "category": "information-content-security",
            "severity": 2,
            "tlp": "amber",
            "pap": "amber",
            "personal_info": True,
            "occurred_at": _ago(150, 8),
            "detected_at": _ago(149, 11),
            "reported_at": _ago(149, 12),
            "handler": officer,
        },
        actor=officer,
        systems=_system("粗大ごみ受付システム（デモ）"),
        departments=[dept["seiso"]],
    )
    services.observable_add(
        incident=leak,
        kind="url",
        value="https://sodai-demo.example/search?all=1",
        is_ioc=False,
        note="問題の画面",
        actor=officer,
    )
    services.incident_update(incident=leak, data={"status": "triage"}, actor=officer)
    services.incident_update(
        incident=leak, data={"status": "eradication", "contained_at": _ago(149, 17)}, actor=officer
    )
    services.notification_record(
        incident=leak, body="ppc", notified_at=_ago(147, 10), note="速報", actor=officer
    )

    ddos = services.incident_create(
        data={
            "title": "区ホームページへの大量アクセス（デモ）",
            "description": "海外の複数のアドレスから短時間に大量のアクセスがあり、"
            "約40分間閲覧しにくくなった。",
            "category": "availability",
            "severity": 3,
            "tlp": "green",
            "pap": "green",
            "occurred_at": _ago(60, 13),
            "detected_at": _ago(60, 13),
            "reported_at": _ago(60, 13),
            "handler": officer,
        },
        actor=officer,
        systems=_system("区ホームページCMS（デモ）"),
        departments=[dept["koho"]],
    )
    for ip in ("198.51.100.23", "198.51.100.87", "203.0.113.9"):
        services.observable_add(
            incident=ddos, kind="ipv4", value=ip, is_ioc=True, note="攻撃元", actor=officer
        )
    services.incident_update(
        incident=ddos, data={"status": "recovery", "contained_at": _ago(60, 14)}, actor=officer
    )
    services.incident_update(
        incident=ddos, data={"status": "closed", "resolved_at": _ago(59, 10)}, actor=officer
    )
    services.incident_update(
        incident=ddos, data={"lessons": "CDNの大量アクセス対策を有効にし、閾値を見直した。"}, actor=officer
    )

    phishing = services.incident_create(
        data={
            "title": "区を装ったフィッシングサイト（デモ）",
            "description": "江東区の給付金を装い、口座情報を入力させるサイトが区民から通報された。",
            "category": "fraud",
            "severity": 3,
            "tlp": "clear",
            "pap": "clear",
            "detected_at": _ago(30, 10),
            "reported_at": _ago(30, 11),
            "handler": officer,
        },
        actor=officer,
        departments=[dept["koho"]],
    )
    services.observable_add(
        incident=phishing,
        kind="url",
        value="https://koto-kyufukin.example/login",
        is_ioc=True,
        note="偽サイト",
        actor=officer,
    )
    services.observable_add(
        incident=phishing, kind="domain", value="koto-kyufukin.example", is_ioc=True, actor=officer
    )
    services.incident_update(incident=phishing, data={"status": "triage"}, actor=officer)

    services.incident_create(
        data={
            "title": "職員アカウントへのパスワードスプレー攻撃（デモ）",
            "description": "リモートアクセスの入口で、多数のアカウントに対するログイン失敗が記録された。",
            "category": "intrusion-attempts",
            "severity": 3,
            "tlp": "amber+strict",
            "detected_at": _ago(10, 7),
            "reported_at": _ago(10, 9),
            "handler": officer,
        },
        actor=officer,
        departments=[dept["joho-system"]],
    )


def _past(officer: User) -> None:
    current = FiscalYear.current()
    for ago, count in PAST.items():
        fy = FiscalYear(current.year - ago)
        for n in range(count):
            title, category, severity = PAST_KINDS[n % len(PAST_KINDS)]
            detected = _at(fy, 20 + n * 40, 10)
            incident = services.incident_create(
                data={
                    "title": title,
                    "category": category,
                    "severity": severity,
                    "tlp": "green",
                    "occurred_at": detected - dt.timedelta(hours=2 + n * 3),
                    "detected_at": detected,
                    "handler": officer,
                },
                actor=officer,
            )
            services.incident_update(
                incident=incident,
                data={
                    "status": "closed",
                    "contained_at": detected + dt.timedelta(hours=4 + n),
                    "resolved_at": detected + dt.timedelta(days=2),
                },
                actor=officer,
            )


def _exercises(officer: User) -> None:
    current = FiscalYear.current()
    for ago, title in (
        (0, "標的型メール訓練（デモ）"),
        (0, "都区市町村CSIRT合同インシデント対応訓練（デモ）"),
        (1, "ランサムウェア被害想定の机上訓練（デモ）"),
    ):
        fy = FiscalYear(current.year - ago)
        services.exercise_save(
            data={
                "title": title,
                "scenario": "職員が不審なメールの添付ファイルを開き、端末が暗号化された想定。",
                "held_on": min(
                    fy.start + dt.timedelta(days=120 + 60 * len(title) % 90), timezone.localdate()
                ),
                "participants": "情報システム課、総務課、各課の情報セキュリティ担当",
                "participant_count": 42,
                "findings": "報告までの時間に課ごとの差があった。",
                "follow_up": "報告手順を1枚にまとめて配布する。",
            },
            actor=officer,
        )
