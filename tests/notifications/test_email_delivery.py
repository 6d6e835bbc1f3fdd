"""E-mails leave through a real SMTP server, sent by the Procrastinate worker after
commit; when the server is down the declaration is kept and the mail retried later."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone

from tests.conftest import free_port
from vigie.declarations.models import Declaration, DeclarationStatus
from vigie.declarations.services import declaration_submit
from vigie.notifications.models import EmailStatus, OutgoingEmail
from vigie.notifications.tasks import email_send, email_sweep

PARIS = ZoneInfo("Europe/Paris")
SATURDAY_NIGHT = datetime(2026, 11, 28, 2, 30, tzinfo=PARIS)


def jobs(status: str | None = None) -> list[dict[str, Any]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT task_name, status, attempts, scheduled_at FROM procrastinate_jobs "
            "WHERE task_name = 'notifications.email_send'" + (" AND status = %s" if status else ""),
            [status] if status else [],
        )
        columns = [c[0] for c in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def make_due_now() -> None:
    """Bring retries scheduled in the future forward, as if time had passed."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE procrastinate_jobs SET scheduled_at = now() WHERE status = 'todo' "
            "AND scheduled_at > now()"
        )


@pytest.mark.django_db(transaction=True)
def test_every_routed_recipient_receives_its_email(
    world: Any,
    make_declaration: Callable[..., Declaration],
    smtp_server: Any,
    run_worker: Callable[..., None],
    settings: Any,
) -> None:
    # OIV structure, urgent help on a Saturday night: ARS, cell, FSSI and ANSSI.
    draft = make_declaration(world.lyon, world.declarant_lyon, urgent_help=True)
    declaration = declaration_submit(declaration=draft, by=world.declarant_lyon, at=SATURDAY_NIGHT)
    assert smtp_server.messages == []  # nothing leaves before the worker runs

    run_worker(["email"])

    reference = declaration.reference
    mailboxes = settings.VIGIE_MAILBOXES
    for address in (
        "ssi-auvergne-rhone-alpes@ars.sante.fr",
        mailboxes["acss"],
        mailboxes["fssi"],
        mailboxes["anssi"],
    ):
        received = smtp_server.to(address)
        assert len(received) == 1, address
        assert reference in received[0]["subject"]
        assert "URGENT" in received[0]["subject"]
        assert received[0]["msg"]["From"] == settings.DEFAULT_FROM_EMAIL
    # No other mailbox (defence, ANSM) was written to.
    assert smtp_server.to(mailboxes["defence"]) == []
    assert smtp_server.to(mailboxes["ansm"]) == []
    acknowledgement = smtp_server.to("claire.martin@chu.example.test")
    assert len(acknowledgement) == 1
    body = acknowledgement[0]["msg"].get_content()
    for entity in ("ARS Auvergne-Rhône-Alpes", "HFDS/FSSI", "ANSSI"):
        assert entity in body
    assert world.declarant_lyon.email in acknowledgement[0]["to"]
    assert set(OutgoingEmail.objects.values_list("status", flat=True)) == {EmailStatus.SENT}


@pytest.mark.django_db(transaction=True)
def test_smtp_down_keeps_the_declaration_and_retries_later(
    world: Any,
    make_declaration: Callable[..., Declaration],
    smtp_server: Any,
    run_worker: Callable[..., None],
    settings: Any,
) -> None:
    working_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # nothing listens there: connection refused
    draft = make_declaration(world.lyon_lab, world.declarant_lyon_lab)
    declaration = declaration_submit(declaration=draft, by=world.declarant_lyon_lab)

    run_worker(["email"])

    declaration.refresh_from_db()
    assert declaration.status == DeclarationStatus.SUBMITTED
    pending = OutgoingEmail.objects.filter(topic=f"declaration:{declaration.pk}")
    assert pending.count() == 3  # ARS, cell, acknowledgement
    for email in pending:
        assert email.status == EmailStatus.PENDING
        assert email.attempts == 1
        assert "ConnectionRefusedError" in email.last_error
    waiting = jobs("todo")
    assert len(waiting) == 3
    assert all(job["scheduled_at"] > timezone.now() for job in waiting)
    assert smtp_server.messages == []

    # The server comes back; once the retry is due the worker delivers everything once.
    settings.EMAIL_PORT = working_port
    make_due_now()
    run_worker(["email"])

    assert len(smtp_server.messages) == 3
    assert set(pending.values_list("status", flat=True)) == {EmailStatus.SENT}
    assert set(pending.values_list("attempts", flat=True)) == {2}
    assert jobs("todo") == []
    # Running again sends nothing twice.
    make_due_now()
    run_worker(["email"])
    assert len(smtp_server.messages) == 3


@pytest.mark.django_db(transaction=True)
def test_lost_jobs_are_swept_back_into_the_queue(
    smtp_server: Any, run_worker: Callable[..., None]
) -> None:
    # A row committed but whose job was never queued (crash between commit and defer).
    email = OutgoingEmail.objects.create(
        to=["ssi-idf@ars.sante.fr"],
        subject="Déclaration SSI-2026-00001",
        body="…",
        created_at=timezone.now() - timedelta(minutes=30),
    )
    fresh = OutgoingEmail.objects.create(to=["x@example.test"], subject="récent", body="…")
    assert email_sweep(timestamp=0) == 1  # the fresh one is left to its own job

    run_worker(["email"])

    email.refresh_from_db()
    fresh.refresh_from_db()
    assert email.status == EmailStatus.SENT
    assert fresh.status == EmailStatus.PENDING
    assert [m["subject"] for m in smtp_server.messages] == ["Déclaration SSI-2026-00001"]


@pytest.mark.django_db(transaction=True)
def test_a_sent_email_is_never_sent_again(smtp_server: Any) -> None:
    email = OutgoingEmail.objects.create(to=["ssi-idf@ars.sante.fr"], subject="Une fois", body=".")
    email_send(email_id=email.pk)
    email_send(email_id=email.pk)
    assert len(smtp_server.messages) == 1
