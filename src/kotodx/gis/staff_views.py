"""Staff pages of the GIS: the layers a member of staff may see, and uploading a file (GeoJSON, CSV,
GeoPackage, zipped Shapefile, FlatGeobuf, KML) as a new layer or in place of a layer's features, all or
nothing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.db import transaction
from django.http import HttpResponse
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
    layers = selectors.visible_layers(request.user)
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
            if layer is not None and not (
                is_ward_wide(request.user) or layer.department_id == request.user.department_id
            ):
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
