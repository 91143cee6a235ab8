"""Staff pages of the GIS: the layers a member of staff may see, and uploading a file (GeoJSON, CSV,
GeoPackage, zipped Shapefile, FlatGeobuf, KML) as a new layer or in place of a layer's features, all or
nothing."""

from __future__ import annotations

import io
import json
from typing import Any

import shapely
import shapely.geometry
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from kotodx.core import csvutil
from kotodx.core.http import StaffRequest
from kotodx.core.models import Department
from kotodx.core.selectors import is_ward_wide
from kotodx.gis import geocoder, selectors, services, spatial
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


# --- spatial queries for staff ------------------------------------------------------------------------

QUERY_MODES = [
    ("town", "町丁目の中"),
    ("polygon", "描いた範囲（多角形）の中"),
    ("distance", "地点から一定の距離の中"),
    ("nearest", "地点に近い順"),
]


class SpatialQueryForm(forms.Form):
    layer = forms.ChoiceField(label="レイヤ")
    mode = forms.ChoiceField(label="探し方", choices=QUERY_MODES, initial="town", widget=forms.RadioSelect)
    town = forms.CharField(
        label="町丁目",
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"list": "koto-towns", "autocomplete": "off"}),
        help_text="例: 東陽四丁目、東陽4丁目（「町丁目の中」で使います）",
    )
    polygon = forms.CharField(
        label="範囲の頂点",
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="1行に1点、「経度, 緯度」の順に3点以上（例: 139.81, 35.67）。"
        "地図をクリックしても追加できます。GeoJSON の Polygon も使えます（「描いた範囲の中」で使います）。",
    )
    place = forms.CharField(
        label="地点の住所",
        required=False,
        max_length=200,
        help_text="例: 江東区東陽4-11-28。地図をクリックして地点を選ぶこともできます"
        "（「距離」「近い順」で使います）。",
    )
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, widget=forms.HiddenInput)
    meters = forms.IntegerField(
        label="距離（メートル）", required=False, initial=500, min_value=1, max_value=spatial.MAX_METRES
    )
    k = forms.IntegerField(label="件数", required=False, initial=5, min_value=1, max_value=spatial.MAX_K)

    def __init__(self, *args: Any, layers: list[Layer], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.layers = {layer.name: layer for layer in layers}
        self.fields["layer"].choices = [(la.name, la.title) for la in layers]  # type: ignore[attr-defined]
        self.result: dict[str, Any] = {}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        layer = self.layers.get(data.get("layer", ""))
        mode = data.get("mode")
        if layer is None or mode is None or self.errors:
            return data
        data["meters"] = data.get("meters") or self.fields["meters"].initial
        data["k"] = data.get("k") or self.fields["k"].initial
        try:
            if mode == "town":
                if not data.get("town", "").strip():
                    self.add_error("town", "町丁目を入力してください（例: 東陽四丁目）。")
                    return data
                town, area = spatial.town_area(data["town"])
                self.result = {"hits": spatial.within(layer, area), "area": area, "what": f"{town}の中"}
            elif mode == "polygon":
                area = spatial.polygon(_polygon_from_text(data.get("polygon", "")))
                self.result = {"hits": spatial.within(layer, area), "area": area, "what": "描いた範囲の中"}
            else:
                origin, where = self._origin(data)
                if origin is None:
                    return data
                if mode == "distance":
                    hits = spatial.within_distance(layer, origin, data["meters"])
                    what = f"{where}から{data['meters']:,}m以内"
                else:
                    hits = spatial.nearest(layer, origin, data["k"])
                    what = f"{where}に近い{data['k']}件"
                self.result = {"hits": hits, "origin": origin, "what": what}
        except spatial.SpatialQueryError as exc:
            field = {"town": "town", "polygon": "polygon"}.get(mode, "place")
            self.add_error(field, str(exc))
            return data
        self.result["layer"] = layer
        return data

    def _origin(self, data: dict[str, Any]) -> tuple[Any, str]:
        place = (data.get("place") or "").strip()
        if place:
            match = geocoder.geocode(place)
            if match is None:
                self.add_error(
                    "place",
                    f"「{place}」は江東区内の住所として見つかりません。町名・丁目を確かめてください。",
                )
                return None, ""
            return spatial.point(match.lat, match.lon), f"{match.normalized}（{match.town}）"
        if data.get("lat") is not None and data.get("lon") is not None:
            return spatial.point(
                data["lat"], data["lon"]
            ), f"地図で選んだ地点（緯度 {data['lat']:.5f}、経度 {data['lon']:.5f}）"
        self.add_error("place", "地点の住所を入力するか、地図をクリックして地点を選んでください。")
        return None, ""


def _polygon_from_text(text: str) -> Any:
    """The vertices as typed: one "lon, lat" per line (the ring is closed for the user), or GeoJSON."""
    text = text.strip()
    if text.startswith("{"):
        try:
            doc = json.loads(text)
        except ValueError:
            raise spatial.SpatialQueryError(
                "GeoJSON として読めません。括弧や引用符を確かめてください。"
            ) from None
        return doc.get("geometry", doc) if isinstance(doc, dict) else doc
    points = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p for p in line.replace("、", ",").replace("，", ",").replace(" ", ",").split(",") if p]
        try:
            lon, lat = (float(p) for p in parts)
        except ValueError:
            raise spatial.SpatialQueryError(
                f"{n}行目「{line.strip()}」は「経度, 緯度」の2つの数値になっていません。"
            ) from None
        points.append([lon, lat])
    if len(points) < 3:
        raise spatial.SpatialQueryError(
            "範囲の頂点を3点以上入力してください（地図をクリックしても追加できます）。"
        )
    if points[0] != points[-1]:
        points.append(points[0])
    return {"type": "Polygon", "coordinates": [points]}


def _hit_row(hit: spatial.Hit) -> dict[str, Any]:
    geom = shapely.from_wkb(bytes(hit.feature.geometry))
    p = geom if geom.geom_type == "Point" else geom.representative_point()
    return {
        "fid": hit.feature.fid,
        "name": hit.name,
        "address": hit.address,
        "distance": None if hit.distance_m is None else round(hit.distance_m),
        "lat": round(p.y, 6),
        "lon": round(p.x, 6),
    }


@login_required
@permission_required("gis.view_layer", raise_exception=True)
def spatial_query(request: StaffRequest) -> HttpResponse:
    """Features of a layer within a town, a drawn polygon or a distance, or the nearest k — as a table,
    on a map, and as CSV or GeoJSON for the department's own work."""
    layers = list(selectors.visible_layers(request.user).order_by("title"))
    form = SpatialQueryForm(request.GET or None, layers=layers)
    rows: list[dict[str, Any]] = []
    result: dict[str, Any] = {}
    if form.is_bound and form.is_valid() and form.result:
        result = form.result
        rows = [_hit_row(h) for h in result["hits"]]
        fmt = request.GET.get("format", "")
        layer = result["layer"]
        if fmt == "csv":
            out = io.StringIO()
            csvutil.write_rows(
                out,
                ["地物ID", "名称", "住所", "距離（m）", "緯度", "経度"],
                (
                    [
                        r["fid"],
                        r["name"],
                        r["address"],
                        "" if r["distance"] is None else r["distance"],
                        r["lat"],
                        r["lon"],
                    ]
                    for r in rows
                ),
            )
            response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{layer.name}-query.csv"'
            return response
        if fmt == "geojson":
            body = spatial.as_collection(result["hits"])
            response = HttpResponse(json.dumps(body, ensure_ascii=False), content_type="application/geo+json")
            response["Content-Disposition"] = f'attachment; filename="{layer.name}-query.geojson"'
            return response
    query_map = {
        "area": shapely.geometry.mapping(result["area"]) if result.get("area") is not None else None,
        "origin": [result["origin"].y, result["origin"].x] if result.get("origin") is not None else None,
        "radius": form.cleaned_data.get("meters")
        if result and form.cleaned_data.get("mode") == "distance"
        else None,
        "hits": [{"lat": r["lat"], "lon": r["lon"], "name": r["name"]} for r in rows],
    }
    return render(
        request,
        "gis/staff_query.html",
        {
            "form": form,
            "result": result,
            "rows": rows,
            "query_map": query_map,
            "towns": [t["name"] for t in geocoder.towns()],
            "download": request.GET.urlencode(),
        },
    )
