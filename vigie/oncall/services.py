"""Writes on the rota, and what happens when a declaration arrives. Each function is one
transaction; notifications leave on commit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from vigie.core.scoping import scope_for
from vigie.core.sql import col
from vigie.declarations.models import Declaration, DeclarationRecipient, RecipientKind
from vigie.directory.models import User
from vigie.notifications.services import email_queue, notification_create
from vigie.oncall.models import KIND_ROLES, OnCallAtArrival, OnCallKind, OnCallShift
from vigie.oncall.selectors import (
    eligible_people,
    oncall_by_kind,
    oncall_params,
    oncall_rows_sql,
)


def can_record(user: Any, kind: str) -> bool:
    """The cell keeps the cell's rota, the HFDS/FSSI the FSSI's."""
    return scope_for(user).has(KIND_ROLES[kind])


def recordable_kinds(user: Any) -> list[OnCallKind]:
    return [kind for kind in OnCallKind if can_record(user, kind)]


@transaction.atomic
def shift_record(
    *, by: User, kind: str, person: User, starts_at: datetime, ends_at: datetime
) -> OnCallShift:
    """Put ``person`` on call for ``kind`` from ``starts_at`` to ``ends_at``."""
    kind = OnCallKind(kind)
    if not can_record(by, kind):
        raise PermissionDenied(_("You cannot record this rota."))
    if not eligible_people(kind).filter(pk=person.pk).exists():
        raise ValidationError(
            {"person": _("This person does not hold the role needed for this rota.")}
        )
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("The end must come after the start.")})
    if ends_at <= timezone.now():
        raise ValidationError({"ends_at": _("This shift would already be over.")})
    # The person's shifts of this kind, locked: two recordings at once cannot overlap.
    mine = OnCallShift.objects.select_for_update().filter(person=person, kind=kind)
    if mine.filter(starts_at__lt=ends_at, ends_at__gt=starts_at).exists():
        raise ValidationError(
            {"starts_at": _("This person is already on call for this rota during that time.")}
        )
    return OnCallShift.objects.create(
        person=person, kind=kind, starts_at=starts_at, ends_at=ends_at, recorded_by=by
    )


@transaction.atomic
def shift_withdraw(*, shift: OnCallShift, by: User) -> OnCallShift | None:
    """Take a shift off the rota: one yet to start is removed, a running one ends now,
    one already over stays as it was (it is history). Returns the shift kept, if any."""
    locked = OnCallShift.objects.select_for_update().get(pk=shift.pk)
    if not can_record(by, locked.kind):
        raise PermissionDenied(_("You cannot record this rota."))
    now = timezone.now()
    if locked.ends_at <= now:
        raise ValidationError(_("This shift is over: it stays on the record."))
    if locked.starts_at > now:
        locked.delete()
        return None
    locked.ends_at = now
    locked.save(update_fields=["ends_at"])
    return locked


# --- a declaration arrives ---------------------------------------------------------------

OUT_OF_HOURS_URGENT = "out_of_hours_urgent"


def is_out_of_hours_urgent(recipients: list[DeclarationRecipient]) -> bool:
    """Routing alerted the FSSI because urgent help was asked for outside the cell's
    business hours (declarations.routing): the same rule, so the FSSI mailbox and the
    people on call are told of the same declarations."""
    return any(
        r.kind == RecipientKind.FSSI and OUT_OF_HOURS_URGENT in r.reasons for r in recipients
    )


def arrival_record(declaration: Declaration, recipients: list[DeclarationRecipient]) -> None:
    """Registered with declarations.services.on_submitted: record who is on call as the
    declaration arrives and, when it asks for urgent help out of hours, tell them at
    once (in-app and by e-mail). A military hospital's declaration stays within the
    defence chain (instruction 2.2): the rota of the FSSI and the cell is not involved."""
    if declaration.structure.is_military:
        return
    moment = declaration.submitted_at or timezone.now()
    if not is_out_of_hours_urgent(recipients):
        _arrival_insert(declaration, moment)  # nobody to tell: one statement
        return
    rows: list[OnCallAtArrival] = []
    on_call = oncall_by_kind(moment)
    for kind in OnCallKind:
        for person in on_call[kind.value]:
            told = (
                person.pk != declaration.taken_by_id
                and Declaration.objects.visible_to(person).filter(pk=declaration.pk).exists()
            )
            rows.append(
                OnCallAtArrival(declaration=declaration, person=person, kind=kind, notified=told)
            )
    OnCallAtArrival.objects.bulk_create(rows, ignore_conflicts=True)
    told_people = {row.person.pk: row.person for row in rows if row.notified}
    if told_people:
        _notify_urgent(declaration, list(told_people.values()))


def _arrival_insert(declaration: Declaration, moment: datetime) -> None:
    """Record the people on call at ``moment`` for ``declaration``, nobody told: what
    arrival_record writes then, in one statement (each person once per kind, in the
    order oncall_by_kind gives them)."""
    arrival = OnCallAtArrival._meta

    params = oncall_params(moment, OnCallKind)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO "{arrival.db_table}"
                   ({col(arrival, "declaration")}, {col(arrival, "person")}, {col(arrival, "kind")},
                    {col(arrival, "notified")})
            SELECT %(declaration)s, first.person_id, first.kind, false
              FROM (SELECT DISTINCT ON (kind, person_id) *
                      FROM ({oncall_rows_sql()}) oncall
                     ORDER BY kind, person_id, starts_at, id) first
             ORDER BY first.position, first.starts_at, first.id
            ON CONFLICT DO NOTHING
            """,  # noqa: S608 (identifiers from the models' metadata; every value is bound)
            {**params, "declaration": declaration.pk},
        )


def _notify_urgent(declaration: Declaration, people: list[User]) -> None:
    topic = f"oncall:{declaration.pk}"
    path = reverse("declarations:detail", args=[declaration.pk])
    structure = declaration.structure
    notification_create(
        users=people,
        title=_("On call: urgent help requested out of hours — %(reference)s — %(structure)s")
        % {"reference": declaration.reference, "structure": structure.name},
        body=declaration.description[:500],
        url=path,
        topic=topic,
    )
    for person in people:
        email_queue(
            to=[person.email],
            template="oncall/email/urgent",
            context={
                "declaration": declaration,
                "structure": structure,
                "person": person,
                "url": settings.SITE_URL + path,
            },
            topic=topic,
            purpose="oncall:urgent",
        )
