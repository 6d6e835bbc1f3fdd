"""Worker task: produce a quarterly report, updating its progress as it goes."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone, translation
from procrastinate.contrib.django import app

from vigie.actionplan.models import ReportFormat, ReportRun, ReportStatus

logger = logging.getLogger(__name__)


@app.task(name="actionplan.report_build", queue="reports")
def report_build(run_id: int) -> None:
    from vigie.actionplan import reports
    from vigie.actionplan.scopes import can_read_region
    from vigie.core.scoping import scope_for

    # RUNNING too: a job runs again only when its worker died mid-report (retried as
    # stalled by core.retry_stalled_jobs), so the run was abandoned, not in progress.
    run = (
        ReportRun.objects.select_related("plan", "region", "requested_by")
        .filter(pk=run_id, status__in=[ReportStatus.PENDING, ReportStatus.RUNNING])
        .first()
    )
    if run is None:
        return
    reports.run_progress(run, 5, status=ReportStatus.RUNNING)
    try:
        # Rights are checked again: a role may have been revoked since the request.
        if not can_read_region(scope_for(run.requested_by), run.region_id):
            raise PermissionError("the requester may no longer read this scope")
        with translation.override(settings.LANGUAGE_CODE):
            snapshot = reports.snapshot_take(
                user=run.requested_by,
                plan=run.plan,
                region=run.region,
                year=run.year,
                quarter=run.quarter,
            )
            reports.run_progress(run, 50, snapshot=snapshot)
            context = reports.report_context(snapshot, reports.previous_snapshot(snapshot))
            reports.run_progress(run, 60)
            if run.format == ReportFormat.PDF:
                content = reports.render_pdf(context)
            else:
                content = reports.render_xlsx(context)
        reports.run_progress(run, 90)
        run.file.save(run.filename, ContentFile(content), save=False)
        reports.run_progress(
            run, 100, status=ReportStatus.DONE, file=run.file, finished_at=timezone.now()
        )
    except Exception as error:
        logger.exception("Report %s failed", run_id)
        reports.run_progress(
            run,
            run.progress,
            status=ReportStatus.FAILED,
            finished_at=timezone.now(),
            error=f"{type(error).__name__}: {error}"[:2000],
        )
