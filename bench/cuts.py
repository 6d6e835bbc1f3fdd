# ruff: noqa: E402 (Django is set up before the app is imported)
"""Before/after of issue 18's cuts, in process: `make bench-cuts` (bench/cuts.sh).

On a throwaway database (tests.factories.world_build plus notices and a case), each cut
is timed against the code it replaced, swapped in for the "before" rounds: the rounds
alternate (before, after, after, before, ...) and each figure is the median over rounds
of the mean per call. Requests go through Django's WSGI stack with the test client
(DEBUG off, persistent connection, warm). Per call: wall time, web CPU (process_time)
and PostgreSQL CPU (the backend's utime + stime from /proc); SQL statements are counted
with CaptureQueriesContext in a separate, untimed pass.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vigie.settings")
os.environ["VIGIE_DEBUG"] = "0"
os.environ.setdefault("VIGIE_ALLOWED_HOSTS", "testserver,localhost")
os.environ.setdefault("VIGIE_LOG_LEVEL", "WARNING")

import django

django.setup()

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from tests.core.scoping_reference import scope_rows_orm
from tests.factories import UserMaker, declaration_draft, login_with_mfa, world_build
from vigie.cases.models import Case
from vigie.core import scoping
from vigie.core.scoping import forget_scope, scope_for
from vigie.declarations.services import declaration_submit
from vigie.insights import selectors as insights_selectors
from vigie.notifications import selectors as notification_selectors
from vigie.notifications.models import Notification
from vigie.notifications.templatetags import notification_tags

ROUNDS = int(os.environ.get("BENCH_CUT_ROUNDS", "15"))
PER_ROUND = int(os.environ.get("BENCH_CUT_CALLS", "30"))
TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")

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


def timed(call: Callable[[], Any], variant: Variant) -> tuple[float, float, float]:
    """Mean wall, web CPU and PostgreSQL CPU (ms) of PER_ROUND calls under ``variant``."""
    with variant():
        call()  # warm this variant's path
        pg0, cpu0, wall0 = backend_cpu_ms(), time.process_time(), time.perf_counter()
        for _ in range(PER_ROUND):
            call()
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        pg = backend_cpu_ms() - pg0
    return wall * 1000 / PER_ROUND, cpu * 1000 / PER_ROUND, pg / PER_ROUND


def queries(call: Callable[[], Any], variant: Variant) -> int:
    with variant(), CaptureQueriesContext(connection) as captured:
        call()
    return len(captured.captured_queries)


def compare(label: str, call: Callable[[], Any], before: Variant, after: Variant) -> None:
    samples: dict[str, list[tuple[float, float, float]]] = {"before": [], "after": []}
    for n in range(ROUNDS):
        order = [("before", before), ("after", after)]
        if n % 2:
            order.reverse()
        for name, variant in order:
            samples[name].append(timed(call, variant))
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


def unread_uncapped(user: Any) -> int:
    """The counter before issue 18: COUNT(*) over every unread notice."""
    return notification_selectors.unread_count(user)


def setup() -> Any:
    call_command("migrate", verbosity=0)
    call_command("load_reference", verbosity=0)
    call_command("createcachetable", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    world = world_build(UserMaker("bench"))
    world.acss_client = login_with_mfa(Client(), world.acss)
    world.ars_client = login_with_mfa(Client(), world.ars_ara)
    for client in (world.acss_client, world.ars_client):
        assert client.get("/compte/profil/").status_code == 200
    return world


def notices(user: Any, unread: int) -> None:
    Notification.objects.filter(user=user).delete()
    Notification.objects.bulk_create(
        (Notification(user=user, title=f"Avis {n}") for n in range(unread)), batch_size=5000
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE notifications_notification")


# The manifest storage as in production ({% static %} looks each file up in it), without
# whitenoise's compression, which would only make collectstatic slow here.
@override_settings(
    STORAGES={
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
)
def main() -> None:
    assert not settings.DEBUG
    world = setup()
    print(f"{ROUNDS} alternating rounds of {PER_ROUND} calls; medians of the round means.\n")
    print("| measured | wall ms | web CPU ms | PostgreSQL CPU ms | SQL statements |")
    print("|---|---|---|---|---|")

    # 1. The header's unread counter: the layout page, with a growing backlog.
    def uncapped() -> AbstractContextManager[None]:
        return patched(notification_tags, "unread_badge_count", unread_uncapped)

    profile = world.ars_client
    for unread in (3, 1_000, 20_000):
        notices(world.ars_ara, unread)
        compare(
            f"/compte/profil/, {unread:,} unread notices: counter uncapped → capped",
            lambda: profile.get("/compte/profil/"),
            uncapped,
            nullcontext,
        )
        compare(
            f"the counter alone, {unread:,} unread notices",
            lambda: notification_tags.unread_badge_count(world.ars_ara),
            uncapped,
            nullcontext,
        )
    notices(world.ars_ara, 3)

    # 2. scope_for: the ORM query it was built with → one fixed SQL statement.
    def orm_scope() -> AbstractContextManager[None]:
        return patched(scoping, "_scope_rows", scope_rows_orm)

    for name in ("acss", "ars_ara", "director_paris"):
        user = getattr(world, name)
        compare(
            f"scope_for({name}) alone",
            lambda user=user: (forget_scope(user), scope_for(user)),
            orm_scope,
            nullcontext,
        )
    compare(
        "/compte/profil/ (ACSS, MFA): scope by the ORM → fixed SQL",
        lambda: world.acss_client.get("/compte/profil/"),
        orm_scope,
        nullcontext,
    )

    # 3. The case page: the regulatory clock once per request, not once per block.
    def obligations_each_time() -> AbstractContextManager[None]:
        return patched(insights_selectors, "case_obligations", insights_selectors._case_obligations)

    draft = declaration_draft(world.lyon, world.declarant_lyon, data_confidentiality=True)
    declaration = declaration_submit(declaration=draft, by=world.declarant_lyon)
    case = Case.objects.get(declaration=declaration)
    assert world.acss_client.get(f"/dossiers/{case.pk}/").status_code == 200
    compare(
        "/dossiers/<id>/ (ACSS, open case): obligations per block → once",
        lambda: world.acss_client.get(f"/dossiers/{case.pk}/"),
        obligations_each_time,
        nullcontext,
    )
    print(f"\nmeasured {timezone.now():%Y-%m-%d %H:%M} UTC")


if __name__ == "__main__":
    main()
