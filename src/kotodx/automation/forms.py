"""The robot form: settings plus a step editor drawn from the action library (no code)."""

from __future__ import annotations

from typing import Any

from django import forms

from kotodx.automation.actions import ACTIONS
from kotodx.automation.models import Robot
from kotodx.core.models import Department, User
from kotodx.core.selectors import is_ward_wide


class RobotForm(forms.ModelForm):
    class Meta:
        model = Robot
        fields = [
            "name",
            "title",
            "description",
            "department",
            "trigger",
            "cron",
            "skip_holidays",
            "event",
            "event_filter",
            "minutes_per_item",
            "allow_overlap",
            "max_retries",
            "timeout_seconds",
            "notify_email",
            "enabled",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        depts = Department.objects.all()
        field: Any = self.fields["department"]
        field.queryset = depts if is_ward_wide(user) else depts.filter(pk=user.department_id or 0)
        if self.instance.pk:
            self.fields["name"].disabled = True


def steps_from_post(data: Any) -> list[dict[str, Any]]:
    """The step editor's fields: step-<n>-action and step-<n>-<param>; a ticked step-<n>-delete drops it."""
    steps = []
    n = 0
    while f"step-{n}-action" in data:
        name = data.get(f"step-{n}-action", "")
        if name and not data.get(f"step-{n}-delete"):
            act = ACTIONS.get(name)
            params = {}
            if act is not None:
                for p in act.params:
                    key = f"step-{n}-{p.name}"
                    if p.kind == "bool":
                        params[p.name] = bool(data.get(key))
                    elif key in data and data.get(key) != "":
                        params[p.name] = data.get(key)
            steps.append({"action": name, "params": params})
        n += 1
    return steps


def editor_rows(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the template draws for each step: the action and each parameter with its current value."""
    rows = []
    for n, step in enumerate(steps):
        act = ACTIONS.get(step.get("action", ""))
        params = step.get("params") or {}
        fields = []
        for p in act.params if act else ():
            value = params.get(p.name, "")
            if p.kind == "lines" and isinstance(value, list):
                value = "\n".join(value)
            fields.append({"param": p, "id": f"step-{n}-{p.name}", "value": value})
        rows.append({"n": n, "action": act, "fields": fields})
    return rows
