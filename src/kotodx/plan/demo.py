"""Demo data of the plan hub: the Koto plan 2020–2024 with five approved years of plausible progress,
and an example successor plan in progress. Progress figures are demo data, labelled so in the UI."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TextIO

import yaml
from django.db import transaction
from django.utils import timezone

from kotodx.core.models import User
from kotodx.core.numbers import parse_decimal
from kotodx.core.services import audit_record
from kotodx.plan import services
from kotodx.plan.loader import read_plan_file
from kotodx.plan.models import IndividualMeasure, KpiActual, Plan, ProgressEntry, ReviewStep

DATA = Path(__file__).parent / "data"
PLANS = [
    ("koto-2020.yaml", "koto-2020-progress.yaml"),
    ("koto-2025-example.yaml", "koto-2025-example-progress.yaml"),
]
STATUS = {label: value for value, label in ProgressEntry.Status.choices}
STEP_ROLE = {
    "it_check": ("check", "情報システム課"),
    "subcommittee": ("review", "専門部会"),
    "committee": ("approve", "推進委員会"),
}


def load(*, actor: User | None, stdout: TextIO, **_: Any) -> None:
    for plan_file, progress_file in PLANS:
        plan = services.plan_load(
            read_plan_file(DATA / plan_file), actor=actor, label=f"同梱の計画ファイル {plan_file}"
        )
        n = load_progress(plan, DATA / progress_file, actor=actor)
        stdout.write(f"{plan.title}: 個別施策 {plan.individual_measures.count()}、進捗（デモ）{n} 件\n")


@transaction.atomic
def load_progress(plan: Plan, path: Path, *, actor: User | None) -> int:
    """Demo progress (docs/plan-progress-format.md). An entry that already exists is left as it is."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    ims = {im.number: im for im in IndividualMeasure.objects.filter(plan=plan).prefetch_related("kpis")}
    created = 0
    for item in doc["entries"]:
        im = ims[int(item["measure"])]
        fy = int(item["fy"])
        if ProgressEntry.objects.filter(individual_measure=im, fiscal_year=fy).exists():
            continue
        state = item.get("state", "approved")
        entry = ProgressEntry.objects.create(
            individual_measure=im,
            fiscal_year=fy,
            state=state,
            status=STATUS[item["status"]],
            results=str(item.get("results", "")).strip(),
            issues=str(item.get("issues", "")).strip(),
            next_direction=str(item.get("next_direction", "")).strip(),
            is_demo=True,
            approved_at=timezone.now() if state == "approved" else None,
        )
        kpis = {k.code: k for k in im.kpis.all()}
        for code, value in (item.get("actuals") or {}).items():
            kpi = kpis[code]
            KpiActual.objects.create(
                entry=entry, kpi=kpi, value=parse_decimal(value), from_metric=not kpi.is_manual
            )
        for c in item.get("comments") or []:
            action, role = STEP_ROLE.get(c.get("step", "committee"), ("comment", ""))
            if state == "returned":
                action = "return"
            ReviewStep.objects.create(
                entry=entry, action=action, comment=str(c["body"]).strip(), actor_role=role, to_state=state
            )
        audit_record(actor=actor, action="create", target=entry, note="デモデータ")
        created += 1
    return created
