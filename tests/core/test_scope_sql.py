"""scope_for's fixed SQL statement (issue 18) gives exactly what the ORM query it replaced
gave, for every role of the world and the edge cases of memberships and second factors."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.core.scoping_reference import scope_rows_orm
from vigie.core import scoping
from vigie.core.scoping import Scope, scope_for
from vigie.directory.models import Membership, Region, Role, Structure, User

pytestmark = pytest.mark.django_db


def world_users(world: Any) -> dict[str, User]:
    return {name: value for name, value in vars(world).items() if isinstance(value, User)}


def sort_key(row: Any) -> tuple[Any, ...]:
    return tuple((value is None, value) for value in row)


def scope_before(user: User, monkeypatch: pytest.MonkeyPatch) -> Scope:
    with monkeypatch.context() as patch:
        patch.setattr(scoping, "_scope_rows", scope_rows_orm)
        return scope_for(User.objects.get(pk=user.pk))


def assert_same(user: User, monkeypatch: pytest.MonkeyPatch) -> Scope:
    rows = scoping._scope_rows(user.pk)
    assert sorted(rows, key=sort_key) == sorted(scope_rows_orm(user.pk), key=sort_key)
    after = scope_for(User.objects.get(pk=user.pk))
    assert after == scope_before(user, monkeypatch)
    return after


def test_every_role_of_the_world_gets_the_same_scope(
    world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    users = world_users(world)
    assert len(users) == 16  # every role, the director and nobody
    for name, user in users.items():
        scope = assert_same(user, monkeypatch)
        assert scope.user_id == user.pk, name
    # Not vacuous: the roles carry what they should.
    assert scope_for(User.objects.get(pk=world.ars_ara.pk)).ars_region_ids
    assert scope_for(User.objects.get(pk=world.vendor_contact.pk)).vendor_ids
    assert scope_for(User.objects.get(pk=world.director_paris.pk)).directed_structure_ids


def test_dated_memberships_directed_structures_and_second_factors(
    world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = timezone.now()
    user = world.member_lyon
    # Active, revoked, not yet started, revoked in the future: only two of them count.
    Membership.objects.create(user=user, role=Role.DECLARANT, structure=world.paris)
    Membership.objects.create(
        user=user, role=Role.ARS_OFFICER, region=Region.objects.get(code="11"), revoked_at=now
    )
    Membership.objects.create(user=user, role=Role.HFDS, starts_at=now + timedelta(days=1))
    Membership.objects.create(
        user=user,
        role=Role.VENDOR_CONTACT,
        vendor=world.vendor,
        revoked_at=now + timedelta(days=1),
    )
    # Directs an active structure and a closed one.
    Structure.objects.filter(pk=world.reunion.pk).update(director=user)
    Structure.objects.filter(pk=world.military.pk).update(director=user, is_active=False)
    totp = TOTP.activate(user, generate_totp_secret()).instance
    codes = RecoveryCodes.activate(user).instance
    scope = assert_same(user, monkeypatch)
    assert scope.roles == {Role.STRUCTURE_MEMBER, Role.DECLARANT, Role.VENDOR_CONTACT}
    assert scope.declarant_structure_ids == {world.paris.pk, world.reunion.pk}
    assert scope.directed_structure_ids == {world.reunion.pk}
    assert scope.ars_region_ids == frozenset()
    assert scope.has_totp and scope.mfa_authenticator_ids == {totp.pk, codes.pk}


def test_recovery_codes_alone_are_no_totp(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    RecoveryCodes.activate(world.acss)
    scope = assert_same(world.acss, monkeypatch)
    assert not scope.has_totp and len(scope.mfa_authenticator_ids) == 1


def test_superuser_and_inactive_accounts(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    User.objects.filter(pk=world.nobody.pk).update(is_superuser=True)
    assert assert_same(world.nobody, monkeypatch).is_superuser
    User.objects.filter(pk=world.acss.pk).update(is_active=False)
    assert scope_for(User.objects.get(pk=world.acss.pk)) == scoping.ANONYMOUS_SCOPE


def test_one_statement_per_request(world: Any) -> None:
    for user in world_users(world).values():
        fresh = User.objects.get(pk=user.pk)
        with CaptureQueriesContext(connection) as queries:
            scope_for(fresh)
            scope_for(fresh)  # cached on the user for the rest of the request
        assert len(queries.captured_queries) == 1
        assert queries.captured_queries[0]["sql"].count("UNION ALL") == 2
