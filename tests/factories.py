"""Builders shared by the test packages."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from django.utils import timezone

from vigie.core.scoping import forget_scope
from vigie.declarations.models import IncidentType
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


def complete_values(**overrides: Any) -> dict[str, Any]:
    """Every field a submission needs, as a declarant would fill them."""
    values: dict[str, Any] = {
        "declarant_name": "Claire Martin",
        "declarant_function": "RSSI",
        "declarant_email": "claire.martin@chu.example.test",
        "declarant_phone": "04 72 00 00 00",
        "detected_at": timezone.now() - timedelta(hours=2),
        "incident_type": IncidentType.objects.get(code="ransomware"),
        "systems_affected": ["servers", "workstations"],
        "care_impact": "potential",
        "data_availability": True,
        "malicious": "yes",
        "can_handle_alone": "no",
        "help_needed": True,
        "description": "Chiffrement des serveurs de fichiers découvert à 1 h du matin.",
    }
    values.update(overrides)
    return values


def structure_create(
    finess: str,
    name: str,
    departement_code: str,
    kind: str = StructureKind.HEALTH_FACILITY,
    **extra: Any,
) -> Structure:
    dep = Departement.objects.get(code=departement_code)
    entity = extra.pop("legal_entity", None)
    return Structure.objects.create(
        finess=finess, name=name, kind=kind, departement=dep, legal_entity=entity, **extra
    )


class UserMaker:
    """Numbered users (``<role><n>@example.test``), each with one membership if given."""

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self.count = 0

    def __call__(
        self, role: str | None = None, *, password: str | None = None, **target: Any
    ) -> User:
        self.count += 1
        n = f"{self.prefix}{self.count}"
        user = User.objects.create_user(
            email=f"{role or 'user'}{n}@example.test",
            password=password,
            first_name="Test",
            last_name=f"{role or 'User'} {n}",
        )
        if role:
            Membership.objects.create(user=user, role=role, **target)
        return user


class World(SimpleNamespace):
    """The structures and users of world_build(), as attributes."""


def world_build(make_user: Any = None) -> Any:
    """Structures in three regions (one overseas), a military hospital, one user per role."""
    make_user = make_user or UserMaker()
    w = World()
    w.entity_lyon = LegalEntity.objects.create(
        finess="690781810",
        name="Hospices Civils de Lyon",
        departement=Departement.objects.get(code="69"),
    )
    w.lyon = structure_create(
        "690784137",
        "Hôpital Édouard Herriot",
        "69",
        legal_entity=w.entity_lyon,
        nis2_category="essential",
        is_oiv=True,
    )
    w.lyon_lab = structure_create(
        "690000997", "Laboratoire Bioderm Lyon", "69", kind=StructureKind.BIOLOGY_LAB
    )
    w.paris = structure_create("750712184", "Hôpital Pitié-Salpêtrière", "75")
    w.reunion = structure_create("970408589", "CHU de La Réunion", "974")
    w.military = structure_create(
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
    w.ars_ara = make_user(Role.ARS_OFFICER, region=Region.objects.get(code="84"))
    w.ars_idf = make_user(Role.ARS_OFFICER, region=Region.objects.get(code="11"))
    w.ars_reunion = make_user(Role.ARS_OFFICER, region=Region.objects.get(code="04"))
    w.hfds = make_user(Role.HFDS)
    w.dgs = make_user(Role.DGS)
    w.ansm = make_user(Role.ANSM)
    w.defence = make_user(Role.DEFENCE)
    w.vendor_contact = make_user(Role.VENDOR_CONTACT, vendor=w.vendor)
    w.admin = make_user(Role.ADMINISTRATOR)
    w.nobody = make_user()
    return w


def declaration_draft(structure: Structure, by: User, **overrides: Any) -> Any:
    """A draft for ``structure`` by ``by``, every step filled from complete_values()."""
    from vigie.declarations.services import declaration_save, declaration_start
    from vigie.declarations.steps import STEPS

    declaration = declaration_start(structure=structure, by=by)
    values = complete_values(**overrides)
    for step in STEPS:
        step_values = {name: values[name] for name in step.fields if name in values}
        declaration = declaration_save(
            declaration=declaration, by=by, step=step.slug, values=step_values
        )
    return declaration


def login_with_mfa(client: Client, user: Any) -> Client:
    """Sign ``user`` in on ``client`` as allauth does after the password and the code of
    their authenticator (created if missing): the session records both steps, which is
    what the MFA middleware checks."""
    from allauth.account.internal.flows.login import record_authentication
    from django.test import RequestFactory

    totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if totp is None:
        totp = TOTP.activate(user, generate_totp_secret()).instance
        forget_scope(user)  # a scope cached on this object still says "no TOTP"
    client.force_login(user)
    request = RequestFactory().get("/")
    request.session = client.session
    record_authentication(request, user, "password", email=user.email)
    record_authentication(request, user, "mfa", id=totp.pk, type=totp.type)
    request.session.save()
    return client


def client_for(user: Any) -> Client:
    """A signed-in client; staff roles get the authenticator they are required to have,
    and a session that passed it."""
    client = Client()
    if (
        user.is_staff
        or user.is_superuser
        or user.memberships.exclude(
            role__in=[Role.DECLARANT, Role.STRUCTURE_MEMBER, Role.VENDOR_CONTACT]
        ).exists()
    ):
        return login_with_mfa(client, user)
    client.force_login(user)
    return client


def in_own_thread(function: Any) -> Any:
    """Call ``function`` in a new thread and return its result (re-raising its error), so
    that asyncio.run() works even when an event loop is left running in this thread
    (Playwright's, after the browser tests)."""
    import threading

    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = function()
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def email_jobs(status: str | None = None) -> list[dict[str, Any]]:
    """The worker's e-mail sending jobs (procrastinate_jobs rows), oldest first;
    ``args`` is the JSON text of the task's arguments."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, status, args, worker_id FROM procrastinate_jobs "
            "WHERE task_name = 'notifications.email_send'"
            + (" AND status = %s" if status else "")
            + " ORDER BY id",
            [status] if status else [],
        )
        columns = [c[0] for c in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
