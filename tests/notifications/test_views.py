"""In-app notifications: each user sees their own, unread first, and can mark them read."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.declarations.test_views import client_for
from vigie.notifications.models import Notification
from vigie.notifications.services import notification_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def notices(world: Any) -> dict[str, Notification]:
    old, recent = (
        notification_create(users=[world.ars_ara], title="Ancienne", url="/declarations/"),
        notification_create(users=[world.ars_ara], title="Récente", url="https://evil.test/"),
    )
    read = notification_create(users=[world.ars_ara], title="Déjà lue")
    Notification.objects.filter(pk=old[0].pk).update(created_at=timezone.now() - timedelta(days=2))
    Notification.objects.filter(pk=read[0].pk).update(read_at=timezone.now())
    other = notification_create(users=[world.acss], title="Pour quelqu'un d'autre")
    return {"old": old[0], "recent": recent[0], "read": read[0], "other": other[0]}


def test_list_shows_own_notifications_unread_first(
    world: Any, notices: dict[str, Notification]
) -> None:
    client = client_for(world.ars_ara)
    response = client.get("/notifications/")
    assert response.status_code == 200
    titles = [n.title for n in response.context["page_obj"]]
    assert titles == ["Récente", "Ancienne", "Déjà lue"]
    page = response.content.decode()
    assert "Pour quelqu'un d'autre" not in page
    assert page.count('data-unread="true"') == 2
    assert response.context["unread"] == 2
    # The header shows the unread count on every page, linking to the list.
    home = client.get("/").content.decode()
    assert 'href="/notifications/"' in home
    assert 'data-testid="unread-count">2<' in home


def test_mark_all_as_read(world: Any, notices: dict[str, Notification]) -> None:
    client = client_for(world.ars_ara)
    assert client.get("/notifications/tout-lire/").status_code == 405
    response = client.post("/notifications/tout-lire/")
    assert response.status_code == 302 and response["Location"] == "/notifications/"
    assert not Notification.objects.filter(user=world.ars_ara, read_at__isnull=True).exists()
    # Somebody else's notifications are untouched.
    assert Notification.objects.get(pk=notices["other"].pk).read_at is None
    assert 'data-testid="unread-count"' not in client.get("/").content.decode()


def test_opening_marks_read_and_follows_only_local_links(
    world: Any, notices: dict[str, Notification]
) -> None:
    client = client_for(world.ars_ara)
    opened = client.post(f"/notifications/{notices['old'].pk}/ouvrir/")
    assert opened.status_code == 302 and opened["Location"] == "/declarations/"
    assert Notification.objects.get(pk=notices["old"].pk).read_at is not None
    outside = client.post(f"/notifications/{notices['recent'].pk}/ouvrir/")
    assert outside["Location"] == "/notifications/"
    # Another user's notification cannot be opened or marked.
    assert client.post(f"/notifications/{notices['other'].pk}/ouvrir/").status_code == 404
    assert Notification.objects.get(pk=notices["other"].pk).read_at is None


def test_anonymous_is_sent_to_login(notices: dict[str, Notification]) -> None:
    response = Client().get("/notifications/")
    assert response.status_code == 302 and response["Location"].startswith("/compte/login/")
    assert Client().post("/notifications/tout-lire/").status_code == 302
    assert Notification.objects.filter(read_at__isnull=True).count() == 3
