"""Logs an operator can ship and search: one line per request and per background job,
each with the id of the request that caused it, and nothing personal.

VIGIE_LOG_FORMAT=json (production) writes one JSON object per line; the default, text, is
for `make run`. A request's id comes from the X-Request-ID header (a proxy's) when it is a
plain token, otherwise it is generated; it is sent back in X-Request-ID, stamped on every
line logged while the request runs, and carried by the jobs it defers (vigie/core/jobs.py).

What is logged: method, the path with only its numeric ids and case references kept
(other URL parts, such as e-mail confirmation keys or slugs made from titles, become the
name of their parameter), the URL pattern, status, duration and the user's numeric id.
Never the query string, a body, a name, an address or incident text; as a last guard every
line is scrubbed of e-mail addresses and phone numbers.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject
from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

request_logger = logging.getLogger("vigie.request")

# The id of the request (or job) being served in this thread or task; "" outside one.
request_id_var: ContextVar[str] = ContextVar("vigie_request_id", default="")

_INCOMING_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
# Probes and scrapes, every few seconds from machines: not worth a line each.
QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


def request_id_new() -> str:
    return uuid.uuid4().hex


def request_id_accept(incoming: str | None) -> str:
    """A proxy's id when it is a plain token (no header or log injection), else a new one."""
    if incoming and _INCOMING_ID.fullmatch(incoming):
        return incoming
    return request_id_new()


# --- what a path may say ------------------------------------------------------------------

_ID_VALUE = re.compile(
    r"\d{1,19}|[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}|SSI-\d{4}-\d{1,9}"
)
_PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>")
# A named group of a regular-expression route (allauth's keys), one level of nesting.
_REGEX_GROUP = re.compile(r"\(\?P<(\w+)>(?:[^()]|\([^()]*\))*\)")


def loggable_path(request: HttpRequest) -> str:
    """The path rebuilt from its URL pattern, keeping only the values that are ids."""
    match = getattr(request, "resolver_match", None)
    if match is None or not match.route:
        return "<unresolved>"
    route = _REGEX_GROUP.sub(r"<\1>", match.route).replace("^", "").replace("$", "")

    def value(found: re.Match[str]) -> str:
        given = match.kwargs.get(found["name"])
        if given is not None and _ID_VALUE.fullmatch(str(given)):
            return str(given)
        return f"<{found['name']}>"

    return "/" + _PARAMETER.sub(value, route)


def request_user_seen(request: HttpRequest) -> Any:
    """The user as authentication left it, without a query for requests that never
    needed one: the session's user once something read it, or the one an API view
    authenticated by its token (DRF sets it on the request in place of the lazy one)."""
    set_by_view = request.__dict__.get("user")
    if set_by_view is not None and not isinstance(set_by_view, SimpleLazyObject):
        return set_by_view
    return getattr(request, "_cached_user", None)


class RequestLogMiddleware:
    """Outermost middleware: the request id, then one line once the response is known."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_accept(request.headers.get("X-Request-ID"))
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            if request.path_info.rstrip("/") not in QUIET_PATHS:
                self.log(request, response, request_id, time.perf_counter() - started)
            return response
        finally:
            request_id_var.reset(token)

    @staticmethod
    def log(request: HttpRequest, response: HttpResponse, request_id: str, seconds: float) -> None:
        user = request_user_seen(request)
        path = loggable_path(request)
        status = response.status_code
        match = getattr(request, "resolver_match", None)
        request_logger.info(
            "%s %s %s %.0f ms",
            request.method,
            path,
            status,
            seconds * 1000,
            extra={
                "event": "request",
                "request_id": request_id,
                "method": request.method,
                "path": path,
                "route": match.route if match is not None else None,
                "status": status,
                "duration_ms": round(seconds * 1000, 1),
                "user_id": user.pk if user is not None and user.is_authenticated else None,
            },
        )


# --- formatting ---------------------------------------------------------------------------

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\w+])(?:\+33[\s.]?|\b0)[1-9](?:[\s.-]?\d{2}){4}(?!\d)")


def redact(text: str) -> str:
    """Last guard against personal data in a line (an exception's message can hold an
    address refused by the SMTP server, a database error the value that conflicted)."""
    return _PHONE.sub("<phone>", _EMAIL.sub("<email>", text))


class RequestIdFilter(logging.Filter):
    """Stamps the current request (or job) id on every line that has none."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = request_id_var.get() or "-"
        return True


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class JsonFormatter(_JsonFormatter):
    """One JSON object per line: time (ISO 8601, UTC), level, logger, message, request_id
    and the fields a line adds (``extra``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("fmt", "%(levelname)s %(name)s %(message)s")
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        kwargs.setdefault("timestamp", "time")
        super().__init__(*args, **kwargs)

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        return {
            key: redact(value) if isinstance(value, str) else value
            for key, value in super().process_log_record(log_data).items()
        }
