"""The case page tells the cell and the FSSI who was on call when the declaration
arrived; nobody else reads the rota there."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.factories import client_for
from vigie.declarations.models import Declaration
from vigie.declarations.services import declaration_submit
from vigie.oncall.models import OnCallShift

PARIS = ZoneInfo("Europe/Paris")
SATURDAY_NIGHT = datetime(2026, 11, 28, 2, 0, tzinfo=PARIS)

pytestmark = pytest.mark.django_db


def case_page(user: Any, declaration: Declaration) -> str:
    response = client_for(user).get(f"/dossiers/{declaration.case.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_who_was_on_call_and_was_alerted(
    world: Any, make_declaration: Callable[..., Declaration]
) -> None:
    OnCallShift.objects.create(
        person=world.hfds,
        kind="fssi",
        starts_at=SATURDAY_NIGHT - timedelta(hours=8),
        ends_at=SATURDAY_NIGHT + timedelta(hours=30),
        recorded_by=world.hfds,
    )
    draft = make_declaration(world.lyon, world.declarant_lyon, urgent_help=True)
    declaration = declaration_submit(declaration=draft, by=world.declarant_lyon, at=SATURDAY_NIGHT)
    # The rota changes afterwards: the case keeps who was on call then.
    OnCallShift.objects.all().delete()
    for reader in (world.acss, world.hfds):
        html = case_page(reader, declaration)
        assert "D’astreinte à l’arrivée" in html
        line = html.split('data-testid="oncall-at-arrival"')[1].split("</dd>")[0]
        assert f"{world.hfds.get_full_name()} (FSSI) — alerte envoyée aussitôt" in line
    for reader in (world.declarant_lyon, world.member_lyon, world.ars_ara):
        html = case_page(reader, declaration)
        assert "oncall-at-arrival" not in html
        assert world.hfds.get_full_name() not in html


def test_nobody_on_call_for_an_urgent_declaration_at_night_shows(
    world: Any, make_declaration: Callable[..., Declaration]
) -> None:
    draft = make_declaration(world.lyon, world.declarant_lyon, urgent_help=True)
    declaration = declaration_submit(declaration=draft, by=world.declarant_lyon, at=SATURDAY_NIGHT)
    line = case_page(world.acss, declaration).split('data-testid="oncall-at-arrival"')[1]
    assert "Personne n’était d’astreinte" in line.split("</dd>")[0]


def test_nothing_to_say_in_business_hours_with_nobody_on_call(
    world: Any, make_declaration: Callable[..., Declaration]
) -> None:
    tuesday = datetime(2026, 11, 24, 10, 0, tzinfo=PARIS)
    draft = make_declaration(world.lyon, world.declarant_lyon, urgent_help=True)
    declaration = declaration_submit(declaration=draft, by=world.declarant_lyon, at=tuesday)
    assert "oncall-at-arrival" not in case_page(world.acss, declaration)
