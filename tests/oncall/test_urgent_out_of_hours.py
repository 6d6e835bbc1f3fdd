"""An urgent declaration out of the cell's business hours tells the people on call at
once (in-app and by e-mail, a subject of its own); the case keeps who was on call."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from vigie.declarations.models import Declaration
from vigie.declarations.services import declaration_submit
from vigie.directory.models import Role
from vigie.notifications.models import Notification, OutgoingEmail
from vigie.oncall.models import OnCallAtArrival, OnCallShift

PARIS = ZoneInfo("Europe/Paris")
# Saturday 28 November 2026, 02:00 in Paris: the cell is closed.
SATURDAY_NIGHT = datetime(2026, 11, 28, 2, 0, tzinfo=PARIS)
# Tuesday 24 November 2026, 10:00 in Paris: the cell is at work.
TUESDAY_MORNING = datetime(2026, 11, 24, 10, 0, tzinfo=PARIS)

pytestmark = pytest.mark.django_db


@pytest.fixture
def rota(world: Any, make_user: Any) -> Any:
    """The FSSI and one analyst on call all week end; another analyst the week before."""
    start = datetime(2026, 11, 27, 18, 0, tzinfo=PARIS)
    end = datetime(2026, 11, 30, 9, 0, tzinfo=PARIS)
    world.acss_off = make_user(Role.ACSS_ANALYST)
    for person, kind, s, e in (
        (world.hfds, "fssi", start, end),
        (world.acss, "cell", start, end),
        (world.acss_off, "cell", start - timedelta(days=7), end - timedelta(days=7)),
    ):
        OnCallShift.objects.create(
            person=person, kind=kind, starts_at=s, ends_at=e, recorded_by=world.hfds
        )
    return world


def submit(
    make_declaration: Callable[..., Declaration], structure: Any, by: Any, at: Any, **v: Any
) -> Declaration:
    return declaration_submit(declaration=make_declaration(structure, by, **v), by=by, at=at)


def oncall_emails(declaration: Declaration) -> list[OutgoingEmail]:
    return list(OutgoingEmail.objects.filter(topic=f"oncall:{declaration.pk}").order_by("pk"))


def test_people_on_call_are_told_of_an_urgent_declaration_at_night(
    rota: Any, make_declaration: Callable[..., Declaration]
) -> None:
    w = rota
    declaration = submit(
        make_declaration, w.lyon, w.declarant_lyon, SATURDAY_NIGHT, urgent_help=True
    )

    sent = oncall_emails(declaration)
    assert sorted(e.to[0] for e in sent) == sorted([w.hfds.email, w.acss.email])
    for email in sent:
        assert email.subject.startswith("[Astreinte] URGENT hors heures ouvrées — SSI-2026-")
        assert "Hôpital Édouard Herriot" in email.subject
        assert "Vous êtes d’astreinte" in email.body
        assert "04 72 00 00 00" in email.body  # whom to call back
    notices = Notification.objects.filter(topic=f"oncall:{declaration.pk}")
    assert {n.user_id for n in notices} == {w.hfds.pk, w.acss.pk}
    assert all(n.title.startswith("Astreinte : aide urgente") for n in notices)
    assert all(n.url == f"/declarations/{declaration.pk}/" for n in notices)
    # Who was on call is kept with the declaration, whoever is on call later.
    arrival = {(a.person_id, a.kind, a.notified) for a in OnCallAtArrival.objects.all()}
    assert arrival == {(w.hfds.pk, "fssi", True), (w.acss.pk, "cell", True)}
    OnCallShift.objects.all().delete()
    assert OnCallAtArrival.objects.filter(declaration=declaration).count() == 2


def test_nobody_on_call_is_disturbed_when_the_cell_is_at_work(
    world: Any, make_declaration: Callable[..., Declaration]
) -> None:
    OnCallShift.objects.create(
        person=world.hfds,
        kind="fssi",
        starts_at=TUESDAY_MORNING - timedelta(hours=2),
        ends_at=TUESDAY_MORNING + timedelta(hours=2),
        recorded_by=world.hfds,
    )
    declaration = submit(
        make_declaration, world.lyon, world.declarant_lyon, TUESDAY_MORNING, urgent_help=True
    )
    assert oncall_emails(declaration) == []
    assert not Notification.objects.filter(topic=f"oncall:{declaration.pk}").exists()
    # Still recorded: the case says who was on call, not told since the cell was at work.
    assert [(a.person_id, a.notified) for a in declaration.oncall_at_arrival.all()] == [
        (world.hfds.pk, False)
    ]


def test_a_declaration_that_is_not_urgent_waits_for_the_cell(
    rota: Any, make_declaration: Callable[..., Declaration]
) -> None:
    declaration = submit(make_declaration, rota.lyon, rota.declarant_lyon, SATURDAY_NIGHT)
    assert oncall_emails(declaration) == []
    assert not declaration.oncall_at_arrival.filter(notified=True).exists()


def test_overseas_night_is_read_on_the_cells_clock(
    rota: Any, make_declaration: Callable[..., Declaration]
) -> None:
    """07:00 on Saturday in La Réunion is 04:00 in Paris: the cell is closed, the people
    on call are told, as the FSSI mailbox is by the routing."""
    at = datetime(2026, 11, 28, 7, 0, tzinfo=ZoneInfo("Indian/Reunion"))
    declaration = submit(
        make_declaration, rota.reunion, rota.declarant_reunion, at, urgent_help=True
    )
    assert len(oncall_emails(declaration)) == 2


def test_a_military_hospital_stays_within_the_defence_chain(
    rota: Any, make_user: Any, make_declaration: Callable[..., Declaration]
) -> None:
    declarant = make_user(Role.DECLARANT, structure=rota.military)
    declaration = submit(
        make_declaration, rota.military, declarant, SATURDAY_NIGHT, urgent_help=True
    )
    assert oncall_emails(declaration) == []
    assert not OnCallAtArrival.objects.filter(declaration=declaration).exists()


def test_the_analyst_who_took_the_call_is_not_told_again(rota: Any) -> None:
    from vigie.declarations.models import IncidentType
    from vigie.declarations.taken import declaration_take

    declaration = declaration_take(
        structure=rota.lyon,
        by=rota.acss,
        channel="phone",
        values={
            "declarant_name": "Paul Girard",
            "declarant_phone": "06 11 22 33 44",
            "incident_type": IncidentType.objects.get(code="ransomware"),
            "description": "Réseau chiffré.",
            "care_impact": "actual",
            "urgent_help": True,
            "detected_at": SATURDAY_NIGHT - timedelta(minutes=30),
        },
        at=SATURDAY_NIGHT,
    )
    assert [e.to for e in oncall_emails(declaration)] == [[rota.hfds.email]]
    arrival = {(a.person_id, a.notified) for a in declaration.oncall_at_arrival.all()}
    assert arrival == {(rota.hfds.pk, True), (rota.acss.pk, False)}
