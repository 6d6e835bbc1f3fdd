"""oncall_now: who is on call for the FSSI or the cell at a given moment."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from vigie.directory.models import Role
from vigie.oncall.models import OnCallShift
from vigie.oncall.selectors import oncall_now

pytestmark = pytest.mark.django_db


def shift(person: Any, kind: str, start: Any, end: Any, by: Any) -> OnCallShift:
    return OnCallShift.objects.create(
        person=person, kind=kind, starts_at=start, ends_at=end, recorded_by=by
    )


def test_the_person_whose_shift_covers_the_moment(world: Any, make_user: Any) -> None:
    now = timezone.now()
    other_hfds = make_user(Role.HFDS)
    shift(world.hfds, "fssi", now - timedelta(hours=2), now + timedelta(hours=10), world.hfds)
    shift(other_hfds, "fssi", now + timedelta(hours=10), now + timedelta(hours=24), world.hfds)
    shift(world.acss, "cell", now - timedelta(hours=1), now + timedelta(hours=1), world.acss)

    assert oncall_now("fssi") == [world.hfds]
    assert oncall_now("cell", now) == [world.acss]
    # The end is exclusive: the next person takes over at that very minute.
    assert oncall_now("fssi", now + timedelta(hours=10)) == [other_hfds]
    assert oncall_now("fssi", now + timedelta(days=2)) == []
    assert oncall_now("cell", now - timedelta(hours=3)) == []


def test_someone_who_left_the_role_is_not_on_call(world: Any) -> None:
    now = timezone.now()
    shift(world.acss, "cell", now - timedelta(hours=1), now + timedelta(hours=1), world.acss)
    world.acss.memberships.update(revoked_at=now - timedelta(minutes=1))
    assert oncall_now("cell") == []


def test_a_closed_account_is_not_on_call(world: Any) -> None:
    now = timezone.now()
    shift(world.hfds, "fssi", now - timedelta(hours=1), now + timedelta(hours=1), world.hfds)
    world.hfds.is_active = False
    world.hfds.save()
    assert oncall_now("fssi") == []


def test_a_person_is_on_call_only_for_the_rota_of_their_role(world: Any) -> None:
    """The cell's rota holds ACSS analysts: an HFDS put there by mistake is not returned."""
    now = timezone.now()
    shift(world.hfds, "cell", now - timedelta(hours=1), now + timedelta(hours=1), world.acss)
    assert oncall_now("cell") == []
