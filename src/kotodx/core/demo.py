"""Demo data of the core app: Koto's departments (a realistic subset) and one demo login per role.

Every module may have a ``demo.py`` with ``load(*, actor, stdout)``; ``kotodx loaddemo`` calls them all.
Loading twice changes nothing: departments and staff are upserted, and a demo account's password is
set only when the account is created.
"""

from __future__ import annotations

from typing import Any, TextIO

from kotodx.core import services
from kotodx.core.models import Department, User

DEMO_PASSWORD = "koto-demo-2026"

# (code, division, name, english name, is IT division)
DEPARTMENTS = [
    ("kikaku", "政策経営部", "企画課", "Planning Section", False),
    ("joho-system", "政策経営部", "情報システム課", "IT Division", True),
    ("koho", "政策経営部", "広報広聴課", "Public Relations Section", False),
    ("somu", "総務部", "総務課", "General Affairs Section", False),
    ("shokuin", "総務部", "職員課", "Personnel Section", False),
    ("bosai", "危機管理室", "防災課", "Disaster Prevention Section", False),
    ("kumin", "区民部", "区民課", "Residents Section", False),
    ("koseki-jumin", "区民部", "戸籍住民課", "Family Register and Residents Section", False),
    ("zeimu", "区民部", "税務課", "Taxation Section", False),
    ("iryo-hoken", "区民部", "医療保険課", "Health Insurance Section", False),
    ("fukushi", "福祉部", "福祉課", "Welfare Section", False),
    ("shogaisha", "福祉部", "障害者支援課", "Disability Support Section", False),
    ("kaigo", "福祉部", "介護保険課", "Long-term Care Insurance Section", False),
    ("kosodate", "こども未来部", "子育て支援課", "Child-rearing Support Section", False),
    ("hoiku", "こども未来部", "保育課", "Childcare Section", False),
    ("kenko", "健康部", "健康推進課", "Health Promotion Section", False),
    ("seiso", "環境清掃部", "清掃リサイクル課", "Waste and Recycling Section", False),
    ("toshikeikaku", "都市整備部", "都市計画課", "Urban Planning Section", False),
    ("doro", "土木部", "道路課", "Roads Section", False),
    ("bunka", "地域振興部", "文化観光課", "Culture and Tourism Section", False),
    ("gakumu", "教育委員会事務局", "学務課", "School Affairs Section", False),
    ("kansa", "監査委員事務局", "監査事務局", "Audit Commissioners' Secretariat", False),
]

# (login id, name, department code, roles)
STAFF = [
    ("admin", "管理 太郎", "joho-system", ["system_admin"]),
    ("it.officer", "情報 花子", "joho-system", ["it_officer"]),
    ("clerk.kosodate", "子育 一郎", "kosodate", ["dept_clerk"]),
    ("clerk.bosai", "防災 次郎", "bosai", ["dept_clerk"]),
    ("clerk.hoiku", "保育 三子", "hoiku", ["dept_clerk"]),
    ("bukai", "部会 五郎", "kikaku", ["subcommittee"]),
    ("iin", "委員 三郎", "kikaku", ["committee"]),
    ("kansa", "監査 四郎", "kansa", ["auditor"]),
]


def load(*, actor: User | None, stdout: TextIO, **_: Any) -> None:
    for order, (code, division, name, name_en, is_it) in enumerate(DEPARTMENTS, start=1):
        services.department_upsert(
            code=code,
            name=name,
            name_en=name_en,
            division=division,
            is_it_division=is_it,
            sort_order=order * 10,
            actor=actor,
        )
    for username, display, dept_code, roles in STAFF:
        existing = User.objects.filter(username=username).exists()
        services.staff_upsert(
            username=username,
            display_name=display,
            department=Department.objects.get(code=dept_code),
            roles=roles,
            password=None if existing else DEMO_PASSWORD,
            actor=actor,
            is_superuser=username == "admin",
        )
    stdout.write(f"部署 {Department.objects.count()} 件、職員 {User.objects.count()} 名\n")
