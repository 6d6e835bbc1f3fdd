"""The account page's list of roles (issue 18): one fixed statement instead of an ORM
join, the same memberships as visible_to gives, named as the page named them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone
from django.utils.translation import override

from tests.core.test_scope_sql import world_users
from tests.factories import client_for
from vigie.directory.models import Membership, Region, Role
from vigie.directory.selectors import roles_held

pytestmark = pytest.mark.django_db


def orm_roles(user: Any) -> list[tuple[str, str, Any]]:
    """What the page showed before: the user's active memberships through visible_to."""
    rows = []
    for m in (
        Membership.objects.visible_to(user)
        .active()
        .filter(user_id=user.pk)
        .select_related("structure", "region", "vendor")
        .order_by("role", "pk")
    ):
        target = m.structure or (m.region.ars_name if m.region else None) or m.vendor or ""
        rows.append((m.get_role_display(), str(target), m.starts_at))
    return rows


def test_same_roles_as_visible_to(world: Any) -> None:
    now = timezone.now()
    user = world.member_lyon
    Membership.objects.create(user=user, role=Role.DECLARANT, structure=world.paris)
    Membership.objects.create(user=user, role=Role.VENDOR_CONTACT, vendor=world.vendor)
    Membership.objects.create(
        user=user, role=Role.ARS_OFFICER, region=Region.objects.get(code="11"), revoked_at=now
    )
    Membership.objects.create(user=user, role=Role.HFDS, starts_at=now + timedelta(days=1))
    seen = 0
    for name, person in world_users(world).items():
        held = [(h.role_label, h.target, h.starts_at) for h in roles_held(person)]
        assert held == orm_roles(person), name
        seen += len(held)
    # Not vacuous: structures, a region's ARS and a vendor are named.
    targets = {h.target for h in roles_held(user)} | {h.target for h in roles_held(world.ars_ara)}
    assert world.vendor.name in targets and str(world.paris) in targets
    assert Region.objects.get(code="84").ars_name in targets
    assert seen >= 12


def test_the_account_page_lists_them(world: Any) -> None:
    page = client_for(world.ars_ara).get("/compte/profil/").content.decode()
    assert Region.objects.get(code="84").ars_name in page
    with override(settings.LANGUAGE_CODE):
        assert str(Role.ARS_OFFICER.label) in page
