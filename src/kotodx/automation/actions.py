"""The library of actions a robot's steps are made of. Each action has typed parameters with Japanese
labels (the step editor is drawn from them), a description, and a function that does the work through the
platform's own services as the robot's staff account. A step receives the previous step's output as
``ctx.data`` (a list of rows) and returns its own. In a dry run, writes are described, not done (and the
whole run is rolled back anyway)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.utils import timezone


class StepFailed(Exception):
    """A step could not do its work; the message (Japanese) is shown against the step."""


class TimeLimit(Exception):
    """The run passed its time limit (checked between steps and between the rows of a step)."""


@dataclass(frozen=True)
class Param:
    name: str
    label: str
    kind: str = "text"  # text, int, choice, bool, lines
    required: bool = True
    help: str = ""
    choices: tuple[tuple[str, str], ...] = ()


@dataclass
class Context:
    robot: Any
    run: Any
    account: Any
    dry_run: bool
    data: list[dict[str, Any]] = field(default_factory=list)
    file: tuple[str, bytes] | None = None  # (name, bytes) carried between steps
    items: int = 0
    outputs: list[str] = field(default_factory=list)  # files written (paths under MEDIA_ROOT)
    notes: list[str] = field(default_factory=list)
    deadline: float = float("inf")  # time.monotonic() after which the run stops

    def check_time(self) -> None:
        import time

        if time.monotonic() > self.deadline:
            raise TimeLimit(f"制限時間（{self.robot.timeout_seconds}秒）を超えたため、途中で止めました。")


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    description: str
    params: tuple[Param, ...]
    fn: Callable[[Context, dict[str, Any]], dict[str, Any]]
    writes: bool = False


ACTIONS: dict[str, Action] = {}


def action(name: str, label: str, description: str, *params: Param, writes: bool = False) -> Callable:
    def register(fn: Callable[[Context, dict[str, Any]], dict[str, Any]]) -> Callable:
        ACTIONS[name] = Action(name, label, description, params, fn, writes)
        return fn

    return register


def check_params(name: str, params: dict[str, Any]) -> dict[str, Any]:
    """Typed parameters of a step, or ValidationError naming the parameter."""
    act = ACTIONS.get(name)
    if act is None:
        raise ValidationError(f"操作「{name}」はありません。")
    clean: dict[str, Any] = {}
    for p in act.params:
        raw = params.get(p.name)
        if raw in (None, "") or (p.kind == "lines" and not raw):
            if p.required:
                raise ValidationError(f"「{act.label}」の「{p.label}」を入力してください。")
            clean[p.name] = (
                [] if p.kind == "lines" else None if p.kind == "int" else False if p.kind == "bool" else ""
            )
            continue
        if p.kind == "int":
            try:
                clean[p.name] = int(raw)
            except (TypeError, ValueError):
                raise ValidationError(f"「{act.label}」の「{p.label}」は整数で入力してください。") from None
        elif p.kind == "bool":
            clean[p.name] = raw in (True, "true", "on", "1", 1)
        elif p.kind == "choice":
            if raw not in {c for c, _ in p.choices}:
                raise ValidationError(f"「{act.label}」の「{p.label}」に「{raw}」は選べません。")
            clean[p.name] = raw
        elif p.kind == "lines":
            clean[p.name] = [
                s.strip() for s in (raw if isinstance(raw, list) else str(raw).splitlines()) if s.strip()
            ]
        else:
            clean[p.name] = str(raw).strip()
    unknown = set(params) - {p.name for p in act.params}
    if unknown:
        raise ValidationError(f"「{act.label}」に不明な設定があります: {'、'.join(sorted(unknown))}")
    return clean


def _media_path(rel: str) -> Path:
    path = Path(settings.MEDIA_ROOT) / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


# --- Reading and shaping data ----------------------------------------------------------------------


def _read_table(name: str, data: bytes) -> list[dict[str, Any]]:
    from kotodx.opendata.validation import FileProblem, decode_csv

    if data.startswith(b"PK\x03\x04"):
        from openpyxl import load_workbook

        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        rows = [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
        header = [str(h or "").strip() for h in (rows[0] if rows else [])]
        return [dict(zip(header, r, strict=False)) for r in rows[1:] if any(c not in (None, "") for c in r)]
    try:
        text = decode_csv(data).text
    except FileProblem as exc:
        raise StepFailed(f"{name}: {exc}") from exc
    return list(csv.DictReader(io.StringIO(text)))


@action(
    "read_file",
    "ファイルを読む（CSV・XLSX）",
    "受け取りフォルダに置かれたファイル（起動したファイル）を読み、行の並びにします。"
    "UTF-8・Shift_JIS の CSV と XLSX。",
)
def read_file(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    path = ctx.run.context.get("file")
    if not path:
        raise StepFailed("読むファイルがありません（受け取りフォルダにファイルを置いて起動してください）。")
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise StepFailed(f"ファイルを読めません: {exc.strerror}") from exc
    ctx.file = (Path(path).name, data)
    ctx.data = _read_table(Path(path).name, data)
    ctx.items = len(ctx.data)
    return {"file": Path(path).name, "rows": len(ctx.data), "columns": list(ctx.data[0]) if ctx.data else []}


@action(
    "filter_rows",
    "行を絞り込む",
    "列の値が指定どおりの行だけを残します。",
    Param("column", "列名"),
    Param("equals", "値"),
)
def filter_rows(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    before = len(ctx.data)
    ctx.data = [r for r in ctx.data if str(r.get(p["column"], "")) == p["equals"]]
    ctx.items = len(ctx.data)
    return {"before": before, "after": len(ctx.data)}


@action(
    "select_columns",
    "列を選んで名前を付け直す",
    "残す列を「元の列名=新しい列名」で1行ずつ書きます（= がなければ同じ名前）。",
    Param("columns", "列（1行に1つ）", kind="lines"),
)
def select_columns(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    pairs = [(c.split("=", 1)[0].strip(), c.split("=", 1)[-1].strip()) for c in p["columns"]]
    missing = [old for old, _ in pairs if ctx.data and old not in ctx.data[0]]
    if missing:
        raise StepFailed(f"列がありません: {'、'.join(missing)}")
    ctx.data = [{new: r.get(old) for old, new in pairs} for r in ctx.data]
    return {"columns": [new for _, new in pairs]}


# --- Open data ------------------------------------------------------------------------------------------


def _resource(dataset: str, resource: str) -> Any:
    from kotodx.opendata.models import Resource

    found = Resource.objects.select_related("dataset").filter(dataset__name=dataset, name=resource).first()
    if found is None:
        raise StepFailed(
            f"データセット「{dataset}」のリソース「{resource}」がありません（削除されたかもしれません）。"
        )
    return found


@action(
    "validate_csv",
    "CSVを検証する",
    "読んだファイルを、公開先のリソースのスキーマ（自治体標準オープンデータセット等）で検証します。誤りがあれば止まり、誤りの一覧を知らせます。",
    Param("dataset", "データセットID"),
    Param("resource", "リソース名"),
)
def validate_csv(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    from kotodx.opendata.validation import FileProblem, format_report
    from kotodx.opendata.validation import validate_csv as check

    if ctx.file is None:
        raise StepFailed("検証するファイルがありません。前の手順で「ファイルを読む」を置いてください。")
    res = _resource(p["dataset"], p["resource"])
    try:
        report = check(ctx.file[1], schema=res.schema or None)
    except FileProblem as exc:
        raise StepFailed(str(exc)) from exc
    if not report.valid:
        raise StepFailed(
            f"検証で誤りが見つかりました（{len(report.errors)} 件）。\n{format_report(report)[:4000]}"
        )
    ctx.items = report.row_count
    return {"valid": True, "rows": report.row_count, "schema": report.schema or ""}


@action(
    "publish_resource",
    "オープンデータのリソースを差し替えて公開する",
    "読んだファイルをリソースの新しい版として登録します。検証に通ると公開され、前の版は残ります。",
    Param("dataset", "データセットID"),
    Param("resource", "リソース名"),
    writes=True,
)
def publish_resource(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    from kotodx.opendata import services as od

    if ctx.file is None:
        raise StepFailed("公開するファイルがありません。")
    res = _resource(p["dataset"], p["resource"])
    if ctx.dry_run:
        return {
            "would": f"「{res.dataset.title}」の「{res.name}」に {ctx.file[0]} を新しい版として登録し公開する"
        }
    try:
        version, _ = od.resource_upload(
            resource=res, filename=ctx.file[0], data=ctx.file[1], actor=ctx.account, run_now=True
        )
    except ValidationError as exc:
        raise StepFailed(" ".join(exc.messages)) from exc
    return {"resource": res.name, "version": version.number}


# --- E-application ----------------------------------------------------------------------------------


STATUS_CHOICES = (
    ("received", "受付"),
    ("reviewing", "審査中"),
    ("approved", "承認"),
    ("rejected", "却下"),
    ("completed", "完了"),
)


@action(
    "find_submissions",
    "申請を探す",
    "手続きの申請のうち、状態と期間が合うものを行の並びにします（個人情報は記録に残しません）。",
    Param("procedure", "手続きID"),
    Param("status", "状態", kind="choice", choices=STATUS_CHOICES),
    Param(
        "since",
        "期間",
        kind="choice",
        choices=(("today", "今日"), ("yesterday", "昨日"), ("7days", "7日以内"), ("all", "すべて")),
    ),
)
def find_submissions(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    from kotodx.eapply.models import Procedure, Submission

    proc = Procedure.objects.filter(slug=p["procedure"]).first()
    if proc is None:
        raise StepFailed(f"手続き「{p['procedure']}」がありません（削除されたかもしれません）。")
    from kotodx.core.selectors import is_ward_wide

    if not ctx.account.has_perm("eapply.process_submission") or (
        proc.department_id != ctx.account.department_id and not is_ward_wide(ctx.account)
    ):
        raise StepFailed(
            f"手続き「{proc.name}」の申請を扱う権限がありません（所管部署のロボットだけが扱えます）。"
        )
    qs = Submission.objects.filter(procedure=proc, status=p["status"]).select_related("procedure")
    today = timezone.localdate()
    if p["since"] != "all":
        start = {
            "today": today,
            "yesterday": today - dt.timedelta(days=1),
            "7days": today - dt.timedelta(days=7),
        }[p["since"]]
        end = today if p["since"] != "yesterday" else today - dt.timedelta(days=1)
        qs = qs.filter(updated_at__date__gte=start, updated_at__date__lte=end)
    ctx.data = [
        {
            "_submission": str(s.pk),
            "受付番号": s.reference_number,
            "申請日": timezone.localtime(s.submitted_at).date().isoformat() if s.submitted_at else "",
            **{k: v for k, v in s.answers.items() if not isinstance(v, (dict, list))},
        }
        for s in qs.order_by("submitted_at")
    ]
    ctx.items = len(ctx.data)
    return {"found": len(ctx.data)}


@action(
    "set_submission_status",
    "申請の状態を変える",
    "前の手順で見つけた申請を、それぞれ指定の状態にします（申請者への通知メールも送られます）。",
    Param("status", "新しい状態", kind="choice", choices=STATUS_CHOICES),
    Param("comment", "申請者への連絡", required=False),
    writes=True,
)
def set_submission_status(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    from kotodx.eapply import services as ea
    from kotodx.eapply.models import Submission

    changed = 0
    for row in ctx.data:
        ctx.check_time()
        if not row.get("_submission"):
            raise StepFailed("申請の行ではありません。前の手順に「申請を探す」を置いてください。")
        s = Submission.objects.filter(pk=row["_submission"]).first()
        if s is None:
            raise StepFailed(f"申請 {row.get('受付番号')} が見つかりません。")
        try:
            ea.submission_transition(
                submission=s, to_status=p["status"], comment=p["comment"], actor=ctx.account
            )
        except ValidationError as exc:
            raise StepFailed(f"{s.reference_number}: {' '.join(exc.messages)}") from exc
        changed += 1
    return {"changed": changed}


# --- Documents, mail, webhooks, the plan -----------------------------------------------------------


@action(
    "make_xlsx",
    "一覧をXLSXにする",
    "行の並びをExcelファイルにして、実行の成果物として残します（例: 収集業者に渡す一覧）。",
    Param("title", "シート名・ファイル名"),
    Param("columns", "列（1行に1つ。空なら全部）", kind="lines", required=False),
    writes=True,
)
def make_xlsx(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    from openpyxl import Workbook

    from kotodx.core.csvutil import safe_cell

    columns = p["columns"] or [c for c in (ctx.data[0] if ctx.data else {}) if not c.startswith("_")]
    name = f"{p['title']}-{timezone.localdate():%Y%m%d}.xlsx"
    if ctx.dry_run:
        return {"would": f"{name}（{len(ctx.data)} 行）を作る"}
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = p["title"][:31]
    ws.append(columns)
    for r in ctx.data:
        ws.append([safe_cell(r.get(c, "")) for c in columns])
    rel = f"robots/{ctx.robot.name}/{ctx.run.pk}/{name}"
    buffer = io.BytesIO()
    wb.save(buffer)
    _media_path(rel).write_bytes(buffer.getvalue())
    ctx.outputs.append(rel)
    return {"file": name, "rows": len(ctx.data)}


@action(
    "send_email",
    "メールを送る",
    "決まった宛先にメールを送ります。本文の {件数} は処理件数に置き換わります。",
    Param("to", "宛先"),
    Param("subject", "件名"),
    Param("body", "本文"),
    writes=True,
)
def send_email(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    body = p["body"].replace("{件数}", str(ctx.items))
    if ctx.dry_run:
        return {"would": f"{p['to']} に「{p['subject']}」を送る"}
    send_mail(p["subject"], body, None, [p["to"]])
    return {"to": p["to"]}


@action(
    "webhook",
    "ウェブフックを呼ぶ",
    "指定のURLに、実行の要約（件数・成果物。個人情報は含めない）をJSONでPOSTします。",
    Param("url", "URL（https://）"),
    writes=True,
)
def webhook(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    if not p["url"].startswith(("https://", "http://")):
        raise StepFailed("URLは https:// で始めてください。")
    body = json.dumps(
        {"robot": ctx.robot.name, "run": ctx.run.pk, "items": ctx.items, "outputs": ctx.outputs}
    ).encode()
    if ctx.dry_run:
        return {"would": f"{p['url']} にPOSTする"}
    req = urllib.request.Request(  # noqa: S310  (scheme checked above)
        p["url"], data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as response:  # noqa: S310  (scheme checked above)
            status = response.status
    except OSError as exc:
        raise StepFailed(f"ウェブフックに届きませんでした: {exc}") from exc
    return {"status": status}


@action(
    "make_pdf_notices",
    "1件ずつ通知書（PDF）を作る",
    "行ごとに、本文のひな形の {列名} を値に置き換えた通知書をPDFで作り、成果物として残します"
    "（例: 承認した申請の通知書）。",
    Param("title", "表題（例: 粗大ごみ収集のお知らせ）"),
    Param("body", "本文のひな形（{受付番号} のように列名を波かっこで囲む）", kind="lines"),
    writes=True,
)
def make_pdf_notices(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    from django.template.loader import render_to_string

    if ctx.dry_run:
        return {"would": f"通知書「{p['title']}」を {len(ctx.data)} 通作る"}
    from weasyprint import HTML

    made = 0
    for n, row in enumerate(ctx.data, start=1):
        ctx.check_time()
        lines = []
        for line in p["body"]:
            for key, value in row.items():
                if not key.startswith("_"):
                    line = line.replace("{" + key + "}", "" if value is None else str(value))
            lines.append(line)
        html = render_to_string(
            "automation/notice.html", {"title": p["title"], "lines": lines, "date": timezone.localdate()}
        )
        rel = f"robots/{ctx.robot.name}/{ctx.run.pk}/notice-{n:04d}.pdf"
        _media_path(rel).write_bytes(HTML(string=html).write_pdf())
        ctx.outputs.append(rel)
        made += 1
    return {"notices": made}


@action(
    "write_kpi_actual",
    "計画の指標に実績を書く",
    "計画の指標（手入力の指標）に、今年度の実績として処理件数を書き込みます。進捗が編集できる状態のときだけです。",
    Param("plan", "計画コード"),
    Param("kpi", "指標コード"),
    writes=True,
)
def write_kpi_actual(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    from decimal import Decimal

    from kotodx.core.fiscal import FiscalYear
    from kotodx.plan import services as plan
    from kotodx.plan.models import Kpi, ProgressEntry

    kpi = Kpi.objects.select_related("individual_measure").filter(plan__code=p["plan"], code=p["kpi"]).first()
    if kpi is None:
        raise StepFailed(f"計画「{p['plan']}」の指標「{p['kpi']}」がありません。")
    if not kpi.is_manual:
        raise StepFailed(f"指標「{kpi.name}」はモジュールから自動で集計されるため、書き込めません。")
    fy = FiscalYear.current().year
    value = Decimal(ctx.items)
    if ctx.dry_run:
        return {"would": f"{kpi.name} の{FiscalYear(fy).label}の実績を {value} にする"}
    im = kpi.individual_measure
    entry = ProgressEntry.objects.filter(individual_measure=im, fiscal_year=fy).order_by("-revision").first()
    try:
        if entry is None:
            entry = plan.entry_create(im=im, fiscal_year=fy, actor=ctx.account)
        data = plan.EntryInput(
            status=entry.status,
            results=entry.results,
            issues=entry.issues,
            next_direction=entry.next_direction,
            actuals={kpi.pk: value},
        )
        plan.entry_save(entry=entry, data=data, version=entry.version, actor=ctx.account)
    except ValidationError as exc:
        raise StepFailed(" ".join(exc.messages)) from exc
    return {"kpi": kpi.code, "fiscal_year": fy, "value": str(value)}


@action(
    "a11y_latest_scan",
    "最新のアクセシビリティ検査の結果を読む",
    "起動した検査（なければ最新の完了した検査）の、違反のあるページを行の並びにします。処理件数は違反のあるページ数です。",
)
def a11y_latest_scan(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    from kotodx.a11y.models import Scan

    scan_id = ctx.run.context.get("scan")
    qs = Scan.objects.filter(status=Scan.Status.DONE)
    scan = qs.filter(pk=scan_id).first() if scan_id else qs.order_by("-finished_at").first()
    if scan is None:
        raise StepFailed("完了したアクセシビリティ検査がありません。")
    ctx.data = [
        {"URL": page.url, "ページ名": page.title, "違反": page.violations, "要確認": page.reviews}
        for page in scan.pages.filter(violations__gt=0).order_by("-violations")
    ]
    ctx.items = scan.pages_with_violations
    return {
        "scan": scan.title,
        "pages_checked": scan.pages_checked,
        "pages_with_violations": scan.pages_with_violations,
    }


@action(
    "start_a11y_scan",
    "アクセシビリティ検査を始める",
    "サイトの検査を始めます（検査は別の処理で進み、終わると「検査が終わったとき」のロボットが動きます）。"
    "毎月の定期検査は、スケジュールで起動するロボットにこの手順を置きます。",
    Param("start_url", "検査を始めるURL"),
    Param("max_pages", "最大ページ数", kind="int"),
    writes=True,
)
def start_a11y_scan(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    from kotodx.a11y import services as a11y

    if ctx.dry_run:
        return {"would": f"{p['start_url']} から最大 {p['max_pages']} ページを検査する"}
    try:
        scan = a11y.scan_start(
            start_url=p["start_url"],
            max_pages=p["max_pages"],
            title=f"{ctx.robot.title}の定期検査",
            actor=ctx.account,
        )
    except ValidationError as exc:
        raise StepFailed(" ".join(exc.messages)) from exc
    except PermissionDenied as exc:
        raise StepFailed(str(exc)) from exc
    ctx.items = 1
    return {"scan": scan.pk}


@action(
    "create_submissions",
    "申請を登録する（紙の申請などから）",
    "行ごとに、手続きの申請フォームへ回答を入れて受け付けます。列名は質問のID か 質問の文言。"
    "住民が画面で入力するときと同じ検査をし、1行でも誤りがあれば何も登録しません（ファイル・住所・繰り返しの質問は扱えません）。",
    Param("procedure", "手続きID"),
    writes=True,
)
def create_submissions(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    from kotodx.core.selectors import is_ward_wide
    from kotodx.eapply import services as ea
    from kotodx.eapply.models import Procedure

    proc = Procedure.objects.filter(slug=p["procedure"]).first()
    if proc is None:
        raise StepFailed(f"手続き「{p['procedure']}」がありません（削除されたかもしれません）。")
    if proc.department_id != ctx.account.department_id and not is_ward_wide(ctx.account):
        raise StepFailed(f"手続き「{proc.name}」の申請を登録できるのは所管部署のロボットです。")
    made = []
    for n, row in enumerate(ctx.data, start=1):
        ctx.check_time()
        try:
            submission = ea.submission_fill(procedure=proc, values=row)
        except ValidationError as exc:
            raise StepFailed(f"{n}行目（{' '.join(exc.messages)}）") from exc
        made.append(submission.reference_number)
    ctx.items = len(made)
    if ctx.dry_run:
        return {"would": f"「{proc.name}」に {len(made)} 件の申請を登録する（試行なので取り消します）"}
    return {"created": len(made)}
