"""Forms of the CSIRT pages; the rules are in services."""

from __future__ import annotations

from typing import Any

from django import forms

from kotodx.core.models import Department, User
from kotodx.governance.models import System
from kotodx.security import rules
from kotodx.security.models import Exercise, Incident, Observable

DT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class IncidentForm(forms.ModelForm):
    systems = forms.ModelMultipleChoiceField(
        label="影響を受けたシステム（情報システム台帳）",
        queryset=System.objects.all(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    departments = forms.ModelMultipleChoiceField(
        label="関係部署",
        queryset=Department.objects.all(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    class Meta:
        model = Incident
        fields = [
            "title",
            "description",
            "category",
            "severity",
            "tlp",
            "pap",
            "status",
            "personal_info",
            "specific_personal_info",
            "handler",
            "team",
            "occurred_at",
            "detected_at",
            "reported_at",
            "contained_at",
            "resolved_at",
            "lessons",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "lessons": forms.Textarea(attrs={"rows": 3}),
            **{f: DT for f in ("occurred_at", "detected_at", "reported_at", "contained_at", "resolved_at")},
        }

    def __init__(self, *args: Any, csirt: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            groups__name="it_officer", is_active=True
        )
        for f in ("occurred_at", "detected_at", "reported_at", "contained_at", "resolved_at"):
            self.fields[f].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]  # type: ignore[attr-defined]
        if not csirt:
            # A department reports what happened; the CSIRT decides the rest.
            for f in (
                "status",
                "handler",
                "team",
                "reported_at",
                "contained_at",
                "resolved_at",
                "lessons",
                "pap",
            ):
                del self.fields[f]


class ObservableForm(forms.ModelForm):
    class Meta:
        model = Observable
        fields = ["kind", "value", "is_ioc", "note"]


class TaskForm(forms.Form):
    title = forms.CharField(label="作業", max_length=200)
    owner = forms.ModelChoiceField(label="担当", queryset=User.objects.filter(is_active=True), required=False)
    due_at = forms.DateTimeField(label="期限", required=False, widget=DT, input_formats=["%Y-%m-%dT%H:%M"])


class NotificationForm(forms.Form):
    body = forms.ChoiceField(label="報告先", choices=[(b.code, b.name) for b in rules.BODIES])
    notified_at = forms.DateTimeField(label="報告日時", widget=DT, input_formats=["%Y-%m-%dT%H:%M"])
    note = forms.CharField(label="メモ（相手方・方法など）", max_length=300, required=False)


class TimelineForm(forms.Form):
    text = forms.CharField(label="時系列に記録する内容", widget=forms.Textarea(attrs={"rows": 2}))


class ExerciseForm(forms.ModelForm):
    class Meta:
        model = Exercise
        fields = [
            "title",
            "scenario",
            "held_on",
            "participants",
            "participant_count",
            "findings",
            "follow_up",
        ]
        widgets = {
            "held_on": forms.DateInput(attrs={"type": "date"}),
            **{
                f: forms.Textarea(attrs={"rows": 3})
                for f in ("scenario", "participants", "findings", "follow_up")
            },
        }


class BundleForm(forms.Form):
    source = forms.CharField(label="提供元（例: 東京都CSIRT）", max_length=200)
    file = forms.FileField(label="STIX 2.1 バンドル（JSON、20MBまで）")
