"""Liveness and readiness: what a load balancer or an orchestrator asks a node.

``/healthz`` answers as long as the process serves requests (no database). ``/readyz``
checks what the node needs to do its work: the database answers, every migration of this
code is applied, a background worker sent a heartbeat recently, and the e-mail outbox is
not stuck. Both answer JSON with check names and ok/fail only: no count, no message, no
version, nothing an anonymous caller could learn from.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from vigie.notifications.models import EmailStatus, OutgoingEmail

logger = logging.getLogger(__name__)

OK = "ok"
FAIL = "fail"


def _database() -> bool:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


def _migrations() -> bool:
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    return not executor.migration_plan(executor.loader.graph.leaf_nodes())


def _worker() -> bool:
    """A Procrastinate worker sent its heartbeat lately (every 10 s by default)."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM procrastinate_workers WHERE last_heartbeat >= %s)",
            [timezone.now() - timedelta(seconds=settings.VIGIE_READY_WORKER_SECONDS)],
        )
        row = cursor.fetchone()
    return bool(row and row[0])


def _outbox() -> bool:
    """No e-mail has waited longer than the threshold (the worker retries a refused one
    with back-off; a message pending that long means delivery is broken)."""
    limit = timezone.now() - timedelta(seconds=settings.VIGIE_READY_OUTBOX_SECONDS)
    return not OutgoingEmail.objects.filter(
        status=EmailStatus.PENDING, created_at__lt=limit
    ).exists()


CHECKS: dict[str, Callable[[], bool]] = {
    "database": _database,
    "migrations": _migrations,
    "worker": _worker,
    "outbox": _outbox,
}


def readiness_run() -> dict[str, str]:
    """Each check's name and ok/fail. The database comes first: without it the others
    fail without being tried (one connection timeout, not four)."""
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        if results.get("database") == FAIL:
            results[name] = FAIL
            continue
        try:
            results[name] = OK if check() else FAIL
        except DatabaseError as exc:
            # Logged by class only: a driver's message can name hosts and users.
            logger.warning("readiness check %s failed: %s", name, type(exc).__name__)
            results[name] = FAIL
            # A broken connection is dropped so that the next request reconnects.
            connections[DEFAULT_DB_ALIAS].close_if_unusable_or_obsolete()
    return results


class _Memo:
    """The last result, shared by the threads of this process for a short while: a flood
    of probes costs the database one round of checks per interval, whatever its rate."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.at = 0.0
        self.value: dict[str, str] | None = None

    def get(self, compute: Callable[[], dict[str, str]], seconds: float) -> dict[str, str]:
        with self.lock:
            now = time.monotonic()
            if self.value is None or now - self.at >= seconds:
                self.value = compute()
                self.at = time.monotonic()
            return self.value

    def clear(self) -> None:
        with self.lock:
            self.value = None


readiness_memo = _Memo()


def readiness() -> dict[str, str]:
    return readiness_memo.get(readiness_run, settings.VIGIE_READY_CACHE_SECONDS)
