"""Shared fixtures: reference data and one user per role, on a real PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.management import call_command

from tests.factories import UserMaker, declaration_draft, structure_create, world_build
from vigie.declarations.reference import typology_load
from vigie.directory.models import Departement, Region, Structure, User
from vigie.directory.reference import reference_load


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    """Reference data is loaded once for the whole session, like in production."""
    with django_db_blocker.unblock():
        reference_load()
        typology_load()
        call_command("createcachetable", verbosity=0)


@pytest.fixture(autouse=True)
def _reference_after_flush(request: Any) -> None:
    """Transactional tests flush the database afterwards: give them the reference data."""
    marker = request.node.get_closest_marker("django_db")
    if "transactional_db" in request.fixturenames or (
        marker is not None and marker.kwargs.get("transaction")
    ):
        request.getfixturevalue("transactional_db")
        reference_load()
        typology_load()


def departement(code: str) -> Departement:
    return Departement.objects.get(code=code)


def region(code: str) -> Region:
    return Region.objects.get(code=code)


@pytest.fixture
def make_structure(db: None) -> Callable[..., Structure]:
    return structure_create


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    return UserMaker()


@pytest.fixture
def world(make_user: Callable[..., User]) -> Any:
    """Structures in three regions (one overseas), a military hospital, one user per role."""
    return world_build(make_user)


class Mailbox:
    """What a local SMTP server (aiosmtpd) received."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        from email import message_from_bytes, policy

        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(
            {"to": sorted(envelope.rcpt_tos), "subject": str(message["subject"]), "msg": message}
        )
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Any]:
        return [m for m in self.messages if address in m["to"]]


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server(settings: Any) -> Any:
    """A real SMTP server on 127.0.0.1; Django's SMTP backend is pointed at it."""
    from aiosmtpd.controller import Controller

    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    mailbox.controller = controller  # type: ignore[attr-defined]
    yield mailbox
    controller.stop()


@pytest.fixture
def run_worker(transactional_db: None) -> Iterator[Callable[..., None]]:
    """Run the Procrastinate worker until the queues are empty (jobs due now only)."""
    from procrastinate.contrib.django import app

    def run(queues: list[str] | None = None) -> None:
        from tests.factories import in_own_thread

        def work() -> None:
            with app.replace_connector(app.connector.get_worker_connector()) as worker_app:
                worker_app.run_worker(
                    wait=False, install_signal_handlers=False, listen_notify=False, queues=queues
                )

        # In its own thread: an event loop left running (Playwright's) would stop the
        # worker's asyncio.run().
        in_own_thread(work)

    yield run
    # Task threads keep their own connections open; the test database must be droppable.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        # The flush after a transactional test empties Django's tables, not Procrastinate's
        # (unmanaged models): a periodic job the worker deferred and left waiting in another
        # queue would make the next test's defer of that task clash on its queueing lock.
        cursor.execute("DELETE FROM procrastinate_periodic_defers")
        cursor.execute("DELETE FROM procrastinate_jobs")


@pytest.fixture
def make_declaration(db: None) -> Callable[..., Any]:
    """A draft for ``structure`` by ``by``, every step filled from complete_values()."""
    return declaration_draft


@pytest.fixture
def make_case(make_declaration: Callable[..., Any]) -> Callable[..., Any]:
    """Submit a complete declaration for ``structure`` by ``by``; return its open case."""
    from vigie.cases.models import Case
    from vigie.declarations.services import declaration_submit

    def make(structure: Structure, by: User, **overrides: Any) -> Case:
        draft = make_declaration(structure, by, **overrides)
        declaration = declaration_submit(declaration=draft, by=by)
        return Case.objects.get(declaration=declaration)

    return make
