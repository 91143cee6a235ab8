"""Scans as background jobs: started by staff, crawled by a queue consumer with a progress bar and 取消,
each page stored as soon as it is checked, and the scan's figures summed at the end. Modules that want to
know when a scan finished (automation) register in SCAN_FINISHED_HOOKS."""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from kotodx.a11y import sampling
from kotodx.a11y.models import Scan, ScanFinding, ScanPage
from kotodx.core.jobs import job_handler
from kotodx.core.models import Job, User
from kotodx.core.services import JobCancelled, audit_record, job_progress, job_start, model_snapshot

MAX_PAGES = 500
SCAN_FINISHED_HOOKS: list[Callable[[Scan], None]] = []


@transaction.atomic
def scan_start(
    *,
    start_url: str,
    max_pages: int,
    title: str = "",
    actor: User,
    sample_method: str = sampling.ALL,
    sample_size: int | None = None,
    seed: int | None = None,
    representative: list[str] | None = None,
) -> Scan:
    """Start a scan. Page selection (附属書JB): ``sample_method`` all (up to max_pages), random,
    representative or representative+random (``sample_size`` pages in total, 40 unless given); the seed
    of a random sample is drawn now when not given, and kept with the scan."""
    if not actor.has_perm("a11y.run_scan"):
        raise PermissionDenied("サイトの検査を始める権限がありません。")
    parts = urlsplit(start_url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError({"start_url": "http:// か https:// で始まるURLを入力してください。"})
    if not 1 <= max_pages <= MAX_PAGES:
        raise ValidationError({"max_pages": f"ページ数は1〜{MAX_PAGES}にしてください。"})
    try:
        sample = sampling.validate(
            start=start_url.strip(),
            method=sample_method,
            size=sample_size,
            seed=seed,
            representative=representative,
        )
    except sampling.SamplingError as exc:
        raise ValidationError({exc.field or "sample_method": str(exc)}) from exc
    scan = Scan.objects.create(
        title=title.strip() or parts.netloc,
        start_url=start_url.strip(),
        max_pages=max_pages,
        department=actor.department,
        created_by=actor,
        sample_method=sample.method,
        sample_size=sample.size,
        sample_seed=sample.seed,
        representative_urls=sample.representative,
    )
    scan.job = job_start(
        kind="a11y.scan", title=f"アクセシビリティ検査: {scan.title}", params={"scan": scan.pk}, actor=actor
    )
    scan.save(update_fields=["job"])
    audit_record(actor=actor, action="create", target=scan, after=model_snapshot(scan))
    return scan


@transaction.atomic  # a page with all its findings, or nothing (the consumer may be killed meanwhile)
def _store(scan: Scan, position: int, result: Any) -> None:
    page = ScanPage.objects.create(
        scan=scan,
        position=position,
        url=result.url[:2000],
        final_url=(result.final_url or "")[:2000],
        status_code=result.status,
        title=(result.title or "")[:500],
        error=(result.error or "")[:500],
        violations=len(result.violations),
        reviews=len(result.findings) - len(result.violations),
        links=result.links,
        outcomes=result.outcomes,
    )
    ScanFinding.objects.bulk_create(
        ScanFinding(
            page=page,
            rule=f.rule,
            source=f.source,
            criteria=f.criteria,
            jis=f.jis,
            impact=f.impact or "",
            selector=f.selector[:5000],
            html=f.html[:2000],
            message=f.message,
            help_url=f.help_url[:500],
            review=f.review,
        )
        for f in result.findings
    )


def summarise(scan: Scan) -> Scan:
    pages = scan.pages.exclude(error__gt="")
    agg = pages.aggregate(v=Sum("violations"), r=Sum("reviews"))
    scan.pages_checked = pages.count()
    scan.pages_with_violations = pages.filter(violations__gt=0).count()
    scan.violations, scan.reviews = agg["v"] or 0, agg["r"] or 0
    return scan


@job_handler("a11y.scan")
def _scan_job(job: Job) -> dict[str, Any]:
    from kotodx.a11y.crawler import CrawlOptions, check_pages, crawl

    scan = Scan.objects.get(pk=job.params["scan"])
    # Run again after its consumer died (core.lease): the pages already stored are kept and the crawl
    # resumes from them (their links), so the scan ends as the uninterrupted one would have.
    resume = {p.url: p.links for p in scan.pages.all()} if job.attempts > 1 else {}
    Scan.objects.filter(pk=scan.pk).update(status=Scan.Status.RUNNING)
    options = CrawlOptions(max_pages=scan.max_pages)
    notes: list[str] = []
    # Playwright's sync API runs an event loop in its thread, where Django refuses database work: the
    # browser crawls in a thread of its own and hands each page over; this thread stores it.
    pages: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=4)
    stop = threading.Event()

    def crawler() -> None:
        totals = {"n": 0}

        def on_page(done: int, total: int) -> None:
            totals["n"] = total
            if stop.is_set():
                raise JobCancelled

        try:
            if scan.sample_method == sampling.ALL:
                results = crawl(scan.start_url, options, on_page=on_page, notes=notes, resume=resume)
            else:
                sample = sampling.Sample(
                    method=scan.sample_method,
                    size=scan.sample_size,
                    seed=scan.sample_seed,
                    representative=list(scan.representative_urls),
                )
                sampling.choose(sample, scan.start_url, delay=options.delay, notes=notes)
                pages.put(("sample", sample))
                results = check_pages(sample.urls, scan.start_url, options, on_page=on_page, resume=resume)
            for result in results:
                pages.put(("page", (result, totals["n"])))
        except JobCancelled:
            pass
        except Exception as exc:  # reported by the storing thread
            pages.put(("error", exc))
        pages.put(("end", None))

    worker = threading.Thread(target=crawler, daemon=True)
    worker.start()
    try:
        n = len(resume)
        while True:
            kind, item = pages.get()
            if kind == "end":
                break
            if kind == "error":
                raise item
            if kind == "sample":
                scan.population = item.population
                scan.save(update_fields=["population"])
                continue
            result, total = item
            n += 1
            _store(scan, n, result)
            job_progress(
                job.pk, done=n, total=max(n, total), message=f"{n} / {max(n, total)} ページを検査しました"
            )
    except JobCancelled:
        stop.set()
        while worker.is_alive():  # let the browser close; drain what it still hands over
            with contextlib.suppress(queue.Empty):
                pages.get(timeout=1)
        summarise(scan)
        scan.status, scan.finished_at = Scan.Status.CANCELLED, timezone.now()
        scan.notes = "\n".join(notes)
        scan.save()
        raise
    except Exception as exc:
        stop.set()
        scan.status, scan.finished_at, scan.error = (
            Scan.Status.FAILED,
            timezone.now(),
            f"{type(exc).__name__}: {exc}",
        )
        scan.save()
        raise
    summarise(scan)
    scan.status, scan.finished_at = Scan.Status.DONE, timezone.now()
    scan.notes = "\n".join(notes)
    scan.save()
    for hook in SCAN_FINISHED_HOOKS:
        hook(scan)
    return {
        "scan": scan.pk,
        "pages": scan.pages_checked,
        "pages_with_violations": scan.pages_with_violations,
        "violations": scan.violations,
    }


@transaction.atomic
def judgements_save(*, scan: Scan, results: dict[str, tuple[str, str]], actor: User) -> int:
    """A person's judgement per criterion (result, note); an empty result removes the judgement."""
    from kotodx.a11y.models import Judgement
    from kotodx.a11y.waic import jis_criteria

    if not actor.has_perm("a11y.run_scan"):
        raise PermissionDenied("試験結果を判定する権限がありません。")
    known = {n for n, _, _ in jis_criteria()}
    changed = 0
    for criterion, (result, note) in results.items():
        if criterion not in known:
            raise ValidationError(f"達成基準「{criterion}」は JIS X 8341-3 の A・AA にありません。")
        if result and result not in Judgement.Result.values:
            raise ValidationError(f"達成基準 {criterion} の判定「{result}」は選べません。")
        if result == Judgement.Result.FAIL and not note.strip():
            raise ValidationError(f"達成基準 {criterion} を不適合とするときは、注記に理由を書いてください。")
        current = scan.judgements.filter(criterion=criterion).first()
        if not result:
            if current is not None:
                current.delete()
                changed += 1
            continue
        if current is None or (current.result, current.note) != (result, note.strip()):
            Judgement.objects.update_or_create(
                scan=scan,
                criterion=criterion,
                defaults={"result": result, "note": note.strip()[:500], "judged_by": actor},
            )
            changed += 1
    if changed:
        audit_record(actor=actor, action="update", target=scan, note=f"達成基準の判定 {changed} 件")
    return changed


@transaction.atomic
def scan_publish(*, scan: Scan, publish: bool, actor: User) -> Scan:
    if not actor.has_perm("a11y.run_scan"):
        raise PermissionDenied("試験結果を公開する権限がありません。")
    if publish and scan.status != Scan.Status.DONE:
        raise ValidationError("終わっていない検査は公開できません。")
    before = scan.published_at
    scan.published_at = timezone.now() if publish else None
    scan.save(update_fields=["published_at"])
    audit_record(
        actor=actor,
        action="update",
        target=scan,
        before={"published_at": before},
        after={"published_at": scan.published_at},
        note="試験結果の公開" if publish else "試験結果の公開をやめる",
    )
    return scan


def stored_results(scan: Scan) -> list[Any]:
    """A stored scan as the engine's page results, for the JSON and EARL reports the console also writes."""
    from kotodx.a11y.engine import Finding, PageResult

    return [
        PageResult(
            url=p.url,
            final_url=p.final_url,
            status=p.status_code,
            title=p.title,
            error=p.error,
            outcomes=p.outcomes,
            links=p.links,
            findings=[
                Finding(
                    rule=f.rule,
                    source=f.source,
                    criteria=f.criteria,
                    jis=f.jis,
                    impact=f.impact,
                    selector=f.selector,
                    html=f.html,
                    message=f.message,
                    help_url=f.help_url,
                    review=f.review,
                )
                for f in p.findings.all()
            ],
        )
        for p in scan.pages.prefetch_related("findings")
    ]
