"""Prometheus metrics: request latencies, and business gauges computed at scrape time.

prometheus-client (the official library) keeps the latency histogram; under gunicorn set
PROMETHEUS_MULTIPROC_DIR to an empty directory shared by the workers of one node so that
a scrape sums them all (scripts/run.sh does). The gauges are national counts read by a few
indexed queries at scrape time, never a list and never personal data.

The endpoint answers 404 unless VIGIE_METRICS_TOKEN is set, then only to
``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import hmac
import os
import threading
import time
from collections.abc import Iterator
from datetime import timedelta

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.utils import timezone
from prometheus_client import REGISTRY, CollectorRegistry, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from vigie.cases.models import Case, CaseStatus
from vigie.insights.models import Obligation
from vigie.notifications.models import EmailStatus, OutgoingEmail

_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

REQUEST_SECONDS = Histogram(
    "vigie_http_request_duration_seconds",
    "Time to answer an HTTP request, by route pattern, method and status.",
    ["route", "method", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)


def request_observe(request: HttpRequest, response: HttpResponse, seconds: float) -> None:
    """Labelled by the URL pattern ("dossiers/<int:pk>/"), never the path: a bounded set
    of series that names no case."""
    match = getattr(request, "resolver_match", None)
    route = match.route if match is not None and match.route else "<unresolved>"
    method = request.method if request.method in _METHODS else "OTHER"
    REQUEST_SECONDS.labels(route=route, method=method, status=str(response.status_code)).observe(
        seconds
    )


# --- business gauges, read from the database at scrape time ------------------------------


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


def business_metrics() -> list[Metric]:
    now = timezone.now()
    open_obligations = Obligation.objects.exclude(case__status=CaseStatus.CLOSED).filter(
        done_at__isnull=True
    )
    metrics: list[Metric] = [
        _gauge(
            "vigie_cases_awaiting_qualification",
            "Cases awaiting qualification.",
            Case.objects.filter(status=CaseStatus.AWAITING_QUALIFICATION).count(),
        ),
        _gauge(
            "vigie_cases_weekly_update_overdue",
            "Cases in support whose weekly update to the ARS is late.",
            Case.objects.overdue(now).count(),
        ),
        _gauge(
            "vigie_regulatory_deadlines_due_24h",
            "Notifications owed (CNIL, NIS2, ANSM, ANSSI...) not made, due within 24 hours.",
            open_obligations.filter(due_at__gte=now, due_at__lt=now + timedelta(hours=24)).count(),
        ),
        _gauge(
            "vigie_regulatory_deadlines_overdue",
            "Notifications owed not made whose deadline has passed, on open cases.",
            open_obligations.filter(due_at__lt=now).count(),
        ),
    ]

    outbox = GaugeMetricFamily(
        "vigie_email_outbox", "Outgoing e-mails not sent, by status.", labels=["status"]
    )
    for status in (EmailStatus.PENDING, EmailStatus.FAILED):
        outbox.add_metric([status.value], OutgoingEmail.objects.filter(status=status).count())
    metrics.append(outbox)
    oldest = (
        OutgoingEmail.objects.filter(status=EmailStatus.PENDING)
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    metrics.append(
        _gauge(
            "vigie_email_outbox_oldest_pending_seconds",
            "Age of the oldest e-mail waiting to be sent (0 when none waits).",
            (now - oldest).total_seconds() if oldest else 0,
        )
    )

    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        # Jobs still to run, running or failed; succeeded ones are history, not a backlog.
        cursor.execute(
            "SELECT queue_name, status, count(*) FROM procrastinate_jobs "
            "WHERE status IN ('todo', 'doing', 'failed', 'aborting') "
            "GROUP BY queue_name, status"
        )
        jobs = GaugeMetricFamily(
            "vigie_jobs",
            "Background jobs to run, running or failed, by queue and status.",
            labels=["queue", "status"],
        )
        for queue, status, count in cursor.fetchall():
            jobs.add_metric([queue, status], count)
        metrics.append(jobs)
        cursor.execute("SELECT count(*), max(last_heartbeat) FROM procrastinate_workers")
        workers, last_heartbeat = cursor.fetchone()
    metrics.append(_gauge("vigie_workers", "Background workers registered.", workers))
    metrics.append(
        _gauge(
            "vigie_worker_heartbeat_age_seconds",
            "Seconds since the most recent worker heartbeat (-1 when no worker is registered).",
            (now - last_heartbeat).total_seconds() if last_heartbeat else -1,
        )
    )
    return metrics


class BusinessCollector(Collector):
    """Reads the gauges at most once per VIGIE_METRICS_CACHE_SECONDS in this process:
    several Prometheus servers scraping cost the database one round of queries."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._at = 0.0
        self._metrics: list[Metric] = []

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            now = time.monotonic()
            if not self._metrics or now - self._at >= settings.VIGIE_METRICS_CACHE_SECONDS:
                self._metrics = business_metrics()
                self._at = time.monotonic()
            yield from self._metrics

    def clear(self) -> None:
        with self._lock:
            self._metrics = []


business_collector = BusinessCollector()


class _Together(Collector):
    def __init__(self, *sources: Collector) -> None:
        self.sources = sources

    def collect(self) -> Iterator[Metric]:
        for source in self.sources:
            yield from source.collect()


def exposition(accept: str | None) -> tuple[bytes, str]:
    """The process's metrics (every gunicorn worker's, merged from the shared directory
    in multiprocess mode) and the business gauges, in the format Prometheus asked for."""
    process: Collector = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        process = MultiProcessCollector(None)
    registry = CollectorRegistry()
    registry.register(_Together(process, business_collector))
    encoder, content_type = choose_encoder(accept or "")
    return encoder(registry), content_type


def _authorized(request: HttpRequest) -> bool:
    expected = f"Bearer {settings.VIGIE_METRICS_TOKEN}"
    given = request.headers.get("Authorization", "")
    return hmac.compare_digest(given.encode(), expected.encode())


def metrics_view(request: HttpRequest) -> HttpResponse:
    if not settings.VIGIE_METRICS_TOKEN:
        return HttpResponseNotFound()
    if not _authorized(request):
        response = HttpResponse("Unauthorized\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    body, content_type = exposition(request.headers.get("Accept"))
    response = HttpResponse(body, content_type=content_type)
    response["Cache-Control"] = "no-store"
    return response
