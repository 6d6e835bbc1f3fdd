"""Reads on the rota. ``oncall_now`` is what other apps call (out-of-hours urgent
declarations here, unmatched mailbox messages elsewhere) to know whom to tell."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import QuerySet
from django.utils import timezone

from vigie.core.sql import col
from vigie.directory.models import Membership, User
from vigie.oncall.models import KIND_ROLES, OnCallAtArrival, OnCallKind, OnCallShift


def _holders(kind: str) -> QuerySet[Membership]:
    """Active memberships of the role a person needs to be on call for ``kind``."""
    return Membership.objects.active().filter(role=KIND_ROLES[kind], user__is_active=True)


def oncall_now(kind: str, at: datetime | None = None) -> list[User]:
    """The people on call for ``kind`` (OnCallKind: "fssi" or "cell") at ``at`` (now by
    default), first to start first. Someone who no longer holds the role (left the cell,
    account closed) is never returned, whatever the rota still says."""
    return oncall_by_kind(at, kinds=[kind])[OnCallKind(kind).value]


_ONCALL_SQL: str | None = None


def oncall_rows_sql() -> str:
    """The shifts running at %(at)s of each kind of %(kinds)s (with its role in %(roles)s)
    whose person is active and holds the kind's role now (%(now)s): rows of (kind,
    person_id, starts_at, id, position of the kind in %(kinds)s). One fixed SELECT written
    once from the models' tables, for ``oncall_by_kind`` and the arrival's record to build
    on (compiled by the ORM, its two subqueries cost more than the rest of a
    declaration's arrival)."""
    global _ONCALL_SQL
    if _ONCALL_SQL is None:
        shift, user, membership = OnCallShift._meta, User._meta, Membership._meta

        _ONCALL_SQL = f"""
            SELECT s.{col(shift, "kind")} AS kind, s.{col(shift, "person")} AS person_id,
                   s.{col(shift, "starts_at")} AS starts_at, s.{col(shift, "id")} AS id,
                   wanted.position
              FROM "{shift.db_table}" s
              JOIN unnest(%(kinds)s::text[], %(roles)s::text[])
                   WITH ORDINALITY AS wanted(kind, role, position)
                ON wanted.kind = s.{col(shift, "kind")}
              JOIN "{user.db_table}" u ON u.{col(user, "id")} = s.{col(shift, "person")}
             WHERE s.{col(shift, "starts_at")} <= %(at)s AND s.{col(shift, "ends_at")} > %(at)s
               AND u.{col(user, "is_active")}
               AND EXISTS (
                   SELECT 1 FROM "{membership.db_table}" m
                    WHERE m.{col(membership, "user")} = s.{col(shift, "person")}
                      AND m.{col(membership, "role")} = wanted.role
                      AND m.{col(membership, "starts_at")} <= %(now)s
                      AND (m.{col(membership, "revoked_at")} IS NULL
                           OR m.{col(membership, "revoked_at")} > %(now)s))
        """  # noqa: S608 (identifiers from the models' metadata; every value is bound)
    return _ONCALL_SQL


def oncall_params(at: datetime | None, kinds: Iterable[str]) -> dict[str, Any]:
    """The values of ``oncall_rows_sql`` for ``kinds`` at ``at`` (now by default)."""
    values = [OnCallKind(kind).value for kind in kinds]
    return {
        "kinds": values,
        "roles": [str(KIND_ROLES[kind]) for kind in values],
        "at": at or timezone.now(),
        "now": timezone.now(),
    }


def oncall_by_kind(
    at: datetime | None = None, kinds: Iterable[str] = tuple(OnCallKind)
) -> dict[str, list[User]]:
    """``oncall_now`` for several kinds in one query: kind's value -> its people."""
    params = oncall_params(at, kinds)
    people: dict[str, dict[int, User]] = {kind: {} for kind in params["kinds"]}
    user = User._meta
    rows = User.objects.raw(
        f"""
        SELECT oncall.kind AS oncall_kind, u.*
          FROM ({oncall_rows_sql()}) oncall
          JOIN "{user.db_table}" u ON u."{user.pk.column}" = oncall.person_id
         ORDER BY oncall.starts_at, oncall.id
        """,  # noqa: S608 (identifiers from the models' metadata; every value is bound)
        params,
    )
    for person in rows:
        people[person.oncall_kind].setdefault(person.pk, person)
    return {kind: list(found.values()) for kind, found in people.items()}


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


_AT_ARRIVAL_SQL: str | None = None


def _at_arrival_sql() -> str:
    """Who was on call at the declaration's arrival (their person joined), and whether
    the FSSI was told of it as urgent out of hours: one fixed statement, no rule in it
    (see ``oncall_at_arrival_of_readable``)."""
    global _AT_ARRIVAL_SQL
    if _AT_ARRIVAL_SQL is None:
        from vigie.declarations.models import DeclarationRecipient

        arrival, user = OnCallAtArrival._meta, User._meta
        recipient = DeclarationRecipient._meta
        columns = ", ".join(
            [
                *(f'a."{f.column}"' for f in arrival.concrete_fields),
                *(f'u."{f.column}"' for f in user.concrete_fields),
            ]
        )
        _AT_ARRIVAL_SQL = f"""
            SELECT EXISTS (
                       SELECT 1 FROM "{recipient.db_table}" r
                        WHERE r.{col(recipient, "declaration")} = %(declaration)s
                          AND r.{col(recipient, "kind")} = %(kind)s
                          AND r.{col(recipient, "reasons")} @> %(reasons)s::varchar[]),
                   {columns}
              FROM (SELECT 1) one
              LEFT JOIN ("{arrival.db_table}" a
                         JOIN "{user.db_table}" u
                           ON u.{col(user, "id")} = a.{col(arrival, "person")})
                ON a.{col(arrival, "declaration")} = %(declaration)s
             ORDER BY a.{col(arrival, "kind")}, a.{col(arrival, "id")}
        """  # noqa: S608 (identifiers from the models' metadata; every value is bound)
    return _AT_ARRIVAL_SQL


def oncall_at_arrival_of_readable(
    declaration_id: int, *, kind: str, reasons: list[str]
) -> tuple[list[OnCallAtArrival], bool]:
    """``oncall_at_arrival`` and whether a recipient of ``kind`` holds ``reasons``, for a
    reader already known to read the declaration and to keep the rota: their rules are
    exactly that (vigie/oncall/scopes.py, vigie/declarations/scopes.py; both checked by
    tests/oncall/test_at_arrival_rules.py), so the statement restates neither."""
    with connection.cursor() as cursor:
        cursor.execute(
            _at_arrival_sql(), {"declaration": declaration_id, "kind": kind, "reasons": reasons}
        )
        rows = cursor.fetchall()
    arrival_fields = OnCallAtArrival._meta.concrete_fields
    user_fields = User._meta.concrete_fields
    n = len(arrival_fields)
    arrivals = []
    for row in rows:
        if row[1] is None:
            continue  # no arrival recorded: the row only says whether it was urgent
        arrival = OnCallAtArrival.from_db(
            DEFAULT_DB_ALIAS, [f.attname for f in arrival_fields], row[1 : 1 + n]
        )
        arrival.person = User.from_db(
            DEFAULT_DB_ALIAS, [f.attname for f in user_fields], row[1 + n :]
        )
        arrivals.append(arrival)
    return arrivals, bool(rows[0][0])
