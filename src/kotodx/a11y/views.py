"""Staff pages of the accessibility checker: start a scan (a background job with a progress bar and 取消),
the list of scans with the trend of pages with violations, and one scan's result by JIS X 8341-3 success
criterion and by page, downloadable as CSV."""

from __future__ import annotations

import io
from collections import Counter
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from kotodx.a11y import criteria, sampling, services, waic
from kotodx.a11y.models import Judgement, Scan, ScanFinding
from kotodx.core.csvutil import write_rows
from kotodx.core.forms import add_service_errors
from kotodx.core.http import StaffRequest


class ScanForm(forms.Form):
    start_url = forms.URLField(
        label="検査を始めるURL",
        max_length=500,
        assume_scheme="https",
        help_text="同じサイトの中をリンクをたどって検査します（robots.txt に従います）。",
    )
    max_pages = forms.IntegerField(
        label="最大ページ数", min_value=1, max_value=services.MAX_PAGES, initial=20
    )
    title = forms.CharField(label="名前（省略するとサイト名）", max_length=200, required=False)
    sample_method = forms.ChoiceField(
        label="ページ選択の方法（JIS X 8341-3:2016 附属書JB）",
        choices=list(sampling.METHODS.items()),
        initial=sampling.ALL,
        help_text="全てのウェブページ: 最大ページ数までたどります。ランダム・代表ページ: 下のページ数"
        "（WAIC の勧めは合計40ページ）を選びます。",
    )
    sample_size = forms.IntegerField(
        label="選ぶページ数（合計、ランダム選択のとき）",
        min_value=1,
        max_value=sampling.MAX_SIZE,
        initial=sampling.DEFAULT_SIZE,
        required=False,
    )
    seed = forms.IntegerField(
        label="乱数の種（省略すると自動で決めて記録します）",
        min_value=0,
        max_value=sampling.MAX_SEED,
        required=False,
        help_text="同じ種を使うと、同じページを選び直せます。",
    )
    representative = forms.CharField(
        label="代表ページのURL（1行に1つ、代表ページを選ぶとき）",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )


@login_required
@permission_required("a11y.view_scan", raise_exception=True)
def scan_list(request: StaffRequest) -> HttpResponse:
    form = ScanForm(request.POST or None)
    if request.method == "POST":
        if not request.user.has_perm("a11y.run_scan"):
            messages.error(request, "サイトの検査を始める権限がありません。")
        elif form.is_valid():
            d = form.cleaned_data
            try:
                scan = services.scan_start(
                    start_url=d["start_url"],
                    max_pages=d["max_pages"],
                    title=d["title"],
                    actor=request.user,
                    sample_method=d["sample_method"],
                    sample_size=d["sample_size"],
                    seed=d["seed"],
                    representative=d["representative"].split(),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "検査を始めました。進み具合はこのページで確認できます。")
                return redirect("a11y:scan", pk=scan.pk)
    scans = list(Scan.objects.select_related("job")[:50])
    done = [s for s in reversed(scans) if s.status == Scan.Status.DONE][-10:]
    top = max([s.pages_with_violations for s in done] + [1])
    trend = [{"scan": s, "pct": int(100 * s.pages_with_violations / top)} for s in done]
    return render(
        request,
        "a11y/scan_list.html",
        {
            "form": form,
            "scans": scans,
            "trend": trend,
            "charts": _trend_charts(done),
            "can_run": request.user.has_perm("a11y.run_scan"),
        },
        status=400 if form.errors else 200,
    )


def _by_criterion(scan: Scan) -> list[dict[str, Any]]:
    counts: Counter[str] = Counter()
    pages: dict[str, set[int]] = {}
    for f in ScanFinding.objects.filter(page__scan=scan, review=False).only("criteria", "page_id"):
        for c in f.criteria or ["—"]:
            counts[c] += 1
            pages.setdefault(c, set()).add(f.page_id)
    rows = []
    for c, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        entry = criteria.CRITERIA.get(c)
        rows.append(
            {
                "criterion": c,
                "title": criteria.title(c),
                "level": entry[0] if entry else "",
                "jis": criteria.jis_number(c) or "—（WCAG 2.1以降）",
                "count": n,
                "pages": len(pages[c]),
            }
        )
    return rows


@login_required
@permission_required("a11y.view_scan", raise_exception=True)
def scan_detail(request: StaffRequest, pk: int) -> HttpResponse:
    scan = get_object_or_404(Scan.objects.select_related("job"), pk=pk)
    fmt = request.GET.get("format")
    if fmt == "csv":
        return _csv(scan)
    if fmt in ("json", "earl"):
        from kotodx.a11y import report

        results = services.stored_results(scan)
        body = report.as_json(results) if fmt == "json" else report.as_earl(results)
        ctype = "application/json" if fmt == "json" else "application/ld+json"
        response = HttpResponse(body, content_type=f"{ctype}; charset=utf-8")
        suffix = "json" if fmt == "json" else "earl.jsonld"
        response["Content-Disposition"] = f'attachment; filename="a11y-scan-{scan.pk}.{suffix}"'
        return response
    pages = scan.pages.prefetch_related("findings")
    return render(
        request,
        "a11y/scan_detail.html",
        {
            "scan": scan,
            "pages": pages,
            "by_criterion": _by_criterion(scan),
            "running": scan.status in ("queued", "running"),
        },
    )


def _csv(scan: Scan) -> HttpResponse:
    out = io.StringIO()
    header = ["URL", "ページ名", "種別", "規則", "達成基準（WCAG）", "JIS X 8341-3", "影響", "要素", "内容"]
    rows = (
        [
            p.url,
            p.title,
            "要確認" if f.review else "違反",
            f.rule,
            " ".join(f.criteria),
            " ".join(f.jis),
            f.impact,
            f.selector,
            f.message,
        ]
        for p in scan.pages.prefetch_related("findings")
        for f in p.findings.all()
    )
    write_rows(out, header, rows)
    response = HttpResponse(out.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="a11y-scan-{scan.pk}.csv"'
    return response


@login_required
@permission_required("a11y.view_scan", raise_exception=True)
def scan_report(request: StaffRequest, pk: int) -> HttpResponse:
    """Judge the criteria automatic checks cannot decide, and publish the result as the ward's test report."""
    scan = get_object_or_404(Scan, pk=pk)
    problems: list[str] = []
    if request.method == "POST":
        try:
            if "publish" in request.POST:
                services.scan_publish(scan=scan, publish=request.POST["publish"] == "1", actor=request.user)
                messages.success(
                    request, "試験結果を公開しました。" if scan.published_at else "公開をやめました。"
                )
                return redirect("a11y:scan_report", pk=pk)
            results = {
                n: (request.POST.get(f"result-{n}", ""), request.POST.get(f"note-{n}", ""))
                for n, _, _ in waic.jis_criteria()
            }
            n = services.judgements_save(scan=scan, results=results, actor=request.user)
        except ValidationError as exc:
            problems = exc.messages
        else:
            messages.success(request, f"{n} 件の判定を保存しました。")
            return redirect("a11y:scan_report", pk=pk)
    return render(
        request,
        "a11y/scan_report.html",
        {
            **waic.report(scan),
            "problems": problems,
            "can_judge": request.user.has_perm("a11y.run_scan"),
            "results": [("", "（自動の結果）"), *Judgement.Result.choices],
        },
        status=400 if problems else 200,
    )


def public_report(request: HttpRequest) -> HttpResponse:
    """The latest published test report, for everyone."""
    scan = Scan.objects.filter(published_at__isnull=False).order_by("-published_at").first()
    return render(request, "a11y/public_report.html", waic.report(scan) if scan else {"scan": None})


def _trend_charts(done: list[Scan]) -> list[Any]:
    """Across the finished scans of each site (oldest first): the share of pages with violations and the
    violations per page checked — lines that should go down (the plan's KPI decreases)."""
    from urllib.parse import urlsplit

    from kotodx.plan.charts import kpi_line_chart

    by_site: dict[str, list[Scan]] = {}
    for scan in done:
        by_site.setdefault(urlsplit(scan.start_url).netloc, []).append(scan)
    charts = []
    for n, (site, scans) in enumerate(by_site.items()):
        if len(scans) < 2:
            continue
        labels = [f"{s.finished_at:%m/%d}" if s.finished_at else "" for s in scans]
        share = [
            Decimal(round(100 * s.pages_with_violations / s.pages_checked, 1)) if s.pages_checked else None
            for s in scans
        ]
        per_page = [
            Decimal(round(s.violations / s.pages_checked, 2)) if s.pages_checked else None for s in scans
        ]
        none = [None] * len(scans)
        charts.append(
            {
                "site": site,
                "share": kpi_line_chart(
                    title=f"{site}: 違反のあるページの割合",
                    unit="%",
                    labels=labels,
                    actual=share,
                    target=none,
                    chart_id=f"a11y-share-{n}",
                ),
                "per_page": kpi_line_chart(
                    title=f"{site}: 1ページあたりの違反の数",
                    unit="件",
                    labels=labels,
                    actual=per_page,
                    target=none,
                    chart_id=f"a11y-perpage-{n}",
                ),
                "rows": list(zip(scans, share, per_page, strict=True)),
            }
        )
    return charts
