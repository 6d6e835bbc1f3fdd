from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from vigie.core.scoping import scope_for
from vigie.directory import services
from vigie.directory.models import Membership, Role, User
from vigie.notifications.models import OutgoingEmail

pytestmark = pytest.mark.django_db


def test_role_must_carry_the_right_target(world: Any) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=world.nobody, role=Role.ARS_OFFICER)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=world.nobody, role=Role.ACSS_ANALYST, structure=world.lyon)


def test_grant_refuses_a_missing_target_with_a_message(world: Any) -> None:
    with pytest.raises(ValidationError):
        services.membership_grant(user=world.nobody, role=Role.ARS_OFFICER, by=world.admin)


def test_only_an_administrator_grants_staff_roles(world: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.membership_grant(user=world.nobody, role=Role.HFDS, by=world.director_paris)
    services.membership_grant(user=world.nobody, role=Role.HFDS, by=world.admin)
    assert scope_for(world.nobody).has(Role.HFDS)


def test_director_designates_and_revokes_a_declarant(world: Any) -> None:
    invitation = services.declarant_invite(
        structure=world.paris,
        by=world.director_paris,
        email="Rssi@Paris.test",
        first_name="Léa",
        last_name="Dubois",
        job_title="RSSI",
    )
    assert invitation.email == "rssi@paris.test"
    assert not User.objects.filter(email="rssi@paris.test").exists()  # nothing granted yet
    person = services.invitation_accept_new_account(
        invitation=invitation,
        password="Un-Mot-De-Passe-Solide-2026",
        first_name="Léa",
        last_name="Dubois",
    )
    assert person.email == "rssi@paris.test" and person.job_title == "RSSI"
    assert person.check_password("Un-Mot-De-Passe-Solide-2026")
    assert scope_for(person).declarant_structure_ids == {world.paris.pk}
    delegation = Membership.objects.get(user=person, structure=world.paris)
    assert delegation.granted_by == world.director_paris

    # Designating again, accepted again: the same dated delegation.
    again = services.declarant_invite(
        structure=world.paris,
        by=world.director_paris,
        email="rssi@paris.test",
        first_name="Léa",
        last_name="Dubois",
    )
    assert services.invitation_accept(invitation=again, user=person).pk == delegation.pk

    with pytest.raises(ValidationError):
        services.membership_revoke(membership=delegation, by=world.director_paris, reason=" ")
    revoked = services.membership_revoke(
        membership=delegation, by=world.director_paris, reason="Départ de l'établissement"
    )
    assert revoked.revoked_at is not None and revoked.revoked_by == world.director_paris
    # Scopes are computed per request: a fresh load of the account has lost the right.
    person.refresh_from_db()
    assert scope_for(User.objects.get(pk=person.pk)).declarant_structure_ids == frozenset()
    # The delegation stays on record, with its history.
    assert Membership.objects.filter(pk=delegation.pk).exists()
    assert revoked.events.count() >= 2  # type: ignore[attr-defined]


def test_someone_else_cannot_designate(world: Any) -> None:
    for intruder in (world.declarant_lyon, world.ars_idf, world.acss):
        with pytest.raises(PermissionDenied):
            services.declarant_designate(structure=world.paris, user=world.nobody, by=intruder)


def test_someone_else_cannot_invite(world: Any) -> None:
    for intruder in (world.declarant_lyon, world.ars_idf, world.acss):
        with pytest.raises(PermissionDenied):
            services.declarant_invite(
                structure=world.paris,
                by=intruder,
                email="x@paris.test",
                first_name="X",
                last_name="Y",
            )


def test_designated_person_receives_an_invitation(world: Any) -> None:
    services.declarant_invite(
        structure=world.paris,
        by=world.director_paris,
        email="nouveau@paris.test",
        first_name="Paul",
        last_name="Petit",
    )
    [email] = OutgoingEmail.objects.filter(topic__startswith="invitation:")
    assert email.to == ["nouveau@paris.test"]
    assert "/structures/invitations/" in email.body
    assert "Bonjour Paul Petit" in email.body
