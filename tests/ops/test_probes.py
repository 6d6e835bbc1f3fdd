"""/healthz and /readyz: what a load balancer sees, whoever asks and whatever the host."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from tests.conftest import free_port
from tests.factories import UserMaker
from vigie.core.roles import Role
from vigie.notifications.models import EmailStatus, OutgoingEmail
from vigie.ops.probes import readiness_memo

pytestmark = pytest.mark.django_db


def _workers(*, heartbeat_age: timedelta | None) -> None:
    """Leave one worker registered (as its start does), its last heartbeat that old."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_workers")
        if heartbeat_age is not None:
            cursor.execute("SELECT procrastinate_register_worker_v1()")
            cursor.execute(
                "UPDATE procrastinate_workers SET last_heartbeat = %s",
                [timezone.now() - heartbeat_age],
            )


def _get(path: str, client: Client | None = None, **headers: Any) -> Any:
    response = (client or Client()).get(path, **headers)
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    return response, json.loads(response.content)


def test_healthz_answers_without_the_database(django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(0):
        response, body = _get("/healthz")
    assert response.status_code == 200
    assert body == {"status": "ok"}
    assert "Set-Cookie" not in response


def test_probes_answer_a_node_address_over_plain_http(settings: Any) -> None:
    """A load balancer probes the node by IP over HTTP: no 400 for the host, no redirect."""
    settings.SECURE_SSL_REDIRECT = True
    _workers(heartbeat_age=timedelta(seconds=1))
    for path in ("/healthz", "/readyz", "/healthz/"):
        response, _ = _get(path, HTTP_HOST="10.1.2.3:8000")
        assert response.status_code == 200, (path, _)
    # The rest of the site still refuses an unknown host and redirects to HTTPS.
    assert Client().get("/", HTTP_HOST="10.1.2.3:8000").status_code == 400
    assert Client().get("/").status_code == 301


def test_ready_when_database_migrations_worker_and_outbox_are_fine() -> None:
    _workers(heartbeat_age=timedelta(seconds=5))
    OutgoingEmail.objects.create(to=["a@example.org"], subject="s", body="b")  # just queued
    response, body = _get("/readyz")
    assert response.status_code == 200
    assert body == {
        "status": "ok",
        "checks": {"database": "ok", "migrations": "ok", "worker": "ok", "outbox": "ok"},
    }


@pytest.mark.parametrize("age", [None, timedelta(minutes=5)], ids=["no worker", "stale worker"])
def test_not_ready_without_a_live_worker(age: timedelta | None) -> None:
    _workers(heartbeat_age=age)
    response, body = _get("/readyz")
    assert response.status_code == 503
    assert body["status"] == "fail"
    assert body["checks"] == {
        "database": "ok",
        "migrations": "ok",
        "worker": "fail",
        "outbox": "ok",
    }


def test_not_ready_when_an_email_is_stuck_in_the_outbox(settings: Any) -> None:
    _workers(heartbeat_age=timedelta(seconds=5))
    old = timezone.now() - timedelta(seconds=settings.VIGIE_READY_OUTBOX_SECONDS + 60)
    stuck = OutgoingEmail.objects.create(
        to=["rssi@chu.example"], subject="Incident", body="texte", created_at=old
    )
    response, body = _get("/readyz")
    assert response.status_code == 503
    assert body["checks"]["outbox"] == "fail"
    # Nothing of the message shows: names and ok/fail only.
    assert "chu.example" not in response.content.decode()
    # Sent (or failed for good and seen in the admin): the node is ready again.
    OutgoingEmail.objects.filter(pk=stuck.pk).update(status=EmailStatus.SENT)
    assert _get("/readyz")[0].status_code == 200


def test_not_ready_when_a_migration_is_not_applied() -> None:
    _workers(heartbeat_age=timedelta(seconds=5))
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM django_migrations WHERE id = "
            "(SELECT max(id) FROM django_migrations WHERE app = 'notifications')"
        )
    response, body = _get("/readyz")
    assert response.status_code == 503
    assert body["checks"]["migrations"] == "fail"
    assert body["checks"]["database"] == "ok"


@pytest.mark.django_db(transaction=True)
def test_not_ready_and_no_error_page_when_the_database_is_unreachable() -> None:
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict["PORT"] = str(free_port())  # nothing listens there
    try:
        response, body = _get("/readyz")
        assert response.status_code == 503
        assert body == {
            "status": "fail",
            "checks": {
                "database": "fail",
                "migrations": "fail",
                "worker": "fail",
                "outbox": "fail",
            },
        }
        # Liveness does not depend on the database.
        assert _get("/healthz")[0].status_code == 200
    finally:
        connection.close()
        connection.settings_dict.update(saved)
    # Back: the next probe reconnects by itself.
    _workers(heartbeat_age=timedelta(seconds=5))
    assert _get("/readyz")[0].status_code == 200


def test_probes_ignore_a_session_that_has_not_passed_the_second_factor() -> None:
    """A staff member's browser with a password-only session is not sent to the code
    prompt by the probes (nor is anything about the session revealed)."""
    staff = UserMaker()(Role.ACSS_ANALYST)
    client = Client()
    client.force_login(staff)
    assert client.get("/").status_code == 302  # the site asks for the second factor
    _workers(heartbeat_age=timedelta(seconds=5))
    assert _get("/healthz", client)[0].status_code == 200
    assert _get("/readyz", client)[0].status_code == 200


def test_probes_only_read() -> None:
    for path in ("/healthz", "/readyz"):
        assert Client().post(path).status_code == 405
        assert Client().head(path).status_code in (200, 503)


def test_a_flood_of_probes_costs_one_round_of_checks(
    settings: Any, django_assert_num_queries: Any
) -> None:
    settings.VIGIE_READY_CACHE_SECONDS = 60
    readiness_memo.clear()
    _workers(heartbeat_age=timedelta(seconds=5))
    assert _get("/readyz")[0].status_code == 200
    with django_assert_num_queries(0):
        for _ in range(20):
            assert _get("/readyz")[0].status_code == 200
