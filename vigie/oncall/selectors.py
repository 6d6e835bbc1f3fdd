"""Reads on the rota. ``oncall_now`` is what other apps call (out-of-hours urgent
declarations here, unmatched mailbox messages elsewhere) to know whom to tell."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from vigie.directory.models import Membership, User
from vigie.oncall.models import KIND_ROLES, OnCallAtArrival, OnCallKind, OnCallShift


def _holders(kind: str) -> QuerySet[Membership]:
    """Active memberships of the role a person needs to be on call for ``kind``."""
    return Membership.objects.active().filter(role=KIND_ROLES[kind], user__is_active=True)


def oncall_now(kind: str, at: datetime | None = None) -> list[User]:
    """The people on call for ``kind`` (OnCallKind: "fssi" or "cell") at ``at`` (now by
    default), first to start first. Someone who no longer holds the role (left the cell,
    account closed) is never returned, whatever the rota still says."""
    moment = at or timezone.now()
    shifts = (
        OnCallShift.objects.filter(
            kind=OnCallKind(kind),
            starts_at__lte=moment,
            ends_at__gt=moment,
            person__in=_holders(kind).values("user_id"),
        )
        .select_related("person")
        .order_by("starts_at", "pk")
    )
    people: dict[int, User] = {}
    for shift in shifts:
        people.setdefault(shift.person_id, shift.person)
    return list(people.values())


def eligible_people(kind: str) -> QuerySet[User]:
    """Who may be put on call for ``kind``: the holders of its role, by name."""
    return User.objects.filter(is_active=True, pk__in=_holders(kind).values("user_id")).order_by(
        "last_name", "first_name", "email"
    )


@dataclass(frozen=True)
class KindBoard:
    kind: str
    label: str
    now: list[OnCallShift]
    next: OnCallShift | None


def rota_board(user: Any, at: datetime | None = None) -> list[KindBoard]:
    """For each kind: the shifts running at ``at`` and the next one to start."""
    moment = at or timezone.now()
    visible = OnCallShift.objects.visible_to(user).select_related("person")
    boards = []
    for kind in OnCallKind:
        shifts = visible.filter(kind=kind)
        boards.append(
            KindBoard(
                kind=kind.value,
                label=str(kind.label),
                now=list(shifts.filter(starts_at__lte=moment, ends_at__gt=moment)),
                next=shifts.filter(starts_at__gt=moment).order_by("starts_at", "pk").first(),
            )
        )
    return boards


# What the rota page lists: shifts still to come or running, and the recent past.
PAST_SHOWN = timedelta(days=14)


def rota_shifts(user: Any, at: datetime | None = None) -> list[OnCallShift]:
    moment = at or timezone.now()
    return list(
        OnCallShift.objects.visible_to(user)
        .filter(ends_at__gt=moment - PAST_SHOWN)
        .select_related("person", "recorded_by")
        .order_by("starts_at", "pk")
    )


def shift_get(user: Any, pk: int) -> OnCallShift | None:
    return OnCallShift.objects.visible_to(user).filter(pk=pk).first()


def oncall_at_arrival(user: Any, declaration_id: int) -> list[OnCallAtArrival]:
    """Who was on call when the declaration arrived, for a reader allowed to know."""
    return list(
        OnCallAtArrival.objects.visible_to(user)
        .filter(declaration_id=declaration_id)
        .select_related("person")
    )
