"""Procrastinate glue: the request id travels with the jobs a request defers, and each
job a worker runs writes one log line (vigie/core/logs.py).

Procrastinate jobs have no metadata besides their arguments: the id is added to the
arguments of every job deferred while a request (or a job) runs, under ``_request_id``,
and a worker middleware takes it out again before the task is called, so no task sees it.
Installed by PROCRASTINATE_ON_APP_READY (settings).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from procrastinate import App, JobContext, exceptions
from procrastinate.jobs import Job
from procrastinate.middleware import AsyncCallNext

from vigie.core.logs import request_id_new, request_id_var

logger = logging.getLogger("vigie.jobs")

REQUEST_ID_ARG = "_request_id"


def jobs_tag(jobs: list[Job]) -> list[Job]:
    request_id = request_id_var.get()
    if not request_id:
        return jobs
    return [
        job
        if REQUEST_ID_ARG in job.task_kwargs
        else job.evolve(task_kwargs={**job.task_kwargs, REQUEST_ID_ARG: request_id})
        for job in jobs
    ]


async def job_log_middleware(call_next: AsyncCallNext, context: JobContext, worker: Any) -> Any:
    """Around every job: its request id back in the context (logs, jobs it defers), the
    argument removed, one line with the outcome (the exception's class, never its text)."""
    job = context.job
    given = job.task_kwargs.pop(REQUEST_ID_ARG, None)
    request_id = given if isinstance(given, str) and given else request_id_new()
    token = request_id_var.set(request_id)
    started = time.perf_counter()
    status, error = "succeeded", None
    try:
        return await call_next()
    except (exceptions.JobAborted, asyncio.CancelledError):
        status = "aborted"
        raise
    except BaseException as exc:
        status, error = "failed", type(exc).__name__
        raise
    finally:
        seconds = time.perf_counter() - started
        logger.log(
            logging.INFO if status == "succeeded" else logging.WARNING,
            "job %s %s %s %.0f ms",
            job.task_name,
            job.id,
            status,
            seconds * 1000,
            extra={
                "event": "job",
                "request_id": request_id,
                "job_id": job.id,
                "task": job.task_name,
                "queue": job.queue,
                "attempt": job.attempts + 1,
                "status": status,
                "error": error,
                "duration_ms": round(seconds * 1000, 1),
            },
        )
        request_id_var.reset(token)


def on_app_ready(app: App) -> None:
    manager = app.job_manager
    defer_sync = manager.batch_defer_jobs
    defer_async = manager.batch_defer_jobs_async

    # Every deferral (defer, batch_defer, their async forms) ends in one of these two.
    def batch_defer_jobs(jobs: list[Job], connection: Any | None = None) -> list[Job]:
        return defer_sync(jobs=jobs_tag(jobs), connection=connection)

    async def batch_defer_jobs_async(jobs: list[Job], connection: Any | None = None) -> list[Job]:
        return await defer_async(jobs=jobs_tag(jobs), connection=connection)

    manager.batch_defer_jobs = batch_defer_jobs  # type: ignore[method-assign]
    manager.batch_defer_jobs_async = batch_defer_jobs_async  # type: ignore[method-assign]
    middleware = [*app.worker_defaults.get("worker_middleware", []), job_log_middleware]
    app.worker_defaults = {**app.worker_defaults, "worker_middleware": middleware}


def every(seconds: int) -> str:
    """A Procrastinate cron for "every ``seconds``": a sixth field (seconds) under a
    minute, whole minutes above (croniter's syntax)."""
    if seconds < 60:
        return f"* * * * * */{max(1, seconds)}"
    minutes = max(1, round(seconds / 60))
    return "* * * * *" if minutes == 1 else f"*/{minutes} * * * *"
