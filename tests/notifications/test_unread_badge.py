"""The header's unread counter: exact up to 99, "99+" beyond, at a cost that does not
grow with the user's backlog (issue 18)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.declarations.test_views import client_for
from vigie.notifications.models import Notification

pytestmark = pytest.mark.django_db


def notify(user: Any, count: int, *, read: bool = False) -> None:
    Notification.objects.bulk_create(
        Notification(user=user, title=f"Avis {n}", read_at=timezone.now() if read else None)
        for n in range(count)
    )


def badge(page: str) -> str:
    """The badge's text as a screen reader reads it (visible figure + its hidden label)."""
    match = re.search(r'data-testid="unread-count">(.*?)</span></span>', page)
    assert match, "no unread badge in the header"
    return re.sub(r"<[^>]+>", "", match.group(1)).replace("&nbsp;", " ").replace("\xa0", " ")


def test_a_long_backlog_shows_99_plus(world: Any) -> None:
    notify(world.ars_ara, 150)
    notify(world.ars_ara, 20, read=True)
    page = client_for(world.ars_ara).get("/").content.decode()
    assert badge(page) == "99+ notifications non lues"


def test_a_short_backlog_shows_its_exact_count_in_french(world: Any) -> None:
    notify(world.ars_ara, 3)
    notify(world.ars_ara, 200, read=True)  # read ones do not count
    notify(world.acss, 150)  # nor somebody else's
    assert badge(client_for(world.ars_ara).get("/").content.decode()) == (
        "3 notifications non lues"
    )
    notify(world.ars_idf, 1)
    assert badge(client_for(world.ars_idf).get("/").content.decode()) == "1 notification non lue"


def test_99_is_exact_and_100_is_99_plus(world: Any) -> None:
    notify(world.ars_ara, 99)
    client = client_for(world.ars_ara)
    assert badge(client.get("/").content.decode()) == "99 notifications non lues"
    notify(world.ars_ara, 1)
    assert badge(client.get("/").content.decode()) == "99+ notifications non lues"


def test_the_counter_reads_at_most_100_rows(world: Any) -> None:
    notify(world.ars_ara, 150)
    client = client_for(world.ars_ara)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    counts = [
        q["sql"]
        for q in queries.captured_queries
        if "COUNT(" in q["sql"] and '"notifications_notification"' in q["sql"]
    ]
    assert len(counts) == 1, counts
    # COUNT(*) over a subquery that stops at the cap, whatever the backlog.
    assert re.search(r"LIMIT 100\)", counts[0]), counts[0]
