"""vigie.core.batch writes a submission's rows from a statement written once (issue 18):
the rows must be those Django's own INSERTs write (bulk_create, save()), value for value,
and the table's limits must refuse what they refused."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
from django.db import DataError, transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from vigie.core import batch
from vigie.declarations.models import Declaration, DeclarationRecipient, RecipientKind
from vigie.notifications.models import Notification, OutgoingEmail

pytestmark = pytest.mark.django_db


def stored(objs: list[Any]) -> list[dict[str, Any]]:
    """Every concrete column of ``objs`` as read back, but their primary keys."""
    model = type(objs[0])
    rows = model.objects.filter(pk__in=[obj.pk for obj in objs]).order_by("pk")
    names = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
    return [{name: getattr(row, name) for name in names} for row in rows]


def messages(
    world: Any, declaration: Declaration, moment: Any
) -> tuple[list[Any], list[Any], list[Any]]:
    """Rows like a submission's: text with quotes, accents, new lines, arrays, nulls."""
    recipients = [
        DeclarationRecipient(
            declaration=declaration,
            kind=RecipientKind.ARS,
            region=world.lyon.departement.region,
            email="ars@ars.example.test",
            reasons=["ARS compétente « Auvergne »", 'quote " and \\ backslash'],
        ),
        DeclarationRecipient(
            declaration=declaration,
            kind=RecipientKind.ACSS,
            region=None,
            email="cellule@acss.example.test",
            reasons=[],
            notice_only=True,
        ),
    ]
    emails = [
        OutgoingEmail(
            to=["a@example.test", "b@example.test"],
            subject="Déclaration SSI-2026-00001 : rançongiciel — CHU (69)",
            body="Ligne 1\nLigne 2\t« guillemets » 'apostrophe' 😀\n",
            topic="declaration:1",
            purpose="routed:ars",
            created_at=moment,
        ),
        OutgoingEmail(
            to=["c@example.test"], subject="", body="", topic="", purpose="", created_at=moment
        ),
    ]
    notices = [
        Notification(
            user=world.acss, title="Titre", body="", url="/d/1/", topic="t", created_at=moment
        ),
        Notification(
            user=world.hfds, title="x" * 255, body="corps\n", url="", topic="t", created_at=moment
        ),
    ]
    return recipients, emails, notices


def test_the_rows_are_those_bulk_create_writes(world: Any, make_declaration: Any) -> None:
    declaration = make_declaration(world.lyon, world.declarant_lyon)
    moment = timezone.now() - timedelta(microseconds=123457)
    fast = messages(world, declaration, moment)
    batch.insert_together(*fast)
    # The reference: the same objects written by Django's compiled INSERTs, another
    # declaration's recipients (one per kind and declaration).
    other = make_declaration(world.lyon, world.declarant_lyon)
    compiled = messages(world, other, moment)
    for recipient in compiled[0]:
        recipient.declaration = other
    batch.insert_compiled(*compiled)
    for ours, theirs in zip(fast, compiled, strict=True):
        assert all(obj.pk is not None and not obj._state.adding for obj in ours)
        # Primary keys given in the order of the objects.
        assert [obj.pk for obj in ours] == sorted(obj.pk for obj in ours)
        expected = stored(theirs)
        if isinstance(theirs[0], DeclarationRecipient):
            for row in expected:
                row["declaration_id"] = declaration.pk
        assert stored(ours) == expected
    created = OutgoingEmail.objects.get(pk=fast[1][0].pk).created_at
    assert created == fast[1][0].created_at  # microseconds and time zone kept


def test_too_long_is_refused_not_cut(world: Any) -> None:
    """The JSON columns are typed without their length: the column's own refuses."""
    with pytest.raises(DataError), transaction.atomic():
        batch.insert_together([Notification(user=world.acss, title="x" * 256)])
    with pytest.raises(DataError), transaction.atomic():
        batch.insert_together([OutgoingEmail(to=["a" * 250 + "@example.test"], subject="s")])


def test_values_json_would_change_go_through_django(world: Any) -> None:
    with mock.patch.object(batch, "insert_compiled") as compiled:
        batch.insert_together([Notification(user=world.acss, title="t", body="nul \x00 byte")])
    compiled.assert_called_once()
    # Django makes a naive datetime aware before the JSON sees it; one that stays naive,
    # or a type JSON would turn into another (decimal, float, bytes) is not carried.
    for value in (timezone.now().replace(tzinfo=None), Decimal("1.10"), 1.5, b"x", [Decimal(1)]):
        assert batch._json_value(value) is batch._UNFIT


def test_insert_unless_conflict(world: Any) -> None:
    detected = timezone.now()

    def declaration() -> Declaration:
        return Declaration(
            structure=world.lyon,
            created_by=world.declarant_lyon,
            external_id="PORTAIL-1",
            declarant_name="Claire « RSSI »",
            systems_affected=["servers", "workstations"],
            draft_data={"step": {"nested": ["a", 1, None, True]}, "é": 1.5},
            detected_at=detected,
        )

    first = declaration()
    assert batch.insert_unless_conflict(first) is True
    assert first.pk is not None and not first._state.adding
    again = declaration()
    assert batch.insert_unless_conflict(again) is False
    assert again.pk is None
    assert Declaration.objects.filter(external_id="PORTAIL-1").count() == 1
    # What save() would have written.
    reference = declaration()
    reference.external_id = "PORTAIL-2"
    reference.save()
    mine = model_to_dict(Declaration.objects.get(pk=first.pk), exclude=["id", "external_id"])
    theirs = model_to_dict(Declaration.objects.get(pk=reference.pk), exclude=["id", "external_id"])
    assert abs(mine.pop("created_at") - theirs.pop("created_at")) < timedelta(seconds=5)
    assert mine == theirs


def test_values_kept_as_they_are_are_those_django_prepares(
    world: Any, make_declaration: Any, monkeypatch: Any
) -> None:
    """The values _document takes as they are (batch._kept) are what Django's
    preparation gives, for every model a submission writes."""
    from vigie.cases.models import Case, TimelineEvent

    declaration = make_declaration(world.lyon, world.declarant_lyon)
    moment = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: moment)  # auto_now: the same both times
    case = Case(
        declaration=declaration, reference="SSI-2026-00001", structure=world.lyon, region_id=None
    )
    objs: list[list[Any]] = [
        *messages(world, declaration, moment),
        [declaration],
        [case],
        [TimelineEvent(case=case, kind="opened", to_status="new", data={"at_declaration": 1})],
    ]
    case.pk = 1  # as if written: the event refers to it
    connection = batch.connections["default"]
    kinds = {}
    fast = []
    for group in objs:
        fields = batch._insert_fields(type(group[0]))
        kinds.update({f"{type(group[0]).__name__}.{f.name}": batch._kept(f) for f in fields})
        fast.append(batch._document(group, fields, connection))
    monkeypatch.setattr(batch, "_PLANS", {})
    monkeypatch.setattr(batch, "_kept", lambda field: None)
    django = [
        batch._document(group, batch._insert_fields(type(group[0])), connection) for group in objs
    ]
    assert fast == django and None not in fast
    # Not vacuous: most values are taken as they are; the rest goes through Django.
    assert kinds["Notification.title"] is str and kinds["Notification.user"] is int
    assert kinds["Notification.created_at"] is datetime and kinds["OutgoingEmail.attempts"] is int
    assert kinds["Declaration.help_needed"] is bool and kinds["Case.declaration"] is int
    assert kinds["OutgoingEmail.to"] is None and kinds["Declaration.draft_data"] is None
    assert kinds["Declaration.updated_at"] is None  # auto_now: pre_save sets it


def test_the_update_is_the_one_django_compiles(
    world: Any, make_declaration: Any, monkeypatch: Any
) -> None:
    """save_sql's statement written once: the compiler's text and values, but for a NULL
    bound where the compiler writes it out (the same row either way)."""
    from django.db import connection
    from django.db.models.expressions import RawSQL

    from vigie.declarations.services import SUBMISSION_FIELDS

    declaration = make_declaration(world.lyon, world.declarant_lyon)
    moment = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: moment)  # updated_at: the same both times
    declaration.submitted_at = declaration.completed_at = moment
    declaration.submitted_by = world.declarant_lyon
    declaration.draft_data = {"é": ["x", 1]}
    fields = ("status", *SUBMISSION_FIELDS)

    def both(**expressions: Any) -> tuple[Any, Any]:
        sql, params = batch.save_sql(declaration, fields, **expressions)
        meta = Declaration._meta
        values = [
            (
                f,
                None,
                expressions[f.name] if f.name in expressions else f.pre_save(declaration, False),
            )
            for f in meta.local_concrete_fields
            if not f.primary_key
            and (f.name in fields or f.name in expressions or f.name == "updated_at")
        ]
        return (sql, params), batch.update_compiled(declaration, values, connection)

    (sql, params), (django_sql, django_params) = both(reference=RawSQL("%s || 'x'", ["SSI"]))
    assert sql == django_sql
    assert [getattr(p, "obj", p) for p in params] == [getattr(p, "obj", p) for p in django_params]
    # A NULL: bound here, written out by the compiler; the row is the same.
    declaration.completed_at = None
    (sql, params), (django_sql, django_params) = both()
    assert sql != django_sql and None in params
    rows = []
    for statement, values in ((sql, params), (django_sql, django_params)):
        with connection.cursor() as cursor:
            cursor.execute(statement, values)
        rows.append(model_to_dict(Declaration.objects.get(pk=declaration.pk)))
    assert rows[0] == rows[1] and rows[0]["completed_at"] is None
