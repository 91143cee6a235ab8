"""Forms of the governance pages. Rules are in services; forms only read and type the input."""

from __future__ import annotations

from typing import Any

from django import forms

from kotodx.core.models import Department, User
from kotodx.core.selectors import is_ward_wide
from kotodx.governance.models import (
    Audit,
    CorrectiveAction,
    Finding,
    PersonalInfoFile,
    School,
    SchoolDevice,
    System,
    TrainingCourse,
)

DATE = forms.DateInput(attrs={"type": "date"})


def departments_for(user: User) -> Any:
    qs = Department.objects.all()
    return qs if is_ward_wide(user) else qs.filter(pk=user.department_id or 0)


class SystemForm(forms.ModelForm):
    class Meta:
        model = System
        fields = [
            "name",
            "department",
            "purpose",
            "vendor",
            "contract_start",
            "contract_end",
            "annual_cost",
            "users",
            "hosting",
            "network",
            "confidentiality",
            "integrity",
            "availability",
            "personal_info",
            "specific_personal_info",
            "standard_area",
            "migration",
            "department_bought",
        ]
        widgets = {
            "purpose": forms.Textarea(attrs={"rows": 3}),
            "contract_start": DATE,
            "contract_end": DATE,
        }

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments_for(user)  # type: ignore[attr-defined]
        self.fields[
            "standard_area"
        ].help_text = "地方公共団体情報システムの標準化の対象となる20業務のいずれか（該当しなければ空欄）"


class ImportForm(forms.Form):
    file = forms.FileField(label="台帳ファイル（XLSX、または UTF-8／Shift_JIS の CSV）")


class GuidelineForm(forms.Form):
    source = forms.CharField(
        label="ガイドライン（YAML）", widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "false"})
    )
    note = forms.CharField(label="改定内容", max_length=300)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="審査結果",
        widget=forms.RadioSelect,
        choices=[("passed", "通過"), ("returned", "条件付き差戻し"), ("refused", "不承認")],
    )
    conditions = forms.CharField(
        label="条件・意見",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="差戻し・不承認のときは必須です。",
    )


class AuditForm(forms.ModelForm):
    class Meta:
        model = Audit
        fields = [
            "kind",
            "title",
            "fiscal_year",
            "scope",
            "systems",
            "auditor",
            "period_start",
            "period_end",
            "status",
        ]
        widgets = {
            "scope": forms.Textarea(attrs={"rows": 3}),
            "period_start": DATE,
            "period_end": DATE,
            "systems": forms.SelectMultiple(attrs={"size": 8}),
        }
        help_texts = {"fiscal_year": "西暦の年度（例: 2026 は令和8年度）"}


class FindingForm(forms.ModelForm):
    class Meta:
        model = Finding
        fields = ["system", "severity", "criterion", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, audit: Audit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if audit.systems.exists():
            self.fields["system"].queryset = audit.systems.all()  # type: ignore[attr-defined]


class ActionForm(forms.ModelForm):
    finding = forms.ModelChoiceField(label="指摘事項", queryset=Finding.objects.none())

    class Meta:
        model = CorrectiveAction
        fields = ["description", "department", "owner", "due_date"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2}), "due_date": DATE}

    def __init__(self, *args: Any, audit: Audit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["finding"].queryset = audit.findings.filter(status=Finding.Status.OPEN)  # type: ignore[attr-defined]
        self.order_fields(["finding", "description", "department", "owner", "due_date"])


class ActionUpdateForm(forms.Form):
    follow_up = forms.CharField(
        label="フォローアップの記録", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    done_on = forms.DateField(label="完了日", required=False, widget=DATE)


class PiaForm(forms.ModelForm):
    class Meta:
        model = PersonalInfoFile
        fields = [
            "name",
            "department",
            "system",
            "persons",
            "handlers",
            "serious_incident",
            "assessed_on",
            "important_change_on",
        ]
        widgets = {"assessed_on": DATE, "important_change_on": DATE}
        help_texts = {
            "persons": "特定個人情報ファイルに記録される本人の数",
            "handlers": "特定個人情報ファイルを取り扱う職員等（委託先を含む）の数",
            "serious_incident": "評価実施機関で、過去1年以内に特定個人情報に関する重大事故が発生した",
        }
        error_messages = {
            "persons": {
                "invalid": "対象人数は0以上の整数で入力してください。",
                "min_value": "対象人数は0以上で入力してください。",
            },
            "handlers": {
                "invalid": "取扱者数は0以上の整数で入力してください。",
                "min_value": "取扱者数は0以上で入力してください。",
            },
        }

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments_for(user)  # type: ignore[attr-defined]
        systems = System.objects.filter(specific_personal_info=True)
        if not is_ward_wide(user):
            systems = systems.filter(department_id=user.department_id or 0)
        self.fields["system"].queryset = systems  # type: ignore[attr-defined]


class PiaCheckForm(forms.Form):
    persons = forms.IntegerField(
        label="対象人数",
        min_value=0,
        error_messages={
            "invalid": "対象人数は0以上の整数で入力してください。",
            "min_value": "対象人数は0以上で入力してください。",
        },
    )
    handlers = forms.IntegerField(
        label="取扱者数",
        min_value=0,
        error_messages={
            "invalid": "取扱者数は0以上の整数で入力してください。",
            "min_value": "取扱者数は0以上で入力してください。",
        },
    )
    incident = forms.BooleanField(label="過去1年以内に重大事故があった", required=False)


class CourseForm(forms.ModelForm):
    class Meta:
        model = TrainingCourse
        fields = ["title", "topic", "held_on", "hours"]
        widgets = {"held_on": DATE}


class CompletionForm(forms.Form):
    course = forms.ModelChoiceField(label="研修", queryset=TrainingCourse.objects.all())
    usernames = forms.CharField(
        label="修了した職員のログインID（1行に1人）", widget=forms.Textarea(attrs={"rows": 4})
    )
    completed_on = forms.DateField(label="修了日", widget=DATE)

    def clean_usernames(self) -> list[User]:
        names = [n.strip() for n in self.cleaned_data["usernames"].splitlines() if n.strip()]
        users = {u.username: u for u in User.objects.filter(username__in=names)}
        unknown = [n for n in names if n not in users]
        if unknown:
            raise forms.ValidationError(f"登録されていないログインIDがあります: {'、'.join(unknown[:10])}")
        if not names:
            raise forms.ValidationError("ログインIDを1つ以上入力してください。")
        return list(users.values())


class SchoolDevicesForm(forms.Form):
    school = forms.ModelChoiceField(label="学校", queryset=School.objects.all())
    pupils = forms.IntegerField(label="児童・生徒数", min_value=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind, label in SchoolDevice.Kind.choices:
            self.fields[f"count_{kind}"] = forms.IntegerField(
                label=f"{label}（台）", min_value=0, required=False
            )
