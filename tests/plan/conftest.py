"""Plans for the plan-hub tests: the shipped Koto plan, and a small plan in force this fiscal year."""

from __future__ import annotations

from pathlib import Path

import pytest

from kotodx.core.fiscal import FiscalYear
from kotodx.plan import services
from kotodx.plan.loader import read_plan_file, read_plan_text
from kotodx.plan.models import IndividualMeasure, Plan

DATA = Path(__file__).resolve().parents[2] / "src" / "kotodx" / "plan" / "data"


def small_plan_yaml(
    code: str = "test-plan",
    start: int | None = None,
    end: int | None = None,
    *,
    target: str = "100",
    extra: str = "",
) -> str:
    fy = FiscalYear.current().year
    start = start or fy - 1
    end = end or fy + 1
    targets = ", ".join(f"{y}: {target}" for y in range(start, end + 1))
    return f"""
plan:
  code: {code}
  title: テスト計画
  municipality: 江東区
  municipality_code: "131083"
  start_fy: {start}
  end_fy: {end}
  vision: テストの目指す姿
departments:
  - {{code: kosodate, name: 子育て支援課}}
guidelines:
  - number: 1
    name: 指針1
    measures:
      - number: 1
        name: 施策その1
        individual_measures:
          - number: 1
            name: 子育ての手続をオンラインにする
            direction: オンライン化を進めます。
            departments: [kosodate]
            kpis:
              - code: online
                name: オンライン手続数
                unit: 件
                direction: increase
                baseline: {{value: 10, fy: {start - 1}}}
                targets: {{{targets}}}
                source: manual
              - code: incidents
                name: 事故件数
                unit: 件
                direction: decrease
                targets: {{{", ".join(f"{y}: 2" for y in range(start, end + 1))}}}
{extra}"""


@pytest.fixture
def small_plan(personas) -> Plan:  # type: ignore[no-untyped-def]
    return services.plan_load(read_plan_text(small_plan_yaml()), actor=None)


@pytest.fixture
def im(small_plan) -> IndividualMeasure:  # type: ignore[no-untyped-def]
    return small_plan.individual_measures.get(number=1)


@pytest.fixture
def koto_plan(db) -> Plan:  # type: ignore[no-untyped-def]
    import io

    from kotodx.core.demo import load as load_core

    load_core(actor=None, stdout=io.StringIO())
    return services.plan_load(read_plan_file(DATA / "koto-2020.yaml"), actor=None)
