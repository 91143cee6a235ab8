"""The no-code form builder: staff add pages and questions, set their rules and conditions with ordinary
forms, and see the result at once; every change is validated and kept as the draft version."""

from __future__ import annotations

import copy
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from kotodx.core.http import StaffRequest
from kotodx.eapply import formdef, services
from kotodx.eapply.models import FormVersion, Procedure

CHOICE_TYPES = {"select", "radio", "checkboxes"}
FILE_KINDS = [
    ("pdf", "PDF"),
    ("png", "PNG画像"),
    ("jpeg", "JPEG画像"),
    ("xlsx", "Excel"),
    ("docx", "Word"),
    ("csv", "CSV"),
]


def _procedure(request: StaffRequest, slug: str) -> Procedure:
    procedure = get_object_or_404(Procedure, slug=slug)
    if not services.can_manage(request.user, procedure):
        raise PermissionDenied("この手続きのフォームを編集できるのは、担当部署の職員と情報システム課です。")
    return procedure


def _working_definition(procedure: Procedure) -> dict[str, Any]:
    """The draft, or a copy of the published version, or a new one-page form."""
    version = (
        procedure.versions.filter(status=FormVersion.Status.DRAFT).first() or procedure.published_version
    )
    if version is not None:
        return copy.deepcopy(version.definition)
    return {
        "title": procedure.name,
        "description": "",
        "pages": [
            {
                "id": "p1",
                "title": "申請者について",
                "fields": [
                    {"id": "name", "type": "text", "label": "氏名", "required": True, "max_length": 50},
                    {
                        "id": "email",
                        "type": "email",
                        "label": "メールアドレス",
                        "required": True,
                        "help": "受付番号をお知らせします。",
                    },
                ],
            }
        ],
    }


def _all_ids(definition: dict[str, Any]) -> set[str]:
    ids = set()
    for page in definition["pages"]:
        ids.add(page["id"])
        for f in page["fields"]:
            ids.add(f["id"])
            ids.update(sub["id"] for sub in f.get("fields", []))
    return ids


def _new_id(definition: dict[str, Any], prefix: str) -> str:
    taken = _all_ids(definition)
    n = 1
    while f"{prefix}{n}" in taken:
        n += 1
    return f"{prefix}{n}"


def _find(definition: dict[str, Any], field_id: str) -> tuple[dict[str, Any], list[dict[str, Any]], int]:
    for page in definition["pages"]:
        for i, f in enumerate(page["fields"]):
            if f["id"] == field_id:
                return page, page["fields"], i
            for j, sub in enumerate(f.get("fields", [])):
                if sub["id"] == field_id:
                    return page, f["fields"], j
    raise Http404


def _save(request: StaffRequest, procedure: Procedure, definition: dict[str, Any], done: str) -> bool:
    try:
        services.form_save_draft(procedure=procedure, definition=definition, actor=request.user)
    except formdef.DefinitionError as exc:
        for p in exc.problems:
            messages.error(request, p)
        return False
    messages.success(request, done)
    return True


class AddPageForm(forms.Form):
    title = forms.CharField(label="新しいページの見出し", max_length=100)


class AddFieldForm(forms.Form):
    type = forms.ChoiceField(label="質問の種類")
    label = forms.CharField(label="質問文", max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = list(formdef.FIELD_TYPES.items())  # type: ignore[attr-defined]


@login_required
@permission_required("eapply.build_form", raise_exception=True)
def builder(request: StaffRequest, slug: str) -> HttpResponse:
    procedure = _procedure(request, slug)
    definition = _working_definition(procedure)
    if request.method == "POST":
        action = request.POST.get("action", "")
        target = request.POST.get("target", "")
        changed, done = _apply(definition, action, target, request)
        if changed and _save(request, procedure, definition, done):
            return redirect("eapply:staff_builder", slug=slug)
        if not changed and done:
            messages.error(request, done)
    draft = procedure.versions.filter(status=FormVersion.Status.DRAFT).first()
    return render(
        request,
        "eapply/staff/builder.html",
        {
            "procedure": procedure,
            "definition": definition,
            "draft": draft,
            "field_types": formdef.FIELD_TYPES,
            "add_page": AddPageForm(prefix="page"),
            "preview": _preview(definition),
        },
    )


def _preview(definition: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for page in definition["pages"]:
        try:
            form = formdef.page_form(definition, page["id"], {})
        except (KeyError, ValueError):
            form = None
        out.append({"page": page, "form": form})
    return out


def _apply(definition: dict[str, Any], action: str, target: str, request: StaffRequest) -> tuple[bool, str]:
    pages = definition["pages"]
    if action == "add_page":
        title = request.POST.get("page-title", "").strip()
        if not title:
            return False, "ページの見出しを入力してください。"
        pages.append({"id": _new_id(definition, "p"), "title": title[:100], "fields": []})
        return True, f"ページ「{title}」を追加しました。"
    if action == "add_field":
        page = next((p for p in pages if p["id"] == target), None)
        kind, label = request.POST.get(f"{target}-type", ""), request.POST.get(f"{target}-label", "").strip()
        if page is None or kind not in formdef.FIELD_TYPES:
            raise Http404
        if not label:
            return False, "質問文を入力してください。"
        field: dict[str, Any] = {"id": _new_id(definition, "q"), "type": kind, "label": label[:200]}
        if kind in CHOICE_TYPES:
            field["choices"] = [{"value": "1", "label": "選択肢1"}, {"value": "2", "label": "選択肢2"}]
        if kind == "group":
            field["fields"] = [{"id": _new_id(definition, "q") + "a", "type": "text", "label": "氏名"}]
        if kind == "file":
            field["accept"] = ["pdf", "png", "jpeg"]
        page["fields"].append(field)
        return True, f"質問「{label}」を追加しました。「編集」で詳しい設定をしてください。"
    if action in ("up", "down", "delete"):
        if any(p["id"] == target for p in pages):
            i = next(i for i, p in enumerate(pages) if p["id"] == target)
            container: list[dict[str, Any]] = pages
        else:
            _page, container, i = _find(definition, target)
        if action == "delete":
            if container is pages and len(pages) == 1:
                return False, "最後のページは削除できません。"
            removed = container.pop(i)
            return True, f"「{removed.get('title') or removed.get('label')}」を削除しました。"
        j = i - 1 if action == "up" else i + 1
        if 0 <= j < len(container):
            container[i], container[j] = container[j], container[i]
            return True, "並べ替えました。"
        return False, ""
    if action == "rename_page":
        page = next((p for p in pages if p["id"] == target), None)
        if page is None:
            raise Http404
        page["title"] = request.POST.get(f"{target}-title", page["title"]).strip()[:100] or page["title"]
        return True, "ページの見出しを変更しました。"
    if action == "settings":
        definition["title"] = request.POST.get("form-title", definition.get("title", "")).strip()[:200]
        definition["description"] = request.POST.get("form-description", "").strip()[:2000]
        return True, "フォームの設定を保存しました。"
    raise Http404


class FieldForm(forms.Form):
    """The properties of one question, by its type."""

    label = forms.CharField(label="質問文", max_length=200)
    help = forms.CharField(
        label="説明（ヒント）", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    required = forms.BooleanField(label="回答を必須にする", required=False)
    min_length = forms.IntegerField(label="最小文字数", required=False, min_value=0)
    max_length = forms.IntegerField(label="最大文字数", required=False, min_value=1)
    pattern = forms.CharField(
        label="入力の形（正規表現）",
        required=False,
        max_length=200,
        help_text="例: ^[ァ-ヶー　 ]+$（全角カタカナ）。わからなければ空欄のままにします。",
    )
    pattern_message = forms.CharField(label="形が違うときのメッセージ", required=False, max_length=200)
    min = forms.DecimalField(label="最小値", required=False)
    max = forms.DecimalField(label="最大値", required=False)
    integer = forms.BooleanField(label="整数だけ", required=False)
    min_date = forms.CharField(
        label="最も早い日付",
        required=False,
        max_length=20,
        help_text="例: 2024-04-01、today（今日）、+30d（30日後）、-1y（1年前）",
    )
    max_date = forms.CharField(label="最も遅い日付", required=False, max_length=20)
    choices = forms.CharField(
        label="選択肢（1行に1つ）",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="「値:表示名」または表示名だけ。例: 1:はい",
    )
    min_selected = forms.IntegerField(label="最少の選択数", required=False, min_value=0)
    max_selected = forms.IntegerField(label="最多の選択数", required=False, min_value=1)
    accept = forms.MultipleChoiceField(
        label="受け付けるファイル", required=False, choices=FILE_KINDS, widget=forms.CheckboxSelectMultiple
    )
    max_mb = forms.IntegerField(
        label="ファイルの大きさの上限（MB）", required=False, min_value=1, max_value=20
    )
    min_items = forms.IntegerField(label="最少の件数", required=False, min_value=0)
    max_items = forms.IntegerField(label="最多の件数", required=False, min_value=1, max_value=20)
    address_field = forms.ChoiceField(
        label="「住所を検索」で住所を入れる質問",
        required=False,
        help_text="区民が郵便番号を入れて「住所を検索」を押すと、選んだ質問に住所が入ります"
        "（江東区内の住所の質問には町丁目、テキストの質問には「東京都江東区東陽」のような住所）。"
        "同じページ（繰り返しのまとまりの中では同じまとまり）の質問から選びます。",
    )
    show_if_field = forms.ChoiceField(label="この質問を表示する条件（前の質問）", required=False)
    show_if_value = forms.CharField(
        label="その回答が次の値のとき",
        required=False,
        max_length=100,
        help_text="はい/いいえの質問は true / false、選択肢は値を入力します。",
    )

    BY_TYPE = {
        "text": ["min_length", "max_length", "pattern", "pattern_message"],
        "textarea": ["min_length", "max_length"],
        "number": ["min", "max", "integer"],
        "date": ["min_date", "max_date"],
        "select": ["choices"],
        "radio": ["choices"],
        "checkboxes": ["choices", "min_selected", "max_selected"],
        "file": ["accept", "max_mb"],
        "group": ["min_items", "max_items"],
        "postal_code": ["address_field"],
    }
    COMMON = ["label", "help", "required", "show_if_field", "show_if_value"]

    def __init__(
        self,
        *args: Any,
        field: dict[str, Any],
        earlier: list[tuple[str, str]],
        address_choices: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        keep = set(self.COMMON) | set(self.BY_TYPE.get(field["type"], []))
        if field["type"] == "info":
            keep -= {"required", "help"}
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        self.fields["show_if_field"].choices = [("", "（常に表示）")] + earlier  # type: ignore[attr-defined]
        if "address_field" in self.fields:
            self.fields["address_field"].choices = [  # type: ignore[attr-defined]
                ("", "（入れない: ボタンを出さない）"),
                *(address_choices or []),
            ]
        self.initial.update({k: v for k, v in field.items() if k in self.fields})
        if "choices" in self.fields:
            self.initial["choices"] = "\n".join(
                f"{c['value']}:{c['label']}" for c in field.get("choices", [])
            )
        cond = field.get("show_if") or {}
        self.initial["show_if_field"] = cond.get("field", "")
        if "equals" in cond:
            value = cond["equals"]
            self.initial["show_if_value"] = str(value).lower() if isinstance(value, bool) else value

    def apply(self, field: dict[str, Any]) -> None:
        d = self.cleaned_data
        for name in self.fields:
            if name in ("choices", "show_if_field", "show_if_value"):
                continue
            value = d.get(name)
            if value in (None, "", []) or value is False and name != "required":
                field.pop(name, None)
            else:
                field[name] = float(value) if hasattr(value, "as_tuple") else value
        if "choices" in self.fields:
            choices = []
            for line in (d.get("choices") or "").splitlines():
                if not line.strip():
                    continue
                key, sep, label = line.partition(":")
                choices.append({"value": key.strip(), "label": (label if sep else key).strip()})
            field["choices"] = choices
        if d.get("show_if_field"):
            raw = (d.get("show_if_value") or "").strip()
            expected: Any = {"true": True, "false": False}.get(raw.lower(), raw)
            field["show_if"] = {"field": d["show_if_field"], "equals": expected}
        else:
            field.pop("show_if", None)


@login_required
@permission_required("eapply.build_form", raise_exception=True)
def field_edit(request: StaffRequest, slug: str, field_id: str) -> HttpResponse:
    procedure = _procedure(request, slug)
    definition = _working_definition(procedure)
    page, container, index = _find(definition, field_id)
    field = container[index]
    earlier = _earlier_fields(definition, page, field_id)
    address_choices = [
        (f["id"], f"{f['label']}（{formdef.FIELD_TYPES[f['type']]}）")
        for f in container
        if f["type"] in formdef.POSTAL_TARGET_TYPES and f["id"] != field_id
    ]
    form = FieldForm(request.POST or None, field=field, earlier=earlier, address_choices=address_choices)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        form.apply(field)
        try:
            services.form_save_draft(procedure=procedure, definition=definition, actor=request.user)
        except formdef.DefinitionError as exc:
            problems = exc.problems
        except ValidationError as exc:
            problems = exc.messages
        else:
            messages.success(request, f"質問「{field['label']}」を保存しました。")
            return redirect("eapply:staff_builder", slug=slug)
    return render(
        request,
        "eapply/staff/field_form.html",
        {
            "procedure": procedure,
            "field": field,
            "page": page,
            "form": form,
            "problems": problems,
            "type_label": formdef.FIELD_TYPES.get(field["type"], field["type"]),
        },
        status=400 if problems else 200,
    )


def _earlier_fields(definition: dict[str, Any], page: dict[str, Any], field_id: str) -> list[tuple[str, str]]:
    """Questions a condition may refer to: those before this one (on earlier pages or above on this page)."""
    out: list[tuple[str, str]] = []
    for p in definition["pages"]:
        for f in p["fields"]:
            if f["id"] == field_id:
                return out
            if f["type"] in ("yesno", "select", "radio", "checkboxes", "text", "number"):
                out.append((f["id"], f"{p['title']} ／ {f['label']}"))
        if p is page:
            break
    return out
