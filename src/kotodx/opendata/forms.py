"""Forms of the open data catalog (staff)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from kotodx.core.models import Department, User
from kotodx.core.selectors import is_ward_wide
from kotodx.opendata import validation
from kotodx.opendata.models import Dataset, Group


class DatasetForm(forms.ModelForm):
    tags_text = forms.CharField(
        label="タグ",
        required=False,
        max_length=500,
        help_text="読点（、）またはカンマで区切ります。例: 防災、避難所",
    )
    groups = forms.ModelMultipleChoiceField(
        label="分類", queryset=Group.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    standard_dataset = forms.ChoiceField(
        label="準拠する自治体標準オープンデータセット",
        required=False,
        choices=lambda: [("", "なし"), *validation.schema_names()],
    )

    class Meta:
        model = Dataset
        fields = [
            "title",
            "name",
            "notes",
            "department",
            "license_id",
            "attribution",
            "update_frequency",
            "spatial",
            "temporal_start",
            "temporal_end",
            "maintainer",
            "maintainer_email",
            "standard_dataset",
            "url",
            "version",
        ]
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 4}),
            "temporal_start": forms.DateInput(attrs={"type": "date"}),
            "temporal_end": forms.DateInput(attrs={"type": "date"}),
        }
        help_texts = {"name": "URLに使う名前。例: koto-aed（半角英小文字・数字・ハイフン）"}

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        depts = Department.objects.all()
        if not is_ward_wide(user):
            depts = depts.filter(pk=user.department_id or 0)
        self.fields["department"].queryset = depts  # type: ignore[attr-defined]
        self.fields["department"].label = "公開部署"
        if not self.instance._state.adding:
            self.fields["tags_text"].initial = "、".join(t.name for t in self.instance.tags.all())
            self.fields["groups"].initial = list(self.instance.groups.all())
            self.fields["name"].disabled = True  # the URL stays stable once published

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("temporal_start")
            and data.get("temporal_end")
            and data["temporal_end"] < data["temporal_start"]
        ):
            self.add_error("temporal_end", "対象期間の終了は開始より後の日付にしてください。")
        return data

    def tag_list(self) -> list[str]:
        text = self.cleaned_data.get("tags_text") or ""
        return [t.strip() for t in text.replace("、", ",").replace("，", ",").split(",") if t.strip()]

    def dataset_data(self) -> dict[str, Any]:
        return {f: self.cleaned_data[f] for f in self.Meta.fields if f in self.cleaned_data}


class ResourceForm(forms.Form):
    name = forms.CharField(label="名前", max_length=200)
    description = forms.CharField(label="説明", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    file = forms.FileField(label="ファイル（CSV。UTF-8 または Shift_JIS）", required=False)
    url = forms.URLField(label="または外部のURL", required=False, max_length=1000)
    format = forms.CharField(
        label="形式", required=False, max_length=20, help_text="空欄なら自動で判定します"
    )
    schema = forms.ChoiceField(
        label="検証に使うスキーマ", required=False, help_text="空欄なら列名から推定します"
    )

    def __init__(self, *args: Any, replace: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.replace = replace
        if replace:
            for name in ("name", "description", "url", "format", "schema"):
                del self.fields[name]
            self.fields["file"].required = True
            self.fields[
                "file"
            ].label = "新しいファイル（検証に合格するまで、今のファイルが公開されたままです）"

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if upload is not None and upload.size > validation.MAX_BYTES:
            raise ValidationError(
                f"ファイルが大きすぎます（{upload.size / 1024 / 1024:.0f}MB）。"
                f"{validation.MAX_BYTES // 1024 // 1024}MBまでにしてください。"
            )
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.replace and not data.get("file") and not data.get("url"):
            raise ValidationError("ファイルを選ぶか、外部のURLを入力してください。")
        if not self.replace and data.get("file") and data.get("url"):
            raise ValidationError("ファイルと外部のURLはどちらか一方にしてください。")
        return data


class OverrideForm(forms.Form):
    reason = forms.CharField(
        label="エラーを承知で公開する理由",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="エラーのない版を公開するときは空欄のままにします",
    )
