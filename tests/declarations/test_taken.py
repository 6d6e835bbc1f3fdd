"""A declaration taken by the cell for a structure: recorded from a call or an e-mail,
routed and acknowledged like any other, its case opened at once, then confirmed (or
corrected) by the structure. Tested as the people who would abuse it, too."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.utils import timezone

from tests.factories import client_for
from vigie.cases.models import Case, EventKind
from vigie.declarations.models import Declaration, IncidentType
from vigie.declarations.taken import declaration_confirm, declaration_take
from vigie.directory.models import Role
from vigie.notifications.models import Notification, OutgoingEmail

pytestmark = pytest.mark.django_db


def heard(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "channel": "phone",
        "declarant_name": "Paul Girard",
        "declarant_function": "Directeur des systèmes d’information",
        "declarant_phone": "06 11 22 33 44",
        "declarant_email": "",
        "incident_type": IncidentType.objects.get(code="ransomware").pk,
        "description": "Tout le réseau est chiffré, messagerie hors service.",
        "care_impact": "actual",
        "urgent_help": "1",
        "detected_at": (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
    }
    values.update(overrides)
    return values


def take(client: Client, structure: Any, **overrides: Any) -> Any:
    return client.post(f"/declarations/prise/{structure.finess}/", heard(**overrides))


def taken(world: Any, **overrides: Any) -> Declaration:
    response = take(client_for(world.acss), world.lyon, **overrides)
    assert response.status_code == 302, response.content.decode()[:3000]
    return Declaration.objects.get(taken_by=world.acss)


def test_the_cell_records_a_call_routed_and_opened_at_once(world: Any) -> None:
    declaration = taken(world, declarant_email="paul.girard@chu-lyon.test")
    assert declaration.source == "phone" and declaration.taken_by == world.acss
    assert declaration.structure == world.lyon and declaration.reference.startswith("SSI-")
    assert declaration.awaits_confirmation and declaration.is_incomplete
    assert declaration.help_needed and declaration.urgent_help
    # Routed like any other: the ARS, the cell; the FSSI and the ANSSI for an OIV.
    kinds = set(declaration.recipients.values_list("kind", flat=True))
    assert {"ars", "acss", "fssi", "anssi"} <= kinds
    # The same acknowledgement, to the caller, listing the entities alerted.
    ack = OutgoingEmail.objects.get(
        topic=f"declaration:{declaration.pk}", purpose="acknowledgement"
    )
    assert "paul.girard@chu-lyon.test" in ack.to
    assert "Agence régionale de santé Auvergne-Rhône-Alpes" in ack.body or "ARS" in ack.body
    # The case is open, and its timeline says how it arrived.
    case = Case.objects.get(declaration=declaration)
    page = client_for(world.acss).get(f"/dossiers/{case.pk}/").content.decode()
    assert f"Déclaration reçue par téléphone par {world.acss.get_full_name()}" in page
    assert 'data-testid="taken-badge"' in page


def test_an_e_mail_received_says_so(world: Any) -> None:
    declaration = taken(world, channel="email", declarant_phone="", declarant_email="dsi@h.test")
    assert declaration.source == "email"
    case = Case.objects.get(declaration=declaration)
    page = client_for(world.hfds).get(f"/dossiers/{case.pk}/").content.decode()
    assert f"Déclaration reçue par courriel par {world.acss.get_full_name()}" in page


def test_a_call_needs_a_number_to_call_back(world: Any) -> None:
    response = take(client_for(world.acss), world.lyon, declarant_phone="")
    assert response.status_code == 400
    assert "Indiquez un numéro de téléphone pour la rappeler." in response.content.decode()
    assert not Declaration.objects.exists()
    # An e-mail with neither an address nor a number to answer to.
    response = take(client_for(world.acss), world.lyon, channel="email", declarant_phone="")
    assert response.status_code == 400
    assert not Declaration.objects.exists()


def test_the_structure_is_asked_to_confirm_or_correct(world: Any) -> None:
    declaration = taken(world)
    case = Case.objects.get(declaration=declaration)
    asked = OutgoingEmail.objects.filter(topic=f"case:{case.pk}", purpose="taken:confirm")
    addresses = {address for email in asked for address in email.to}
    assert world.declarant_lyon.email in addresses
    assert world.ars_ara.email not in addresses and world.declarant_lyon_lab.email not in addresses
    body = asked.first().body  # type: ignore[union-attr]
    assert "merci de la confirmer" in asked.first().subject  # type: ignore[union-attr]
    assert f"/declarations/{declaration.pk}/" in body
    notices = Notification.objects.filter(topic=f"case:{case.pk}", user=world.declarant_lyon)
    assert notices.count() == 1
    # The declarant's page shows it as taken for the structure, with confirm and correct.
    page = client_for(world.declarant_lyon).get(f"/declarations/{declaration.pk}/")
    html = page.content.decode()
    assert "Déclaration prise pour le compte de la structure" in html
    assert 'data-testid="confirm"' in html
    assert f'href="/declarations/{declaration.pk}/completer/"' in html
    # So do the lists.
    listing = client_for(world.declarant_lyon).get("/declarations/").content.decode()
    assert 'data-testid="taken-badge"' in listing
    queue = client_for(world.acss).get("/dossiers/?status=open").content.decode()
    assert 'data-testid="taken-badge"' in queue


def test_confirmation_by_a_declarant_of_the_structure(world: Any) -> None:
    declaration = taken(world)
    response = client_for(world.declarant_lyon).post(f"/declarations/{declaration.pk}/confirmer/")
    assert response.status_code == 302
    declaration.refresh_from_db()
    assert declaration.confirmed_by == world.declarant_lyon and not declaration.awaits_confirmation
    case = Case.objects.get(declaration=declaration)
    event = case.timeline.get(kind=EventKind.CONFIRMED)
    assert event.actor == world.declarant_lyon
    # The person who took it is told; the badges are gone.
    assert Notification.objects.filter(user=world.acss, topic=f"case:{case.pk}").exists()
    html = client_for(world.acss).get(f"/dossiers/{case.pk}/").content.decode()
    assert 'data-testid="taken-badge"' not in html
    assert "Déclaration confirmée par la structure" in html
    detail = client_for(world.declarant_lyon).get(f"/declarations/{declaration.pk}/")
    assert 'data-testid="confirm"' not in detail.content.decode()
    # Twice is refused.
    again = client_for(world.declarant_lyon).post(f"/declarations/{declaration.pk}/confirmer/")
    assert again.status_code == 403


def test_the_director_confirms_too(world: Any) -> None:
    response = take(client_for(world.hfds), world.paris)
    assert response.status_code == 302
    declaration = Declaration.objects.get(taken_by=world.hfds)
    declaration_confirm(declaration=declaration, by=world.director_paris)
    declaration.refresh_from_db()
    assert declaration.confirmed_by == world.director_paris


@pytest.mark.parametrize("who", ["declarant_lyon_lab", "member_lyon", "acss", "ars_ara", "hfds"])
def test_nobody_else_confirms(world: Any, who: str) -> None:
    declaration = taken(world)
    response = client_for(getattr(world, who)).post(f"/declarations/{declaration.pk}/confirmer/")
    # Those who cannot even read it get a 404, the others a 403: never a confirmation.
    assert response.status_code in (403, 404)
    with pytest.raises(PermissionDenied):
        declaration_confirm(declaration=declaration, by=getattr(world, who))
    declaration.refresh_from_db()
    assert declaration.confirmed_at is None


@pytest.mark.parametrize(
    "who", ["ars_ara", "declarant_lyon", "member_lyon", "dgs", "ansm", "admin", "nobody"]
)
def test_only_the_cell_the_fssi_and_the_defence_chain_take(world: Any, who: str) -> None:
    user = getattr(world, who)
    client = client_for(user)
    assert client.get("/declarations/prise/").status_code == 403
    assert client.get(f"/declarations/prise/{world.lyon.finess}/").status_code == 403
    assert take(client, world.lyon).status_code == 403
    with pytest.raises(PermissionDenied):
        declaration_take(structure=world.lyon, by=user, channel="phone", values={})
    assert not Declaration.objects.exists()


def test_a_military_hospital_is_neither_offered_nor_accepted_for_the_cell(world: Any) -> None:
    for user in (world.acss, world.hfds):
        client = client_for(user)
        found = client.get("/declarations/prise/", {"q": "Bégin"}).content.decode()
        assert "HIA Bégin" not in found and 'data-testid="no-result"' in found
        assert client.get(f"/declarations/prise/{world.military.finess}/").status_code == 404
        assert take(client, world.military).status_code == 404
        with pytest.raises(PermissionDenied):
            declaration_take(structure=world.military, by=user, channel="phone", values={})
    assert not Declaration.objects.exists()


def test_the_defence_chain_takes_for_military_hospitals_only(world: Any) -> None:
    client = client_for(world.defence)
    assert "HIA Bégin" in client.get("/declarations/prise/", {"q": "bégin"}).content.decode()
    found = client.get("/declarations/prise/", {"q": "herriot"}).content.decode()
    assert "Hôpital Édouard Herriot" not in found
    assert take(client, world.lyon).status_code == 404
    assert take(client, world.military).status_code == 302
    declaration = Declaration.objects.get()
    assert set(declaration.recipients.values_list("kind", flat=True)) == {"defence", "ars"}


def test_the_cell_finds_structures_by_name_or_finess(world: Any) -> None:
    client = client_for(world.acss)
    by_name = client.get("/declarations/prise/", {"q": "herriot"}).content.decode()
    assert "Hôpital Édouard Herriot" in by_name
    by_finess = client.get("/declarations/prise/", {"q": "69 078 413"}).content.decode()
    assert "Hôpital Édouard Herriot" in by_finess and "Laboratoire" not in by_finess


def test_a_password_only_session_takes_nothing(world: Any) -> None:
    TOTP.activate(world.acss, generate_totp_secret())
    client = Client()
    client.force_login(world.acss)
    request = RequestFactory().get("/")
    request.session = client.session
    record_authentication(request, world.acss, "password", email=world.acss.email)
    request.session.save()
    for response in (client.get("/declarations/prise/"), take(client, world.lyon)):
        assert response.status_code == 302
        assert response["Location"].startswith("/compte/2fa/reauthenticate/")
    assert not Declaration.objects.exists()


def test_the_taker_is_not_the_one_asked(world: Any, make_user: Any) -> None:
    """An analyst who is also a declarant of the structure does not confirm their own
    record: someone of the structure must."""
    from vigie.directory.models import Membership

    Membership.objects.create(user=world.acss, role=Role.DECLARANT, structure=world.lyon)
    declaration = taken(world)
    with pytest.raises(PermissionDenied):
        declaration_confirm(declaration=declaration, by=world.acss)
