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
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from bench import inproc  # sets Django up, DEBUG off
from bench.inproc import Variant, patched
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


def compare(label: str, call: Callable[[], Any], before: Variant, after: Variant) -> None:
    inproc.compare(label, call, before, after, rounds=ROUNDS, calls=PER_ROUND)


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
