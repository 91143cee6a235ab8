"""The metrics registry: how a module contributes live KPI figures to the plan without the plan
importing the module.

    # kotodx/opendata/metrics.py
    from kotodx.plan.metrics import metric

    @metric("opendata.datasets_published", unit="件", label="公開データセット数")
    def datasets_published(fy: FiscalYear) -> Decimal | int | None: ...

Each app's ``metrics.py`` is imported when the app is ready (see PlanConfig.ready). A KPI whose
source names a key nobody registered is 未接続 (not connected): its value is None.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.apps import apps

from kotodx.core.fiscal import FiscalYear

log = logging.getLogger(__name__)
MetricFn = Callable[[FiscalYear], "Decimal | int | float | None"]


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit: str
    fn: MetricFn
    description: str = ""

    def value(self, fy: FiscalYear) -> Decimal | None:
        try:
            raw = self.fn(fy)
        except Exception:  # a broken module must not break the plan's pages
            log.exception("metric %s failed for %s", self.key, fy)
            return None
        if raw is None:
            return None
        try:
            return Decimal(str(raw)).quantize(Decimal("0.01"))
        except InvalidOperation:
            log.error("metric %s returned %r, not a number", self.key, raw)
            return None


REGISTRY: dict[str, Metric] = {}


def metric(key: str, *, label: str, unit: str, description: str = "") -> Callable[[MetricFn], MetricFn]:
    def register(fn: MetricFn) -> MetricFn:
        REGISTRY[key] = Metric(key=key, label=label, unit=unit, fn=fn, description=description)
        return fn

    return register


def get(key: str) -> Metric | None:
    return REGISTRY.get(key)


def value(key: str, fy: FiscalYear) -> Decimal | None:
    m = REGISTRY.get(key)
    return m.value(fy) if m else None


def autodiscover() -> None:
    for config in apps.get_app_configs():
        if config.name.startswith("kotodx."):
            try:
                importlib.import_module(f"{config.name}.metrics")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.metrics":
                    raise
