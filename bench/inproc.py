# ruff: noqa: E402 (Django is set up before the app is imported)
"""In-process measuring primitives and the framework's floors (issue 18).

Requests go through Django's WSGI stack with the test client (DEBUG off, persistent
database connection, warm). A callable is measured in rounds of ``calls`` calls; the
callables being compared alternate within each round (the order rotates from one round
to the next) and each figure is the median over rounds of the mean per call: wall time,
web CPU (``time.process_time``) and PostgreSQL CPU (the backend's utime + stime from
/proc, 10 ms ticks: read it as a mean over many calls). SQL statements are counted with
CaptureQueriesContext in a separate, untimed pass.

The floors (what the framework costs before the app does anything), served by
bench/urls.py, a bench-only URLconf that adds two bare views to the app's (the app ships
none):
- F_session: a bare view that touches ``request.user`` and answers a few bytes, through
  settings.MIDDLEWARE without Vigie's own middlewares, with a signed-in session:
  2 queries (session, user);
- the app's session floor: the same view through the full middleware stack (the MFA
  middleware computes the scope);
- F_drf: a bare DRF APIView with the API's authentication (Bearer token) and throttles
  from settings.REST_FRAMEWORK: 2 queries (token, rate window).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vigie.settings")
os.environ["VIGIE_DEBUG"] = "0"
os.environ.setdefault("VIGIE_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("VIGIE_LOG_LEVEL", "WARNING")
# The benchmark measures the app, not the API rate limits (the throttles still count).
os.environ.setdefault("VIGIE_API_SUBMIT_RATE", "1000000/min")
os.environ.setdefault("VIGIE_API_USER_RATE", "1000000/min")

import django

django.setup()

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")
BENCH_URLCONF = "bench.urls"
F_SESSION_PATH = "/__bench__/bare/"
F_DRF_PATH = "/__bench__/bare-api/"

Variant = Callable[[], AbstractContextManager[Any]]


@contextmanager
def patched(module: Any, name: str, value: Any) -> Iterator[None]:
    old = getattr(module, name)
    setattr(module, name, value)
    try:
        yield
    finally:
        setattr(module, name, old)


def backend_cpu_ms() -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * TICK_MS


def timed(
    call: Callable[[], Any], variant: Variant = nullcontext, calls: int = 30
) -> tuple[float, float, float]:
    """Mean wall, web CPU and PostgreSQL CPU (ms) of ``calls`` calls under ``variant``."""
    with variant():
        call()  # warm this variant's path
        pg0, cpu0, wall0 = backend_cpu_ms(), time.process_time(), time.perf_counter()
        for _ in range(calls):
            call()
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        pg = backend_cpu_ms() - pg0
    return wall * 1000 / calls, cpu * 1000 / calls, pg / calls


def queries(call: Callable[[], Any], variant: Variant = nullcontext) -> int:
    with variant(), CaptureQueriesContext(connection) as captured:
        call()
    return len(captured.captured_queries)


def compare(
    label: str,
    call: Callable[[], Any],
    before: Variant,
    after: Variant,
    rounds: int = 15,
    calls: int = 30,
) -> None:
    """Prints one Markdown row: ``call`` under ``before`` → under ``after``."""
    samples: dict[str, list[tuple[float, float, float]]] = {"before": [], "after": []}
    for n in range(rounds):
        order = [("before", before), ("after", after)]
        if n % 2:
            order.reverse()
        for name, variant in order:
            samples[name].append(timed(call, variant, calls))
    medians = {
        name: [statistics.median(s[i] for s in rows) for i in range(3)]
        for name, rows in samples.items()
    }
    counts = {
        name: queries(call, variant) for name, variant in [("before", before), ("after", after)]
    }
    b, a = medians["before"], medians["after"]
    print(
        f"| {label} | {b[0]:.2f} → {a[0]:.2f} (×{a[0] / b[0]:.2f}) "
        f"| {b[1]:.2f} → {a[1]:.2f} (×{a[1] / b[1]:.2f}) "
        f"| {b[2]:.2f} → {a[2]:.2f} | {counts['before']} → {counts['after']} |",
        flush=True,
    )


@dataclass
class Cost:
    """Medians over rounds of the mean per call, in ms; SQL statements of one call."""

    wall: float
    cpu: float
    pg: float
    queries: int

    @property
    def total_cpu(self) -> float:
        return self.cpu + self.pg


def measure(
    calls: dict[str, Callable[[], Any]], rounds: int = 9, per_round: int = 20
) -> dict[str, Cost]:
    """Each callable's cost, the callables alternating within every round (the order
    rotates), so that a change in the machine's speed weighs on all of them alike."""
    names = list(calls)
    samples: dict[str, list[tuple[float, float, float]]] = {name: [] for name in names}
    for n in range(rounds):
        shift = n % len(names)
        order = names[shift:] + names[:shift]
        if n % 2:
            order.reverse()
        for name in order:
            samples[name].append(timed(calls[name], nullcontext, per_round))
    return {
        name: Cost(
            *(statistics.median(s[i] for s in samples[name]) for i in range(3)),
            queries=queries(calls[name]),
        )
        for name in names
    }


# --- the floors ------------------------------------------------------------------------


def bare_view(request: HttpRequest) -> HttpResponse:
    """The least a signed-in page does: read the user (session, then user)."""
    return HttpResponse(b"ok" if request.user.is_authenticated else b"anonymous")


class BareApiView(APIView):
    """The least an API call does: DRF with the API's authentication and throttles."""

    def get(self, request: Request) -> Response:
        return Response({"ok": request.user.is_authenticated})


def django_only_middleware() -> list[str]:
    """settings.MIDDLEWARE without Vigie's own (MFA and scope, request log, metrics,
    no-store): what Django and the libraries cost."""
    return [m for m in settings.MIDDLEWARE if not m.startswith("vigie.")]


def client_with(client: Client, middleware: Sequence[str] | None = None) -> Client:
    """``client`` with its handler's middleware chain built now, from ``middleware``
    (settings.MIDDLEWARE when None): the test client builds it once, at its first request."""
    with override_settings(MIDDLEWARE=list(middleware or settings.MIDDLEWARE)):
        client.handler.load_middleware()
    return client


def expect(response: Any, status: int = 200) -> Any:
    if response.status_code != status:
        raise AssertionError(f"{response.status_code} (expected {status}): {response!r}")
    return response


def get(client: Client, path: str, status: int = 200, **headers: Any) -> Callable[[], Any]:
    """A callable that GETs ``path`` and checks the answer's status."""
    return lambda: expect(client.get(path, headers=headers or None), status)


def bench_urls() -> AbstractContextManager[Any]:
    """The bench URLconf (the app's, plus the bare views), for the ``with`` block."""
    return override_settings(ROOT_URLCONF=BENCH_URLCONF)


def floor_calls(make_client: Callable[[], Client], api_key: str) -> dict[str, Callable[[], Any]]:
    """F_session, the app's session floor and F_drf, as callables (under bench_urls()).
    ``make_client`` returns a new client signed in as a staff user past MFA."""
    django_only = client_with(make_client(), django_only_middleware())
    full = client_with(make_client())
    api = Client()
    bearer = {"Authorization": f"Bearer {api_key}"}
    return {
        "F_session": get(django_only, F_SESSION_PATH),
        "app session floor": get(full, F_SESSION_PATH),
        "F_drf": get(api, F_DRF_PATH, **bearer),
    }


def manifest_static() -> AbstractContextManager[Any]:
    """The manifest storage as in production ({% static %} looks each file up in it, and
    production's remembers the URLs: vigie/core/staticfiles.py), without whitenoise's
    compression, which would only make collectstatic slow."""
    return override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "vigie.core.staticfiles.ManifestStaticFilesStorage"},
        }
    )
