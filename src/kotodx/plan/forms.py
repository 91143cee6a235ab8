"""Forms of the plan hub. Numbers accept full-width digits and thousands separators."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from kotodx.core.fiscal import FiscalYear, WarekiError, parse_date
from kotodx.core.numbers import NumberError, parse_decimal
from kotodx.plan import evaluation
from kotodx.plan.models import Kpi, Plan, ProgressEntry
from kotodx.plan.services import EntryInput

GRADE_CHOICES = [("", "自動（達成率から）")] + [
    (g, f"{g}: {evaluation.GRADE_LABELS[g]}") for g in (*evaluation.GRADES, evaluation.NOT_MEASURABLE)
]


class NumberField(forms.CharField):
    """A number typed the Japanese way: "１２３", "1,234" and "12.5" are numbers; "abc" is not."""

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        try:
            number = parse_decimal(text)
        except NumberError as exc:
            raise ValidationError(str(exc), code="invalid") from None
        if abs(number) >= Decimal("1e12"):
            raise ValidationError("数値が大きすぎます。", code="invalid")
        return number.quantize(Decimal("0.01"))


class EntryForm(forms.Form):
    status = forms.ChoiceField(label="取組状況", choices=ProgressEntry.Status.choices)
    results = forms.CharField(
        label="実績",
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=4000,
        help_text="この年度に行ったこと、その結果",
    )
    issues = forms.CharField(
        label="課題", widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=4000
    )
    next_direction = forms.CharField(
        label="次年度の方向性", widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=4000
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, entry: ProgressEntry, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.entry = entry
        self.kpi_fields: list[tuple[Kpi, str]] = []
        actuals = {a.kpi_id: a.value for a in entry.actuals.all()}
        self.initial.update(
            {
                "status": entry.status,
                "results": entry.results,
                "issues": entry.issues,
                "next_direction": entry.next_direction,
                "version": entry.version,
            }
        )
        for kpi in entry.individual_measure.kpis.all():
            if not kpi.is_manual:
                continue
            name = f"kpi_{kpi.pk}"
            target = kpi.targets.filter(fiscal_year=entry.fiscal_year).first()
            hint = f"単位: {kpi.unit}"
            if target is not None:
                hint += f"／目標 {evaluation_format(target.value)}{kpi.unit}"
            self.fields[name] = NumberField(
                label=f"実績値: {kpi.name}",
                required=False,
                help_text=hint,
                widget=forms.TextInput(attrs={"inputmode": "decimal"}),
            )
            value = actuals.get(kpi.pk)
            self.initial[name] = evaluation_format(value) if value is not None else ""
            self.kpi_fields.append((kpi, name))

    def entry_input(self) -> EntryInput:
        d = self.cleaned_data
        return EntryInput(
            status=d["status"],
            results=d["results"],
            issues=d["issues"],
            next_direction=d["next_direction"],
            actuals={kpi.pk: d.get(name) for kpi, name in self.kpi_fields},
        )


def evaluation_format(value: Decimal | None) -> str:
    if value is None:
        return ""
    d = value.normalize()
    return f"{d:f}"


class TransitionForm(forms.Form):
    comment = forms.CharField(
        label="意見・差し戻す理由", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class OverrideForm(forms.Form):
    grade = forms.ChoiceField(label="評価", choices=GRADE_CHOICES, required=False)
    reason = forms.CharField(
        label="評価を修正する理由", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class EvidenceForm(forms.Form):
    file = forms.FileField(label="根拠資料（PDF・画像・Excel・Word・CSV、10MBまで）")


class FiscalYearField(forms.CharField):
    def to_python(self, value: Any) -> int | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        try:
            return FiscalYear.parse(text).year
        except WarekiError as exc:
            raise ValidationError(str(exc)) from None


class KpiReviseForm(forms.Form):
    name = forms.CharField(label="指標名", max_length=200)
    unit = forms.CharField(label="単位", max_length=20)
    direction = forms.ChoiceField(label="方向", choices=Kpi.Direction.choices)
    revised_on = forms.CharField(label="見直し日", help_text="例: 2026-11-26 または 令和8年11月26日")
    reason = forms.CharField(label="見直しの理由", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)

    def __init__(self, *args: Any, kpi: Kpi, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kpi = kpi
        self.initial.update({"name": kpi.name, "unit": kpi.unit, "direction": kpi.direction})
        targets = {t.fiscal_year: t.value for t in kpi.targets.all()}
        for fy in kpi.plan.fiscal_years:
            self.fields[f"target_{fy.year}"] = NumberField(
                label=f"{fy.label}の目標値",
                required=False,
                widget=forms.TextInput(attrs={"inputmode": "decimal"}),
            )
            if fy.year in targets:
                self.initial[f"target_{fy.year}"] = evaluation_format(targets[fy.year])

    def clean_revised_on(self) -> Any:
        try:
            return parse_date(self.cleaned_data["revised_on"])
        except WarekiError as exc:
            raise ValidationError(str(exc)) from None

    def target_fields(self) -> list[Any]:
        return [self[f"target_{fy.year}"] for fy in self.kpi.plan.fiscal_years]

    def revision_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        targets = {
            fy.year: d[f"target_{fy.year}"]
            for fy in self.kpi.plan.fiscal_years
            if d.get(f"target_{fy.year}") is not None
        }
        return {
            "name": d["name"],
            "unit": d["unit"],
            "direction": d["direction"],
            "targets": targets,
            "reason": d["reason"],
            "revised_on": d["revised_on"],
        }


class SuccessorForm(forms.Form):
    code = forms.SlugField(
        label="計画コード", max_length=60, help_text="半角英小文字・数字・ハイフン（例: koto-2025）"
    )
    title = forms.CharField(label="計画名", max_length=200)
    start_fy = FiscalYearField(label="開始年度", help_text="例: 2025 または 令和7年度")
    end_fy = FiscalYearField(label="終了年度", help_text="例: 2029 または 令和11年度")
    vision = forms.CharField(
        label="目指す姿",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="空欄なら前計画と同じ",
    )
    carry_over = forms.BooleanField(
        label="前計画の指針・施策・個別施策・指標を引き継ぐ", required=False, initial=True
    )

    def __init__(self, *args: Any, predecessor: Plan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.update(
            {"start_fy": predecessor.end_fy + 1, "end_fy": predecessor.end_fy + 5, "title": predecessor.title}
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start_fy") and data.get("end_fy") and data["end_fy"] < data["start_fy"]:
            self.add_error("end_fy", "終了年度は開始年度と同じか後にしてください。")
        return data


class PlanFileForm(forms.Form):
    file = forms.FileField(
        label="計画ファイル（YAML、UTF-8）", help_text="書き方は docs/plan-format.md を参照"
    )
    reason = forms.CharField(
        label="見直しの理由（すでにある計画を変更するとき）",
        required=False,
        max_length=500,
        help_text="変更があれば、見直しの履歴にこの理由で記録されます。",
    )


class FinalEvaluationForm(forms.Form):
    summary = forms.CharField(label="総括", widget=forms.Textarea(attrs={"rows": 5}), max_length=8000)

    def __init__(self, *args: Any, plan: Plan, suggested: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.initial["summary"] = plan.final_summary
        self.measure_fields = []
        for item in suggested["measures"]:
            im = item["im"]
            g, c = f"grade_{im.number}", f"comment_{im.number}"
            self.fields[g] = forms.ChoiceField(
                label=f"個別施策{im.number}の最終評価",
                required=False,
                choices=GRADE_CHOICES[1:],
                help_text=f"5年間の達成状況からの目安: {item['grade']}",
            )
            self.fields[c] = forms.CharField(
                label=f"個別施策{im.number}のコメント",
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.initial[g] = im.final_evaluation or item["grade"]
            self.initial[c] = im.final_comment
            self.measure_fields.append((im, self[g], self[c]))

    def evaluation_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        per = {
            im.number: (d.get(f"grade_{im.number}", ""), d.get(f"comment_{im.number}", ""))
            for im, _g, _c in self.measure_fields
        }
        return {"summary": d["summary"], "per_measure": per}
