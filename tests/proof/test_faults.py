"""Faults on the submission path: SMTP down, a worker killed mid-task, the database
connection lost while a declaration is being submitted."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.db import OperationalError, connection, connections
from django.db.utils import InterfaceError

from tests.conftest import free_port
from tests.factories import client_for, email_jobs, in_own_thread
from vigie.cases.models import Case
from vigie.declarations import services as declaration_services
from vigie.declarations.models import (
    Declaration,
    DeclarationRecipient,
    DeclarationStatus,
    ReferenceCounter,
)
from vigie.declarations.services import declaration_submit
from vigie.notifications.models import EmailStatus, OutgoingEmail

pytestmark = pytest.mark.django_db(transaction=True)


def _empty_job_tables() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE procrastinate_jobs, procrastinate_workers, procrastinate_events, "
            "procrastinate_periodic_defers CASCADE"
        )


@pytest.fixture(autouse=True)
def _empty_queue(transactional_db: None) -> Any:
    """Procrastinate's tables are not flushed between transactional tests: start empty,
    and leave no (deliberately stalled) job behind for other tests."""
    _empty_job_tables()
    yield
    connection.close()  # a test may have killed it
    _empty_job_tables()


# --- SMTP unavailable ------------------------------------------------------------------


def test_web_submission_while_smtp_is_down_is_stored_once_with_mails_pending(
    world: Any,
    make_declaration: Callable[..., Declaration],
    smtp_server: Any,
    run_worker: Callable[..., None],
    settings: Any,
) -> None:
    settings.EMAIL_PORT = free_port()  # nothing listens there
    draft = make_declaration(world.lyon_lab, world.declarant_lyon_lab)
    client = client_for(world.declarant_lyon_lab)

    response = client.post(f"/declarations/{draft.pk}/recapitulatif/")
    assert response.status_code == 302 and response["Location"] == f"/declarations/{draft.pk}/"
    # The declarant clicks again (or the browser resubmits): nothing is filed twice.
    again = client.post(f"/declarations/{draft.pk}/recapitulatif/")
    assert again.status_code == 302
    run_worker(["email"])  # every send fails: connection refused

    assert Declaration.objects.count() == 1
    declaration = Declaration.objects.get()
    assert declaration.status == DeclarationStatus.SUBMITTED
    assert declaration.submitted_at is not None
    assert declaration.reference == f"SSI-{declaration.submitted_at.year}-00001"
    assert Case.objects.filter(declaration=declaration).count() == 1
    assert ReferenceCounter.objects.get().last == 1
    emails = OutgoingEmail.objects.filter(topic=f"declaration:{declaration.pk}")
    assert emails.count() == 3  # ARS, cell, acknowledgement: once each
    assert set(emails.values_list("status", flat=True)) == {EmailStatus.PENDING}
    assert all("ConnectionRefused" in e.last_error for e in emails)
    assert len(email_jobs("todo")) == 3  # each one waits for its retry
    assert smtp_server.messages == []
    # The declarant still reads the submitted declaration.
    page = client.get(f"/declarations/{declaration.pk}/")
    assert page.status_code == 200 and declaration.reference in page.content.decode()


# --- worker killed mid-task ------------------------------------------------------------


def kill_worker_on(job_id: int) -> int:
    """Leave ``job_id`` as a worker killed with SIGKILL leaves it: 'doing', owned by a
    registered worker whose heartbeat stopped long ago."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO procrastinate_workers (last_heartbeat) "
            "VALUES (now() - interval '1 hour') RETURNING id"
        )
        (worker_id,) = cursor.fetchone()
        cursor.execute(
            "UPDATE procrastinate_jobs SET status = 'doing', worker_id = %s, attempts = 0 "
            "WHERE id = %s",
            [worker_id, job_id],
        )
    return worker_id


def retry_stalled_jobs() -> list[int]:
    """The production recovery (core.retry_stalled_jobs) run once, on the email queue."""
    from procrastinate.contrib.django import app

    from vigie.core.tasks import stalled_jobs_retry

    worker_connector = app.connector.get_worker_connector()  # type: ignore[attr-defined]
    with app.replace_connector(worker_connector) as worker_app:

        async def run() -> list[int]:
            async with worker_app.open_async():
                return await stalled_jobs_retry(worker_app.job_manager, seconds=60, queue="email")

        return in_own_thread(lambda: asyncio.run(run()))


@pytest.mark.parametrize("died", ["before_sending", "after_sending"])
def test_a_killed_worker_delivers_each_mail_exactly_once(
    world: Any,
    make_declaration: Callable[..., Declaration],
    smtp_server: Any,
    run_worker: Callable[..., None],
    died: str,
) -> None:
    draft = make_declaration(world.lyon_lab, world.declarant_lyon_lab)
    declaration = declaration_submit(declaration=draft, by=world.declarant_lyon_lab)
    emails = OutgoingEmail.objects.filter(topic=f"declaration:{declaration.pk}")
    jobs = email_jobs("todo")
    assert len(jobs) == emails.count() == 3
    victim_job = jobs[0]
    victim = OutgoingEmail.objects.get(pk=json.loads(victim_job["args"])["email_id"])
    if died == "after_sending":
        # The mail left and its row was committed as sent; the kill came before the
        # worker could mark the job finished.
        from vigie.notifications.tasks import email_send

        email_send(email_id=victim.pk)
        assert len(smtp_server.to(victim.to[0])) == 1
    # (before_sending: the kill rolled back the row's transaction, it is still pending.)
    kill_worker_on(victim_job["id"])

    run_worker(["email"])  # a fresh worker: does the other two, cannot see the stalled one
    victim.refresh_from_db()
    expected_status = EmailStatus.SENT if died == "after_sending" else EmailStatus.PENDING
    assert victim.status == expected_status
    assert len(smtp_server.messages) == (3 if died == "after_sending" else 2)
    assert [job["id"] for job in email_jobs("doing")] == [victim_job["id"]]

    # Recovery: the stalled job is found by its dead worker's heartbeat and retried.
    assert retry_stalled_jobs() == [victim_job["id"]]
    run_worker(["email"])

    assert set(emails.values_list("status", flat=True)) == {EmailStatus.SENT}
    assert len(smtp_server.messages) == 3
    for email in emails:
        assert len(smtp_server.to(email.to[0])) == 1, email.to
    assert email_jobs("doing") == [] and email_jobs("todo") == []
    # Recovery run twice (or racing the sweep) sends nothing again.
    assert retry_stalled_jobs() == []
    from vigie.notifications.tasks import email_send

    email_send(email_id=victim.pk)
    assert len(smtp_server.messages) == 3


def test_the_outbox_sweep_recovers_a_killed_job_without_duplicates(
    world: Any,
    make_declaration: Callable[..., Declaration],
    smtp_server: Any,
    run_worker: Callable[..., None],
) -> None:
    """Even with nobody retrying stalled jobs, the periodic sweep re-queues the pending
    row (the 'doing' job does not hold its queueing lock), and a late retry of the
    stalled job afterwards is a no-op."""
    from vigie.notifications.tasks import email_sweep

    draft = make_declaration(world.lyon_lab, world.declarant_lyon_lab)
    declaration = declaration_submit(declaration=draft, by=world.declarant_lyon_lab)
    victim_job = email_jobs("todo")[0]
    kill_worker_on(victim_job["id"])
    run_worker(["email"])
    assert len(smtp_server.messages) == 2

    assert declaration.submitted_at is not None
    OutgoingEmail.objects.filter(status=EmailStatus.PENDING).update(
        created_at=declaration.submitted_at - timedelta(days=1)
    )
    assert email_sweep(timestamp=0) == 1
    run_worker(["email"])
    assert len(smtp_server.messages) == 3

    assert retry_stalled_jobs() == [victim_job["id"]]
    run_worker(["email"])
    assert len(smtp_server.messages) == 3
    assert set(OutgoingEmail.objects.values_list("status", flat=True)) == {EmailStatus.SENT}


# --- database connection lost during submission ----------------------------------------


def terminate_own_backend() -> None:
    """Kill this connection's server process from another connection (a DB failover,
    a network cut, an administrator's pg_terminate_backend)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()


def fail_in_the_middle(real: Callable[..., Any]) -> Callable[..., Any]:
    def failing(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("crash after the reference was drawn")

    return failing


def lose_connection_after(real: Callable[..., Any]) -> Callable[..., Any]:
    def losing(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)  # outbox rows written, commit not yet done
        terminate_own_backend()
        return result

    return losing


@pytest.mark.parametrize(
    ("where", "wrap", "errors"),
    [
        ("case_open raises", fail_in_the_middle, (RuntimeError,)),
        (
            "connection killed before commit",
            lose_connection_after,
            (OperationalError, InterfaceError),
        ),
    ],
)
def test_a_submission_interrupted_by_the_database_stores_nothing_and_retries_once(
    world: Any,
    make_declaration: Callable[..., Declaration],
    smtp_server: Any,
    run_worker: Callable[..., None],
    where: str,
    wrap: Callable[..., Any],
    errors: tuple[type[BaseException], ...],
) -> None:
    draft = make_declaration(world.lyon_lab, world.declarant_lyon_lab, description="Texte saisi")
    saved = Declaration.objects.values().get(pk=draft.pk)
    # case_open is the last write before commit, after the reference is drawn.
    import vigie.cases.services as case_services

    patch = mock.patch.object(case_services, "case_open", wrap(case_services.case_open))
    drawn: list[str] = []
    real_reference_next = declaration_services.reference_next

    def spy(*args: Any, **kwargs: Any) -> str:
        drawn.append(real_reference_next(*args, **kwargs))
        return drawn[-1]

    with (
        patch,
        mock.patch.object(declaration_services, "reference_next", spy),
        pytest.raises(errors),
    ):
        declaration_submit(declaration=draft, by=world.declarant_lyon_lab)
    assert drawn, "the failure came after a reference was drawn"
    # What Django does at the end of the failed request: drop the broken connection.
    connection.close()

    # Nothing half-stored: the draft is exactly as it was, nothing hangs off it.
    assert Declaration.objects.values().get(pk=draft.pk) == saved
    assert Declaration.objects.get(pk=draft.pk).status == DeclarationStatus.DRAFT
    assert Declaration.objects.filter(reference__isnull=False).count() == 0
    assert not Case.objects.exists()
    assert not DeclarationRecipient.objects.exists()
    assert not OutgoingEmail.objects.exists()
    assert email_jobs() == []
    assert not ReferenceCounter.objects.exists()  # the drawn number was rolled back

    # The declarant retries: it succeeds once, with the number the failed try had drawn
    # (never committed, so nobody else holds it); a second click changes nothing.
    client = client_for(world.declarant_lyon_lab)
    assert client.post(f"/declarations/{draft.pk}/recapitulatif/").status_code == 302
    assert client.post(f"/declarations/{draft.pk}/recapitulatif/").status_code == 302
    declaration = Declaration.objects.get(pk=draft.pk)
    assert declaration.status == DeclarationStatus.SUBMITTED
    assert declaration.reference == drawn[0]
    assert declaration.description == "Texte saisi"
    assert Declaration.objects.filter(reference=drawn[0]).count() == 1
    assert Case.objects.filter(declaration=declaration).count() == 1
    assert OutgoingEmail.objects.count() == 3
    # The next declaration gets the next number: no collision with the lost attempt.
    other = declaration_submit(
        declaration=make_declaration(world.lyon, world.declarant_lyon), by=world.declarant_lyon
    )
    assert other.reference != declaration.reference
    assert str(other.reference).endswith("-00002")
    run_worker(["email"])
    assert len(smtp_server.to("claire.martin@chu.example.test")) == 2  # one per declaration
    assert set(OutgoingEmail.objects.values_list("status", flat=True)) == {EmailStatus.SENT}


def test_the_stalled_job_recovery_is_scheduled() -> None:
    from procrastinate.contrib.django import app

    periodic = {task.periodic_id for task in app.periodic_registry.periodic_tasks.values()}
    assert "retry_stalled_jobs" in periodic


def test_a_report_abandoned_by_a_killed_worker_is_finished_on_retry(world: Any) -> None:
    from vigie.actionplan.catalogue import shipped_plans_load
    from vigie.actionplan.models import Plan, ReportRun, ReportStatus
    from vigie.actionplan.tasks import report_build
    from vigie.directory.models import Region

    shipped_plans_load()
    plan = Plan.objects.get()
    run = ReportRun.objects.create(
        plan=plan,
        region=Region.objects.get(code="84"),
        year=2026,
        quarter=3,
        format="xlsx",
        requested_by=world.ars_ara,
        status=ReportStatus.RUNNING,  # as the dead worker left it
        progress=50,
    )
    report_build(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == ReportStatus.DONE and run.progress == 100 and run.file
