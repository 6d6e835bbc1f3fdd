"""``manage.py worker``: the Procrastinate worker, started again after a database outage.

Procrastinate stops its worker when one of its side tasks (the LISTEN connection, the
heartbeat, the periodic deferrer) loses the database: a restart of PostgreSQL, a
fail-over to a replica, a network cut. Its authors leave the restart to a supervisor.
This command is that supervisor, inside the process: when the worker stops without
being asked to, it waits until PostgreSQL answers again (1 s, then doubling up to 30 s)
and starts a new worker. Jobs the old one was running when the database went away stay
``doing`` under its id; ``core.retry_stalled_jobs`` puts them back once its heartbeat is
older than VIGIE_STALLED_JOB_SECONDS, and e-mails left pending are re-queued by the
outbox sweep. SIGTERM or SIGINT stop it for good, gracefully (running jobs finish).

systemd (``Restart=always``) or the container runtime (``restart: unless-stopped``) stay
the last resort if the process itself dies.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import Any

import psycopg
from django.core.management.base import BaseCommand
from procrastinate.contrib.django import app
from procrastinate.contrib.django.utils import connector_params

logger = logging.getLogger("vigie.worker")

FIRST_DELAY = 1.0
MAX_DELAY = 30.0


async def database_answers() -> bool:
    try:
        params = {**connector_params("default"), "connect_timeout": 5}
        async with await psycopg.AsyncConnection.connect(**params) as conn:
            await conn.execute("SELECT 1")
        return True
    except (psycopg.Error, OSError):
        return False


class Command(BaseCommand):
    help = (
        "Run the background worker (Procrastinate) on every queue or the ones given, and "
        "start it again by itself after a database outage."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("queues", nargs="*", help="queues to work on (default: all)")
        parser.add_argument("--concurrency", type=int, default=1)

    def handle(self, *args: Any, queues: list[str], concurrency: int, **options: Any) -> None:
        with app.replace_connector(app.connector.get_worker_connector()) as worker_app:  # type: ignore[attr-defined]
            asyncio.run(self.supervise(worker_app, queues or None, concurrency))

    async def supervise(self, worker_app: Any, queues: list[str] | None, concurrency: int) -> None:
        loop = asyncio.get_running_loop()
        stopping = asyncio.Event()
        running: asyncio.Task[None] | None = None

        def stop() -> None:
            logger.info("worker asked to stop: finishing the running jobs")
            stopping.set()
            if running is not None:
                running.cancel()  # Procrastinate stops gracefully when cancelled

        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop)

        delay = FIRST_DELAY
        while not stopping.is_set():
            try:
                async with worker_app.open_async():
                    running = asyncio.create_task(
                        worker_app.run_worker_async(
                            queues=queues, concurrency=concurrency, install_signal_handlers=False
                        )
                    )
                    await running
                delay = FIRST_DELAY
            except asyncio.CancelledError:
                if not stopping.is_set():
                    raise
            except Exception as exc:
                logger.warning("worker stopped: %s", type(exc).__name__)
            finally:
                running = None
            if stopping.is_set():
                break
            # Stopped without being asked: the database went away. Wait for it.
            logger.warning("worker stopped by itself; waiting for the database")
            while not stopping.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stopping.wait(), timeout=delay)
                delay = min(delay * 2, MAX_DELAY)
                if await database_answers():
                    logger.warning("database answers again: starting a new worker")
                    break
        logger.info("worker stopped")
