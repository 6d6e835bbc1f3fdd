"""Shared fixtures: reference data and one user per role, on a real PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.management import call_command

from vigie.declarations.reference import typology_load
from vigie.directory.models import (
    Departement,
    LegalEntity,
    Membership,
    Region,
    Role,
    Structure,
    StructureKind,
    User,
    Vendor,
)
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
    def make(
        finess: str,
        name: str,
        departement_code: str,
        kind: str = StructureKind.HEALTH_FACILITY,
        **extra: Any,
    ) -> Structure:
        dep = departement(departement_code)
        entity = extra.pop("legal_entity", None)
        return Structure.objects.create(
            finess=finess, name=name, kind=kind, departement=dep, legal_entity=entity, **extra
        )

    return make


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    counter = {"n": 0}

    def make(role: str | None = None, *, password: str | None = None, **target: Any) -> User:
        counter["n"] += 1
        user = User.objects.create_user(
            email=f"{role or 'user'}{counter['n']}@example.test",
            password=password,
            first_name="Test",
            last_name=f"{role or 'User'} {counter['n']}",
        )
        if role:
            Membership.objects.create(user=user, role=role, **target)
        return user

    return make


@pytest.fixture
def world(make_structure: Callable[..., Structure], make_user: Callable[..., User]) -> Any:
    """Structures in three regions (one overseas), a military hospital, one user per role."""

    class World:
        pass

    w = World()
    w.entity_lyon = LegalEntity.objects.create(
        finess="690781810", name="Hospices Civils de Lyon", departement=departement("69")
    )
    w.lyon = make_structure(
        "690784137",
        "Hôpital Édouard Herriot",
        "69",
        legal_entity=w.entity_lyon,
        nis2_category="essential",
        is_oiv=True,
    )
    w.lyon_lab = make_structure(
        "690000997", "Laboratoire Bioderm Lyon", "69", kind=StructureKind.BIOLOGY_LAB
    )
    w.paris = make_structure("750712184", "Hôpital Pitié-Salpêtrière", "75")
    w.reunion = make_structure("970408589", "CHU de La Réunion", "974")
    w.military = make_structure(
        "940810815", "HIA Bégin", "94", kind=StructureKind.MILITARY_HOSPITAL
    )
    w.vendor = Vendor.objects.create(name="Éditeur DPI", security_contact="psirt@editeur.test")
    w.declarant_lyon = make_user(Role.DECLARANT, structure=w.lyon)
    w.declarant_lyon_lab = make_user(Role.DECLARANT, structure=w.lyon_lab)
    w.member_lyon = make_user(Role.STRUCTURE_MEMBER, structure=w.lyon)
    w.declarant_reunion = make_user(Role.DECLARANT, structure=w.reunion)
    w.director_paris = make_user()
    w.paris.director = w.director_paris
    w.paris.save()
    w.acss = make_user(Role.ACSS_ANALYST)
    w.ars_ara = make_user(Role.ARS_OFFICER, region=region("84"))
    w.ars_idf = make_user(Role.ARS_OFFICER, region=region("11"))
    w.ars_reunion = make_user(Role.ARS_OFFICER, region=region("04"))
    w.hfds = make_user(Role.HFDS)
    w.dgs = make_user(Role.DGS)
    w.ansm = make_user(Role.ANSM)
    w.defence = make_user(Role.DEFENCE)
    w.vendor_contact = make_user(Role.VENDOR_CONTACT, vendor=w.vendor)
    w.admin = make_user(Role.ADMINISTRATOR)
    w.nobody = make_user()
    return w


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


@pytest.fixture
def make_declaration(db: None) -> Callable[..., Any]:
    """A draft for ``structure`` by ``by``, every step filled from complete_values()."""
    from tests.factories import complete_values
    from vigie.declarations.services import declaration_save, declaration_start
    from vigie.declarations.steps import STEPS

    def make(structure: Structure, by: User, **overrides: Any) -> Any:
        declaration = declaration_start(structure=structure, by=by)
        values = complete_values(**overrides)
        for step in STEPS:
            step_values = {name: values[name] for name in step.fields if name in values}
            declaration = declaration_save(
                declaration=declaration, by=by, step=step.slug, values=step_values
            )
        return declaration

    return make


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
