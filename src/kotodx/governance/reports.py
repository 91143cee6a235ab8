"""The audit report: one self-contained HTML page that prints as A4, and the same as PDF (WeasyPrint)."""

from __future__ import annotations

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone

from kotodx.governance.models import Audit, Finding


def audit_context(audit: Audit) -> dict:
    findings = list(audit.findings.select_related("system").prefetch_related("actions__department"))
    today = timezone.localdate()
    return {
        "audit": audit,
        "systems": audit.systems.select_related("department"),
        "findings": findings,
        "by_severity": [
            (label, sum(1 for f in findings if f.severity == code))
            for code, label in Finding.Severity.choices
        ],
        "open": sum(1 for f in findings if f.status == Finding.Status.OPEN),
        "overdue": sum(1 for f in findings for a in f.actions.all() if a.is_overdue(today)),
        "generated_at": timezone.localtime(),
        "today": today,
    }


def audit_html(audit: Audit, *, for_pdf: bool = False) -> str:
    return render_to_string("governance/audit_report.html", {**audit_context(audit), "for_pdf": for_pdf})


def audit_pdf(audit: Audit, *, base_url: str) -> bytes:
    """The same page as PDF, with the report's stylesheet read from the static files (no HTTP fetch)."""
    from weasyprint import CSS, HTML

    css = finders.find("kotodx/css/report.css")
    html = HTML(string=audit_html(audit, for_pdf=True), base_url=base_url)
    pdf: bytes = html.write_pdf(stylesheets=[CSS(filename=css)])
    return pdf
