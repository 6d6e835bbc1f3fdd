"""Probes answered before the rest of the stack.

First in MIDDLEWARE: a probe reaches a node by its address, over plain HTTP, from a load
balancer or an orchestrator; host validation, the HTTPS redirect, sessions, CSRF and the
second-factor check do not apply to it, and none of them may turn a probe into a redirect
or a 400. What the probes answer carries no data.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse

from vigie.ops.probes import FAIL, readiness

logger = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"


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
        return self.get_response(request)
