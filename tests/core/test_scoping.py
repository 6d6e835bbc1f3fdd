"""Every role against every directory list: exactly what each one may see."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from vigie.core.scoping import registered_models, scope_for, visible_to
from vigie.directory.models import LegalEntity, Membership, Region, Structure, User

pytestmark = pytest.mark.django_db


def visible_finess(user: Any) -> set[str]:
    return set(Structure.objects.visible_to(user).values_list("finess", flat=True))


ALL = {"lyon", "lyon_lab", "paris", "reunion", "military"}

EXPECTED_STRUCTURES = {
    "declarant_lyon": {"lyon"},
    "member_lyon": {"lyon"},
    "declarant_reunion": {"reunion"},
    "director_paris": {"paris"},
    "acss": ALL,
    "ars_ara": {"lyon", "lyon_lab"},
    "ars_idf": {"paris", "military"},
    "ars_reunion": {"reunion"},
    "hfds": ALL,
    "dgs": ALL,
    "ansm": ALL,
    "defence": {"military"},
    "vendor_contact": set(),
    "admin": ALL,
    "nobody": set(),
}


@pytest.mark.parametrize(("role", "expected"), sorted(EXPECTED_STRUCTURES.items()))
def test_structures_visible_per_role(world: Any, role: str, expected: set[str]) -> None:
    user = getattr(world, role)
    assert visible_finess(user) == {getattr(world, key).finess for key in expected}


def test_anonymous_sees_no_structure_but_public_reference(world: Any) -> None:
    anonymous = AnonymousUser()
    assert not Structure.objects.visible_to(anonymous).exists()
    assert Region.objects.visible_to(anonymous).count() == 18


def test_revoked_delegation_removes_visibility(world: Any) -> None:
    membership = Membership.objects.get(user=world.declarant_lyon)
    membership.revoked_at = membership.starts_at
    membership.save()
    fresh = User.objects.get(pk=world.declarant_lyon.pk)
    assert visible_finess(fresh) == set()
    assert scope_for(fresh).declarant_structure_ids == frozenset()


def test_deactivated_account_sees_nothing(world: Any) -> None:
    world.acss.is_active = False
    world.acss.save()
    fresh = User.objects.get(pk=world.acss.pk)
    assert visible_finess(fresh) == set()


def test_director_is_a_declarant_of_the_structure(world: Any) -> None:
    scope = scope_for(world.director_paris)
    assert scope.declarant_structure_ids == {world.paris.pk}
    assert scope.directed_structure_ids == {world.paris.pk}


def test_legal_entities_follow_structures(world: Any) -> None:
    assert list(LegalEntity.objects.visible_to(world.ars_ara)) == [world.entity_lyon]
    assert not LegalEntity.objects.visible_to(world.ars_idf).exists()
    assert not LegalEntity.objects.visible_to(world.declarant_reunion).exists()


@pytest.mark.parametrize(
    "role", ["declarant_lyon", "ars_ara", "acss", "hfds", "vendor_contact", "nobody"]
)
def test_people_see_only_themselves(world: Any, role: str) -> None:
    user = getattr(world, role)
    assert list(User.objects.visible_to(user)) == [user]
    assert set(Membership.objects.visible_to(user)) == set(Membership.objects.filter(user=user))


def test_director_sees_the_people_of_the_structure(world: Any) -> None:
    declarant = User.objects.create_user(email="delegue@paris.test")
    Membership.objects.create(user=declarant, role="declarant", structure=world.paris)
    assert set(User.objects.visible_to(world.director_paris)) == {world.director_paris, declarant}


def test_administrator_sees_accounts(world: Any) -> None:
    assert User.objects.visible_to(world.admin).count() == User.objects.count()


def test_model_without_rule_is_invisible(world: Any) -> None:
    from django.contrib.contenttypes.models import ContentType

    assert ContentType not in registered_models()
    assert not visible_to(ContentType.objects.all(), world.admin).exists()


def test_every_vigie_model_has_a_rule() -> None:
    """Every model of Vigie registers a visibility rule, domain models included. Only
    django-pghistory's audit tables (recognised by their base class, not by their name)
    are read through the admin only."""
    from django.apps import apps
    from pghistory.models import Event

    vigie_models = [
        model
        for model in apps.get_models()
        if model.__module__.startswith("vigie.") and not issubclass(model, Event)
    ]
    assert len(vigie_models) > 30  # the filter above did not empty the list
    missing = [m.__name__ for m in vigie_models if m not in registered_models()]
    assert missing == []
