"""Worker housekeeping shared by every app."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from procrastinate import JobContext
from procrastinate.contrib.django import app

from vigie.core.jobs import every


async def stalled_jobs_retry(
    manager: Any, *, seconds: float, queue: str | None = None
) -> list[int]:
    """Put back in the queue the jobs left 'doing' by a worker that died (no heartbeat
    for ``seconds``). Procrastinate detects them but does not retry them by itself."""
    stalled = list(await manager.get_stalled_jobs(seconds_since_heartbeat=seconds, queue=queue))
    for job in stalled:
        await manager.retry_job(job)
    return [job.id for job in stalled if job.id is not None]


@app.periodic(cron=every(settings.VIGIE_HOUSEKEEPING_SECONDS), periodic_id="retry_stalled_jobs")
@app.task(name="core.retry_stalled_jobs", queueing_lock="retry_stalled_jobs", pass_context=True)
async def retry_stalled_jobs(context: JobContext, timestamp: int) -> int:
    assert context.app is not None
    retried = await stalled_jobs_retry(
        context.app.job_manager, seconds=settings.VIGIE_STALLED_JOB_SECONDS
    )
    return len(retried)
