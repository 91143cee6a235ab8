"""Fixtures of the governance tests: a small inventory with systems of two departments."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from kotodx.governance import services
from kotodx.governance.models import System


@dataclass
class Inventory:
    a_web: System  # department A, internet, at planning
    a_core: System  # department A, マイナンバー利用事務系, in operation
    b_cloud: System  # department B, department-bought, at requirements


def system_data(dept, **kw):  # type: ignore[no-untyped-def]
    return {
        "name": kw.pop("name"),
        "department": dept,
        "hosting": kw.pop("hosting", System.Hosting.PUBLIC_CLOUD),
        "network": kw.pop("network", System.Network.INTERNET),
        **kw,
    }


@pytest.fixture
def inventory(personas) -> Inventory:  # type: ignore[no-untyped-def]
    it = personas.it_officer
    return Inventory(
        a_web=services.system_save(data=system_data(personas.dept_a, name="子育て応援サイト"), actor=it),
        a_core=services.system_save(
            data=system_data(
                personas.dept_a,
                name="児童手当システム",
                hosting=System.Hosting.GOV_CLOUD,
                network=System.Network.MYNUMBER,
                confidentiality=3,
                specific_personal_info=True,
                standard_area="児童手当",
                migration=System.Migration.MIGRATED,
                stage="operation",
            ),
            actor=it,
        ),
        b_cloud=services.system_save(
            data=system_data(
                personas.dept_b, name="防災アプリ", department_bought=True, stage="requirements"
            ),
            actor=it,
        ),
    )


def answer_all(review, actor, *, answer="yes", skip=()):  # type: ignore[no-untyped-def]
    answers = {
        i["code"]: {"answer": answer, "evidence": "設計書 第3章"}
        for i in review.gate["items"]
        if i["code"] not in skip
    }
    return services.review_answer(review=review, answers=answers, actor=actor)
