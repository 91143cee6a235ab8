"""Rules of Koto's CSIRT that are data, not code paths: whom to tell for which incident, and the personal
information protection report duty with its deadlines."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kotodx.security.models import Category, Incident

C = Category


@dataclass(frozen=True)
class Body:
    code: str
    name: str


BODIES = [
    Body("soumu", "総務省（自治行政局 地域情報化企画室）"),
    Body("police", "警視庁（サイバー犯罪対策課）・警察庁"),
    Body("nisc", "内閣サイバーセキュリティセンター（NISC）"),
    Body("tokyo", "東京都・都区市町村CSIRT"),
    Body("jlis", "地方公共団体情報システム機構（J-LIS）"),
    Body("ipa", "独立行政法人情報処理推進機構（IPA）"),
    Body("jpcert", "JPCERT/CC"),
    Body("ppc", "個人情報保護委員会"),
]
BODY_BY_CODE = {b.code: b for b in BODIES}

CRIMINAL = {C.INTRUSIONS, C.MALICIOUS_CODE, C.FRAUD, C.AVAILABILITY, C.INFORMATION_CONTENT_SECURITY}
COORDINATION = {C.INTRUSIONS, C.INTRUSION_ATTEMPTS, C.INFORMATION_GATHERING, C.MALICIOUS_CODE, C.AVAILABILITY}


def required_bodies(incident: Incident, networks: set[str]) -> list[tuple[Body, str]]:
    """The outside bodies to inform, each with the reason, for the incident's category, severity,
    personal information and the network layers of the affected systems."""
    if incident.category == C.TEST or incident.status in (
        Incident.Status.FALSE_POSITIVE,
        Incident.Status.DUPLICATE,
    ):
        return []
    sev = incident.severity
    out: list[tuple[Body, str]] = []

    def need(code: str, reason: str) -> None:
        out.append((BODY_BY_CODE[code], reason))

    if sev <= 2 or incident.personal_info:
        need("soumu", "深刻度が重大以上、または個人情報が関係するため")
    if incident.category in CRIMINAL and sev <= 2:
        need("police", "犯罪のおそれがある重大な事案のため")
    if sev == 1:
        need("nisc", "深刻度が緊急のため")
    if sev <= 3:
        need("tokyo", "都区市町村CSIRTで情報を共有するため")
    if networks & {"lgwan", "mynumber"}:
        need("jlis", "LGWAN接続系またはマイナンバー利用事務系のシステムが関係するため")
    if incident.category in (C.MALICIOUS_CODE, C.VULNERABLE):
        need("ipa", "不正プログラム・脆弱性の届出のため")
    if incident.category in COORDINATION and sev <= 3:
        need("jpcert", "外部との調整（攻撃元への連絡など）のため")
    if incident.personal_info or incident.specific_personal_info:
        need("ppc", "個人情報（特定個人情報）の漏えい等の報告義務のため")
    return out


@dataclass(frozen=True)
class Deadline:
    label: str
    due: dt.datetime


def personal_info_deadlines(incident: Incident) -> list[Deadline]:
    """個人情報保護法 第68条（特定個人情報はマイナンバー法 第29条の4）: a prompt first report (速報, about
    3–5 days) and the final report (確報) within 30 days, 60 when done with an unlawful purpose."""
    if not (incident.personal_info or incident.specific_personal_info):
        return []
    start = incident.detected_at
    unlawful = incident.category in CRIMINAL
    return [
        Deadline("速報（速やかに。概ね3〜5日以内）", start + dt.timedelta(days=5)),
        Deadline(
            "確報（60日以内：不正の目的によるおそれ）" if unlawful else "確報（30日以内）",
            start + dt.timedelta(days=60 if unlawful else 30),
        ),
    ]
