"""A message naming no case becomes a declaration taken by the cell for a structure
(vigie/declarations/taken.py), pre-filled from the message, and follows its case."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import client_for
from tests.inbox.mails import mail
from vigie.cases.models import Case
from vigie.declarations.models import Declaration, DeclarationSource, IncidentType
from vigie.inbox.models import InboundMessage, MessageStatus
from vigie.inbox.services import message_receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def message(world: Any) -> InboundMessage:
    world.lyon.ssi_mailbox = "ssi@chu-lyon.fr"
    world.lyon.save()
    raw = mail(
        "Rançongiciel aux urgences",
        "Tous les postes des urgences affichent une demande de rançon.\nRappel : 06 12 34 56 78",
        sender="Jean Dupont <rssi@chu-lyon.fr>",
    )
    return message_receive(mailbox="fssi", raw=bytes(raw))[0]


def test_the_structure_is_suggested_from_the_sender_and_the_form_pre_filled(
    world: Any, message: InboundMessage
) -> None:
    client = client_for(world.acss)
    detail = client.get(f"/courriels/{message.pk}/").content.decode()
    assert f"/courriels/{message.pk}/declaration/" in detail
    search = client.get(f"/courriels/{message.pk}/declaration/").content.decode()
    assert 'data-testid="suggestion"' in search and world.lyon.name in search
    form = client.get(f"/courriels/{message.pk}/declaration/{world.lyon.finess}/")
    html = form.content.decode()
    assert form.status_code == 200
    assert 'value="Jean Dupont"' in html
    assert 'value="rssi@chu-lyon.fr"' in html
    assert "Rançongiciel aux urgences — Tous les postes" in html


def test_the_declaration_is_taken_and_the_message_follows_its_case(
    world: Any, message: InboundMessage
) -> None:
    client = client_for(world.acss)
    response = client.post(
        f"/courriels/{message.pk}/declaration/{world.lyon.finess}/",
        {
            "channel": "email",
            "declarant_name": "Jean Dupont",
            "declarant_email": "rssi@chu-lyon.fr",
            "declarant_phone": "06 12 34 56 78",
            "incident_type": IncidentType.objects.get(code="ransomware").pk,
            "description": "Rançongiciel aux urgences",
            "care_impact": "actual",
            "urgent_help": "1",
            "detected_at": "2026-03-14T06:45",
        },
    )
    declaration = Declaration.objects.get(structure=world.lyon)
    assert response.status_code == 302
    assert (declaration.source, declaration.taken_by) == (DeclarationSource.EMAIL, world.acss)
    case = Case.objects.get(declaration=declaration)
    message.refresh_from_db()
    assert (message.status, message.declaration, message.case) == (
        MessageStatus.DECLARED,
        declaration,
        case,
    )
    # The structure reads the e-mail on its case, as everyone who reads the case in full.
    page = client_for(world.declarant_lyon).get(f"/dossiers/{case.pk}/").content.decode()
    assert "Tous les postes des urgences" in page


def test_an_incomplete_form_records_nothing(world: Any, message: InboundMessage) -> None:
    response = client_for(world.acss).post(
        f"/courriels/{message.pk}/declaration/{world.lyon.finess}/",
        {"channel": "email", "declarant_name": "Jean Dupont", "declarant_email": "a@b.fr"},
    )
    assert response.status_code == 400
    assert not Declaration.objects.exists()
    assert InboundMessage.objects.get(pk=message.pk).status == MessageStatus.TO_SORT


def test_the_cell_cannot_take_for_a_military_hospital_from_a_message(
    world: Any, message: InboundMessage
) -> None:
    client = client_for(world.acss)
    assert (
        client.get(f"/courriels/{message.pk}/declaration/{world.military.finess}/").status_code
        == 404
    )
    search = client.get(f"/courriels/{message.pk}/declaration/?q=Bégin").content.decode()
    assert world.military.name not in search


@pytest.mark.parametrize("name", ["ars_ara", "declarant_lyon", "defence", "admin"])
def test_only_sorters_reach_these_pages(world: Any, message: InboundMessage, name: str) -> None:
    client = client_for(getattr(world, name))
    assert client.get(f"/courriels/{message.pk}/declaration/").status_code == 404
    assert (
        client.get(f"/courriels/{message.pk}/declaration/{world.lyon.finess}/").status_code == 404
    )


def test_a_sorted_message_cannot_become_a_declaration(world: Any, message: InboundMessage) -> None:
    from vigie.inbox.services import message_dismiss

    message_dismiss(message=message, by=world.acss, reason="Doublon")
    assert client_for(world.acss).get(f"/courriels/{message.pk}/declaration/").status_code == 404
