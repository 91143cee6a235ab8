"""Forms of the core pages. Labels are Japanese; messages name the field and the problem."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_otp import match_token, user_has_device

from kotodx.core.fiscal import WarekiError, parse_date
from kotodx.core.models import AuditEntry

LOGIN_FAILED = _("ログインID、パスワード、または確認コードが正しくありません。")


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("ログインID"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "username"})
    )
    password = forms.CharField(
        label=_("パスワード"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    otp_token = forms.CharField(
        label=_("確認コード（2段階認証を設定している方のみ）"),
        required=False,
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, request: Any, *args: Any, **kwargs: Any) -> None:
        self.request = request
        self.user: Any = None
        self.device: Any = None
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        username, password = data.get("username"), data.get("password")
        if not username or not password:
            return data
        user = authenticate(self.request, username=username, password=password)
        if user is None or not user.is_active:
            raise ValidationError(LOGIN_FAILED, code="invalid_login")
        if user_has_device(user):
            token = (data.get("otp_token") or "").strip()
            device = match_token(user, token) if token else None
            if device is None:
                # Counts towards the login rate limit and is audited, like a wrong password.
                user_login_failed.send(
                    sender=__name__, credentials={"username": username}, request=self.request
                )
                raise ValidationError(LOGIN_FAILED, code="invalid_login")
            self.device = device
        self.user = user
        return data


class StaffPasswordChangeForm(PasswordChangeForm):
    pass


class OtpConfirmForm(forms.Form):
    token = forms.CharField(
        label=_("認証アプリに表示された6桁の確認コード"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("トークンの名前（用途）"), max_length=100, help_text=_("例: 集計スクリプト用")
    )


class DateField(forms.CharField):
    """A date typed in western or 和暦 form (2024-04-01, 令和6年4月1日, R6.4.1)."""

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        if not value:
            return None
        try:
            return parse_date(value)
        except WarekiError as exc:
            raise ValidationError(str(exc), code="invalid") from None


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("操作者"), required=False, max_length=150)
    action = forms.ChoiceField(
        label=_("操作"), required=False, choices=[("", _("すべて"))] + list(AuditEntry.Action.choices)
    )
    target_type = forms.CharField(label=_("対象の種類"), required=False, max_length=100)
    q = forms.CharField(label=_("対象・備考に含む語"), required=False, max_length=100)
    date_from = DateField(
        label=_("期間（から）"), required=False, help_text=_("例: 2024-04-01 または 令和6年4月1日")
    )
    date_to = DateField(label=_("期間（まで）"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("期間（まで）は期間（から）より後の日付にしてください。"))
        return data


def add_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: each field's messages beside that field, the rest
    (and messages about fields the form does not have) at the top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class AccessibilityPolicyForm(forms.Form):
    body_ja = forms.CharField(
        label="方針（日本語）",
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 18}),
        help_text="Markdown で書きます。見出しは「## 対象範囲」のように ## で始めます。"
        "HTML は使えません（文字として表示されます）。",
    )
    body_en = forms.CharField(
        label="方針（英語・任意）",
        max_length=20000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text="英語のページ（/en/accessibility/）に表示します。空のときは日本語の方針を表示します。",
    )
    reason = forms.CharField(
        label="変更の理由", max_length=300, help_text="履歴に残ります。例: 令和8年度の試験結果を反映"
    )
