"""A database that does not answer is a 503, not a 500.

PostgreSQL restarting, failing over, or out of connections raises OperationalError or
InterfaceError (psycopg's, or Django's wrapping them, or Procrastinate's
ConnectorException around them). The pages and the API answer 503 with Retry-After, in
French, built without touching the database (no session, no user, no navigation).
The web nodes reconnect on their own: CONN_HEALTH_CHECKS checks a kept connection before
its first use in a request (vigie/settings.py).
"""

from __future__ import annotations

import psycopg
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

RETRY_AFTER_SECONDS = 5
UNAVAILABLE = (OperationalError, InterfaceError, psycopg.OperationalError, psycopg.InterfaceError)


def database_unavailable(exc: BaseException | None) -> bool:
    """Whether ``exc``, or an exception it was raised from, says the database is away."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, UNAVAILABLE):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def unavailable_detail() -> str:
    return _(
        "Vigie is unavailable for a moment (its database does not answer). Try again in a "
        "few seconds: a declaration sent again with the same external_id is not filed twice."
    )


def unavailable_response(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": unavailable_detail()}, status=503)
    else:
        response = HttpResponse(render_to_string("core/unavailable.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
