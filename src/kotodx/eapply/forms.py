"""Forms of e-application besides the generated ones (formdef.page_form)."""

from __future__ import annotations

import unicodedata
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kotodx.eapply.models import Procedure, Submission


class StatusCheckForm(forms.Form):
    reference_number = forms.CharField(
        label=_("受付番号"),
        max_length=20,
        help_text=_("例: R8-ACDE-FGHJ"),
        error_messages={"required": _("受付番号を入力してください。")},
    )
    email = forms.EmailField(
        label=_("申請のときに入力したメールアドレス"),
        error_messages={
            "required": _("メールアドレスを入力してください。"),
            "invalid": _("メールアドレスの形式が正しくありません。"),
        },
    )

    def clean_reference_number(self) -> str:
        return unicodedata.normalize("NFKC", self.cleaned_data["reference_number"]).strip().upper()


class ProcedureForm(forms.ModelForm):
    class Meta:
        model = Procedure
        fields = [
            "name",
            "slug",
            "category",
            "department",
            "description",
            "eligibility",
            "fee",
            "documents",
            "priority",
            "pittari",
            "retention_days",
            "is_public",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "eligibility": forms.Textarea(attrs={"rows": 2}),
            "documents": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, departments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]


class TransitionForm(forms.Form):
    to_status = forms.ChoiceField(label="次の状態", choices=Submission.Status.choices)
    comment = forms.CharField(
        label="申請者へのコメント（補正依頼・却下では必須）",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, allowed: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_status"].choices = [(s, Submission.Status(s).label) for s in allowed]  # type: ignore[attr-defined]


class DefinitionImportForm(forms.Form):
    file = forms.FileField(label="フォーム定義（JSON）")
