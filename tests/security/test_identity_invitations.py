"""E-mail addresses count only once verified, and a designation is an invitation the
designated person accepts from the address it was sent to.

The attack this closes: any account (a vendor contact) added the RSSI's address to its
own account and made it primary; the director then designated that address as declarant,
the existing account was reused with no invitation, and it read the structure's cases.
The director's page also answered differently for existing accounts, naming them."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from tests.factories import client_for
from vigie.core.scoping import scope_for
from vigie.directory.models import Membership, Role, User
from vigie.notifications.models import OutgoingEmail

pytestmark = pytest.mark.django_db

PASSWORD = "Correct-Horse-Battery-42"
TARGET = "rssi@paris.test"


@pytest.fixture(autouse=True)
def _clear_rate_limits() -> None:
    cache.clear()


def sign_in(user: User) -> Client:
    """A real sign-in (allauth records the password step: e-mail changes need it)."""
    user.set_password(PASSWORD)
    user.save()
    client = Client()
    response = client.post("/compte/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def designate(director: Client, structure: Any, email: str, first: str = "Léa") -> Any:
    return director.post(
        f"/structures/{structure.finess}/declarants/",
        {"email": email, "first_name": first, "last_name": "Dubois", "job_title": "RSSI"},
    )


def invitation_link(email: str) -> str:
    """The acceptance link of the last invitation e-mailed to ``email`` (its path)."""
    message = OutgoingEmail.objects.filter(to__contains=[email]).order_by("-pk").first()
    assert message is not None, f"no e-mail to {email}"
    match = re.search(r"https?://[^/\s]+(/structures/invitations/[^\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def flashed(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_hijacked_address_gets_no_delegation(world: Any, make_case: Any) -> None:
    case = make_case(world.paris, world.director_paris)
    attacker = world.vendor_contact
    own_address = attacker.email
    client = sign_in(attacker)

    # The attacker adds the RSSI's address to its account and tries to make it primary.
    client.post("/compte/email/", {"action_add": "", "email": TARGET})
    client.post("/compte/email/", {"action_primary": "", "email": TARGET})
    attacker.refresh_from_db()
    assert attacker.email == own_address
    pending = EmailAddress.objects.get(user=attacker, email=TARGET)
    assert not pending.verified and not pending.primary

    # The director designates the address: an invitation, no delegation to anybody yet.
    director = client_for(world.director_paris)
    assert designate(director, world.paris, TARGET).status_code == 302
    assert not Membership.objects.filter(structure=world.paris, role=Role.DECLARANT).exists()
    fresh = User.objects.get(pk=attacker.pk)
    assert world.paris.pk not in scope_for(fresh).declarant_structure_ids
    assert client.get(f"/structures/{world.paris.finess}/").status_code == 404
    assert client.get(f"/dossiers/{case.pk}/").status_code in (403, 404)

    # Even holding the link, the attacker's account is not that address's account.
    link = invitation_link(TARGET)
    assert client.get(link).status_code == 403
    refused = client.post(link)
    assert refused.status_code == 403
    assert "une autre adresse" in refused.content.decode()
    assert not Membership.objects.filter(user=attacker, structure=world.paris).exists()

    # The owner of the mailbox opens the link: an account is opened for the address.
    owner = Client()
    page = owner.get(link)
    assert page.status_code == 200 and "password_again" in page.content.decode()
    done = owner.post(
        link,
        {
            "first_name": "Léa",
            "last_name": "Dubois",
            "password": "Un-Mot-De-Passe-Solide-2026",
            "password_again": "Un-Mot-De-Passe-Solide-2026",
        },
    )
    assert done.status_code == 302
    rssi = User.objects.get(email=TARGET)
    assert rssi.pk != attacker.pk and rssi.check_password("Un-Mot-De-Passe-Solide-2026")
    assert EmailAddress.objects.filter(user=rssi, email=TARGET, verified=True).exists()
    assert not EmailAddress.objects.filter(user=attacker, email=TARGET).exists()
    delegation = Membership.objects.get(user=rssi, structure=world.paris, role=Role.DECLARANT)
    assert delegation.granted_by == world.director_paris
    assert owner.get(f"/structures/{world.paris.finess}/").status_code == 200


def test_a_new_address_becomes_the_main_one_only_once_verified(
    world: Any, mailoutbox: list[Any]
) -> None:
    user = world.declarant_lyon
    client = sign_in(user)
    client.post("/compte/email/", {"action_add": "", "email": "nouvelle@lyon.test"})
    refused = client.post(
        "/compte/email/", {"action_primary": "", "email": "nouvelle@lyon.test"}, follow=True
    )
    assert "Seule une adresse électronique vérifiée" in refused.content.decode()
    user.refresh_from_db()
    assert user.email != "nouvelle@lyon.test"  # not before the link is followed
    [message] = [m for m in mailoutbox if m.to == ["nouvelle@lyon.test"]]
    key = re.search(r"/compte/confirm-email/([^/\s]+)/", message.body)
    assert key
    client.post(f"/compte/confirm-email/{key.group(1)}/")
    user.refresh_from_db()
    assert user.email == "nouvelle@lyon.test"
    assert EmailAddress.objects.get(user=user, primary=True).email == "nouvelle@lyon.test"


def test_the_director_cannot_tell_whether_an_account_exists(world: Any) -> None:
    director = client_for(world.director_paris)
    existing = world.declarant_lyon  # "Test declarant 1"
    known = designate(director, world.paris, existing.email, first="Prénom")
    told_known = flashed(known)
    unknown = designate(  # from a session of its own: messages wait in the session
        client_for(world.director_paris), world.paris, "personne@paris.test", first="Prénom"
    )
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert told_known == flashed(unknown)
    assert told_known  # something is said
    page = director.get(known["Location"]).content.decode()
    assert existing.last_name not in page and existing.get_full_name() not in page
    assert not Membership.objects.filter(structure=world.paris, role=Role.DECLARANT).exists()
    # Both invitations e-mailed, alike.
    first, second = (
        OutgoingEmail.objects.get(to=[existing.email]),
        OutgoingEmail.objects.get(to=["personne@paris.test"]),
    )
    assert first.subject == second.subject
    strip = re.compile(r"https?://\S+")
    assert strip.sub("", first.body) == strip.sub("", second.body)


def test_an_existing_account_accepts_after_signing_in(world: Any) -> None:
    director = client_for(world.director_paris)
    person = world.declarant_lyon
    designate(director, world.paris, person.email)
    link = invitation_link(person.email)

    anonymous = Client()
    page = anonymous.get(link)
    assert page.status_code == 200
    assert "/compte/login/?next=" in page.content.decode()
    assert "password_again" not in page.content.decode()
    assert not User.objects.filter(email=person.email).exclude(pk=person.pk).exists()

    client = sign_in(person)
    confirm = client.get(link)
    assert confirm.status_code == 200 and world.paris.name in confirm.content.decode()
    assert client.post(link).status_code == 302
    assert Membership.objects.filter(user=person, structure=world.paris).exists()
    # The link proved the mailbox: the account's address now counts as verified.
    assert EmailAddress.objects.filter(user=person, email=person.email, verified=True).exists()


def test_acceptance_from_the_wrong_account_is_refused(world: Any) -> None:
    director = client_for(world.director_paris)
    designate(director, world.paris, "claire@paris.test")
    link = invitation_link("claire@paris.test")
    other = sign_in(world.member_lyon)
    for response in (other.get(link), other.post(link)):
        assert response.status_code == 403
        assert "Cette invitation a été envoyée à une autre adresse" in response.content.decode()
    assert not Membership.objects.filter(structure=world.paris, role=Role.DECLARANT).exists()


def test_used_expired_replaced_or_forged_links_are_refused_in_french(world: Any) -> None:
    from vigie.directory.models import Invitation

    director = client_for(world.director_paris)
    person = world.declarant_lyon
    designate(director, world.paris, person.email)
    link = invitation_link(person.email)
    client = sign_in(person)
    assert client.post(link).status_code == 302
    used = client.get(link)
    assert used.status_code == 410
    assert "Cette invitation a déjà été utilisée." in used.content.decode()

    designate(director, world.paris, "tardif@paris.test")
    late = invitation_link("tardif@paris.test")
    Invitation.objects.filter(email="tardif@paris.test").update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    expired = Client().get(late)
    assert expired.status_code == 410
    assert "Cette invitation a expiré" in expired.content.decode()
    assert Client().post(late, {"password": "x"}).status_code == 410
    assert not User.objects.filter(email="tardif@paris.test").exists()

    designate(director, world.paris, "double@paris.test")
    older = invitation_link("double@paris.test")
    designate(director, world.paris, "double@paris.test")
    replaced = Client().get(older)
    assert replaced.status_code == 410
    assert "remplacée" in replaced.content.decode()
    assert Client().get(invitation_link("double@paris.test")).status_code == 200

    forged = Client().get(older.replace("/invitations/", "/invitations/x"))
    assert forged.status_code == 404
    assert "Ce lien d’invitation n’est pas valide." in forged.content.decode()
