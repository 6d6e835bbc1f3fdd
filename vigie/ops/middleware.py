"""Probes and metrics answered before the rest of the stack, and request latencies.

First in MIDDLEWARE: a probe or a scrape reaches a node by its address, over plain HTTP,
from a load balancer, an orchestrator or Prometheus; host validation, the HTTPS redirect,
sessions, CSRF and the second-factor check do not apply to it, and none of them may turn
it into a redirect or a 400. The probes carry no data; the metrics need a token.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse

from vigie.ops import metrics
from vigie.ops.probes import FAIL, readiness

logger = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
METRICS_PATH = "/metrics"


def _probe_response(payload: dict[str, object], status: int) -> HttpResponse:
    response = JsonResponse(payload, status=status)
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def healthz(request: HttpRequest) -> HttpResponse:
    return _probe_response({"status": "ok"}, 200)


def readyz(request: HttpRequest) -> HttpResponse:
    checks = readiness()
    failed = [name for name, result in checks.items() if result == FAIL]
    response = _probe_response(
        {"status": FAIL if failed else "ok", "checks": checks}, 503 if failed else 200
    )
    if failed:
        logger.warning("not ready: %s", ", ".join(failed))
        # Said above as a warning: not Django's "Service Unavailable" error on every probe.
        response._has_been_logged = True  # type: ignore[attr-defined]
    return response


ROUTES: dict[str, Callable[[HttpRequest], HttpResponse]] = {
    HEALTH_PATH: healthz,
    READY_PATH: readyz,
    METRICS_PATH: metrics.metrics_view,
}


class OpsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        view = ROUTES.get(request.path_info.rstrip("/") or "/")
        if view is not None:
            if request.method not in ("GET", "HEAD"):
                return HttpResponseNotAllowed(["GET", "HEAD"])
            return view(request)
        started = time.perf_counter()
        response = self.get_response(request)
        metrics.request_observe(request, response, time.perf_counter() - started)
        return response
