"""Staff pages of the GIS: the layers a member of staff may see, and uploading a file (GeoJSON, CSV,
GeoPackage, zipped Shapefile, FlatGeobuf, KML) as a new layer or in place of a layer's features, all or
nothing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from kotodx.core.http import StaffRequest
from kotodx.core.models import Department
from kotodx.core.selectors import is_ward_wide
from kotodx.gis import selectors, services
from kotodx.gis.models import Layer
from kotodx.opendata.validation import FileProblem

MAX_BYTES = 20 * 1024 * 1024


class LayerUploadForm(forms.Form):
    title = forms.CharField(label="レイヤ名", max_length=200)
    name = forms.SlugField(
        label="コレクションID（半角英小文字・数字・ハイフン）",
        max_length=80,
        help_text="例: koto-aed。同じIDのレイヤがあれば、その地物を置き換えます。",
    )
    department = forms.ModelChoiceField(label="所管部署", queryset=Department.objects.none())
    visibility = forms.ChoiceField(label="公開範囲", choices=Layer.Visibility.choices)
    file = forms.FileField(
        label="ファイル（GeoJSON、緯度・経度／住所 の列がある CSV、GeoPackage、"
        "Shapefile の ZIP、FlatGeobuf、KML）"
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        depts = Department.objects.all()
        if not is_ward_wide(user):
            depts = depts.filter(pk=user.department_id or 0)
        self.fields["department"].queryset = depts  # type: ignore[attr-defined]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(f"ファイルが大きすぎます（{MAX_BYTES // 1024 // 1024}MBまで）。")
        return upload


class LayerSettingsForm(forms.Form):
    title = forms.CharField(label="レイヤ名", max_length=200)
    description = forms.CharField(label="説明", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    visibility = forms.ChoiceField(label="公開範囲", choices=Layer.Visibility.choices)
    attribution = forms.CharField(label="出典", max_length=300, required=False)
    color = forms.RegexField(
        label="線と記号の色",
        regex=r"^#[0-9a-fA-F]{6}$",
        widget=forms.TextInput(attrs={"type": "color"}),
        help_text="白い背景とのコントラスト比が3:1以上の色にしてください（JIS X 8341-3 / WCAG 1.4.11）。",
        error_messages={"invalid": "色は #0017c1 のような16進数6桁で指定してください。"},
    )
    radius = forms.IntegerField(label="点の記号の半径（ピクセル）", min_value=3, max_value=15)
    weight = forms.IntegerField(label="線の太さ（ピクセル）", min_value=1, max_value=8)
    fill_opacity = forms.DecimalField(
        label="面の塗りの不透明度（0〜1）", min_value=0, max_value=1, decimal_places=2
    )


@login_required
@permission_required("gis.manage_layer", raise_exception=True)
def layer_edit(request: StaffRequest, name: str) -> HttpResponse:
    layer = selectors.visible_layers(request.user).filter(name=name).first()
    if layer is None or not services.can_manage(request.user, layer):
        raise Http404("レイヤがないか、変更する権限がありません。")
    style = services.layer_style(layer)
    initial = {
        "title": layer.title,
        "description": layer.description,
        "visibility": layer.visibility,
        "attribution": layer.attribution,
        "color": style["color"],
        "radius": style["radius"],
        "weight": style["weight"],
        "fill_opacity": style["fillOpacity"],
    }
    form = LayerSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.layer_update(
                layer=layer,
                actor=request.user,
                data={
                    "title": d["title"],
                    "description": d["description"],
                    "visibility": d["visibility"],
                    "attribution": d["attribution"],
                    "style": {
                        "color": d["color"].lower(),
                        "radius": d["radius"],
                        "weight": d["weight"],
                        "fillOpacity": float(d["fill_opacity"]),
                    },
                },
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, f"「{layer.title}」の設定を保存しました。")
            return redirect("gis:staff_layers")
    return render(
        request,
        "gis/staff_layer_edit.html",
        {"form": form, "layer": layer, "style": style},
        status=400 if form.errors else 200,
    )


@login_required
@permission_required("gis.view_layer", raise_exception=True)
def layer_list(request: StaffRequest) -> HttpResponse:
    form = LayerUploadForm(request.POST or None, request.FILES or None, user=request.user)
    problems: list[str] = []
    if request.method == "POST":
        if not request.user.has_perm("gis.manage_layer"):
            problems = ["レイヤを作成・更新する権限がありません。"]
        elif form.is_valid():
            problems = _import(request, form)
            if not problems:
                return redirect("gis:staff_layers")
    layers = list(selectors.visible_layers(request.user))
    for layer in layers:
        layer.manageable = services.can_manage(request.user, layer)  # type: ignore[attr-defined]
    return render(
        request,
        "gis/staff_layers.html",
        {"form": form, "layers": layers, "problems": problems},
        status=400 if problems else 200,
    )


def _import(request: StaffRequest, form: LayerUploadForm) -> list[str]:
    d = form.cleaned_data
    upload = d["file"]
    data = upload.read()
    try:
        items, notes, source = services.features_from_file(upload.name, data)
        with transaction.atomic():
            layer = Layer.objects.filter(name=d["name"]).first()
            if layer is not None and not services.can_manage(request.user, layer):
                return [f"コレクションID「{d['name']}」は他の部署のレイヤです。別のIDにしてください。"]
            if layer is None:
                layer = services.layer_create(
                    actor=request.user,
                    data={
                        "name": d["name"],
                        "title": d["title"],
                        "department": d["department"],
                        "visibility": d["visibility"],
                        "source": source,
                    },
                )
            count = services.layer_replace_features(
                layer=layer, items=items, actor=request.user, note=f"ファイル {upload.name} の取り込み"
            )
    except (FileProblem, services.ImportProblem) as exc:
        return list(getattr(exc, "messages", [str(exc)]))
    messages.success(request, f"「{layer.title}」に {count} 件の地物を取り込みました。")
    for note in notes[:20]:
        messages.warning(request, note)
    return []
