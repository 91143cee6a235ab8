from __future__ import annotations

from typing import Any

from django import forms

from kotodx.assistant.models import Faq, Inquiry
from kotodx.core.models import Department, User
from kotodx.core.selectors import is_ward_wide
from kotodx.eapply.models import Procedure


class AskForm(forms.Form):
    q = forms.CharField(
        label="知りたいことを文章で入力してください",
        max_length=10_000,
        help_text=(
            "例: 来月引っ越します。どんな手続きが必要ですか／粗大ごみの出し方。"
            "個人情報（電話番号・マイナンバーなど）は入力しないでください。"
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "input-wide"}),
        error_messages={
            "required": "質問を入力してください。",
            "max_length": "質問は10,000文字以内にしてください。",
        },
    )


def _departments(user: User) -> Any:
    qs = Department.objects.all()
    return qs if is_ward_wide(user) else qs.filter(pk=user.department_id or 0)


class FaqForm(forms.ModelForm):
    class Meta:
        model = Faq
        fields = ["question", "answer", "department", "procedure", "is_public"]
        widgets = {"answer": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args: Any, user: User, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = _departments(user)  # type: ignore[attr-defined]
        self.fields["procedure"].queryset = Procedure.objects.order_by("name")  # type: ignore[attr-defined]
        self.fields["procedure"].required = False


class SynonymForm(forms.Form):
    term = forms.CharField(
        label="区民の言い方", max_length=100, help_text="例: 引っ越し、赤ちゃんが生まれた、moving"
    )
    expansions = forms.CharField(
        label="言い換える語",
        max_length=500,
        help_text="空白か読点（、）で区切ります。例: 転入届 転出届 転居届",
    )


class InquiryForm(forms.Form):
    text = forms.CharField(
        label="問い合わせの本文",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=20_000,
        help_text="メールの本文や、問い合わせフォームの自由記述を貼り付けてください。",
    )
    source = forms.ChoiceField(
        label="受付方法", choices=[c for c in Inquiry.Source.choices if c[0] != Inquiry.Source.TRAINING]
    )


class CorrectForm(forms.Form):
    department = forms.ModelChoiceField(label="担当部署", queryset=Department.objects.all(), empty_label=None)


class TrainingImportForm(forms.Form):
    file = forms.FileField(
        label="学習用の例（CSV: text,department）", help_text="UTF-8のCSV。1行目は text,department"
    )


class OcrUploadForm(forms.Form):
    procedure = forms.ModelChoiceField(
        label="手続き", queryset=Procedure.objects.none(), empty_label="選んでください"
    )
    file = forms.FileField(
        label="スキャンした申請書",
        help_text="PNG・JPEG・PDF（5ページまで、20MBまで）。300dpi程度で、まっすぐにスキャンしてください。",
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any):
        super().__init__(*args, **kwargs)
        qs = Procedure.objects.filter(versions__status="published").distinct().order_by("name")
        if not is_ward_wide(user):
            qs = qs.filter(department_id=user.department_id or 0)
        self.fields["procedure"].queryset = qs  # type: ignore[attr-defined]
