"""Quarterly reports to SG/HFDS: the quarter's snapshot, then a PDF or a spreadsheet."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from vigie.actionplan.charts import legend_labels, stacked_bars
from vigie.actionplan.deadlines import previous_quarter, quarter_end
from vigie.actionplan.figures import STATUSES, compute_figures, tables
from vigie.actionplan.models import Plan, QuarterSnapshot, ReportRun
from vigie.core.spreadsheets import format_dates
from vigie.directory.models import Region


@transaction.atomic
def snapshot_take(
    *,
    user: Any,
    plan: Plan,
    region: Region | None,
    year: int,
    quarter: int,
    today: date | None = None,
) -> QuarterSnapshot:
    """Compute and keep the quarter's figures. A finished quarter's snapshot is a record
    and is never recomputed; the current quarter's is refreshed on each request."""
    today = today or timezone.localdate()
    end = quarter_end(year, quarter)
    existing = (
        QuarterSnapshot.objects.select_for_update()
        .filter(plan=plan, region=region, year=year, quarter=quarter)
        .first()
    )
    if existing is not None and date.fromisoformat(existing.figures["as_of"]) >= end:
        return existing
    figures = compute_figures(user=user, plan=plan, region=region, today=min(today, end))
    if existing is None:
        return QuarterSnapshot.objects.create(
            plan=plan, region=region, year=year, quarter=quarter, figures=figures
        )
    existing.figures = figures
    existing.created_at = timezone.now()
    existing.save(update_fields=["figures", "created_at"])
    return existing


def previous_snapshot(snapshot: QuarterSnapshot) -> QuarterSnapshot | None:
    year, quarter = previous_quarter(snapshot.year, snapshot.quarter)
    return QuarterSnapshot.objects.filter(
        plan=snapshot.plan, region=snapshot.region, year=year, quarter=quarter
    ).first()


def report_context(snapshot: QuarterSnapshot, previous: QuarterSnapshot | None) -> dict[str, Any]:
    data = tables(snapshot.figures, previous.figures if previous else None)
    legend = legend_labels()
    return {
        "snapshot": snapshot,
        "previous": previous,
        "figures": snapshot.figures,
        "as_of": date.fromisoformat(snapshot.figures["as_of"]),
        "tables": data,
        "scope_name": snapshot.region.name if snapshot.region else _("National"),
        "legend": legend,
        "charts": {
            "priority": stacked_bars(
                data["by_priority"], title=_("Progress by priority"), legend=legend
            ),
            "theme": stacked_bars(data["by_theme"], title=_("Progress by theme"), legend=legend),
            "kind": stacked_bars(
                data["by_kind"], title=_("Progress by structure type"), legend=legend
            ),
        },
    }


def render_pdf(context: dict[str, Any]) -> bytes:
    import weasyprint

    html = render_to_string("actionplan/report_pdf.html", context)
    return bytes(weasyprint.HTML(string=html).write_pdf())


def render_xlsx(context: dict[str, Any]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    legend = context["legend"]
    data = context["tables"]
    figures = context["figures"]
    book = Workbook()
    summary = book.active
    summary.title = _("Summary")[:31]
    bold = Font(bold=True)
    snapshot = context["snapshot"]
    summary.append([_("SSI action plan — quarterly report")])
    summary["A1"].font = bold
    summary.append([_("Scope"), str(context["scope_name"])])
    summary.append([_("Quarter"), f"T{snapshot.quarter} {snapshot.year}"])
    summary.append([_("Plan"), figures["plan"]])
    summary.append([_("Figures as of"), date.fromisoformat(figures["as_of"])])
    summary.append([_("Structures"), figures["structures"]])
    summary.append([])
    overall = data["overall"]
    for status in STATUSES:
        summary.append([legend[status], overall["counts"][status], overall["shares"][status]])
    summary.append([_("Overdue"), overall["counts"]["overdue"]])
    summary.append(
        [
            _("Change in share done since the previous quarter (points)"),
            overall["change"] if overall["change"] is not None else "—",
        ]
    )
    summary.append([_("Incidents in the last 12 months"), figures["incidents"]["total_12_months"]])
    summary.append(
        [
            _("…at structures whose priority-1 measures were overdue"),
            figures["incidents"]["with_overdue_priority_1"],
        ]
    )
    header = (
        [_("Group")]
        + [legend[s] for s in STATUSES]
        + [_("Overdue"), _("Total")]
        + [f"% {legend[s]}" for s in STATUSES]
        + [_("Change in share done (points)")]
    )
    for name, title in (
        ("by_priority", _("By priority")),
        ("by_theme", _("By theme")),
        ("by_kind", _("By structure type")),
    ):
        sheet = book.create_sheet(title[:31])
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = bold
        for row in data[name]:
            sheet.append(
                [row["label"]]
                + [row["counts"][s] for s in STATUSES]
                + [row["counts"]["overdue"], row["counts"]["total"]]
                + [row["shares"][s] for s in STATUSES]
                + [row["change"] if row["change"] is not None else None]
            )
    sheet = book.create_sheet(_("Structures")[:31])
    sheet.append(
        [_("FINESS"), _("Name"), _("Type"), _("Start date")]
        + [legend[s] for s in STATUSES]
        + [_("Overdue"), _("Overdue priority-1 measures")]
    )
    for cell in sheet[1]:
        cell.font = bold
    for row in figures["per_structure"]:
        sheet.append(
            [
                row["finess"],
                row["name"],
                data["kind_labels"].get(row["kind"], row["kind"]),
                date.fromisoformat(row["start_date"]),
            ]
            + [row[s] for s in STATUSES]
            + [row["overdue"], ", ".join(str(n) for n in row["overdue_p1"])]
        )
    format_dates(summary, first_row=1)
    format_dates(sheet)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def run_progress(run: ReportRun, progress: int, **fields: Any) -> None:
    """Committed at once (the task runs in autocommit) so the page can poll it."""
    run.progress = progress
    for key, value in fields.items():
        setattr(run, key, value)
    run.save(update_fields=["progress", *fields])
