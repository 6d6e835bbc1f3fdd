"""The case page reads its case and what hangs off it in two statements
(vigie/cases/selectors.py ``case_detail``: the ORM's scoped read of the case, then the
children as JSON for that case). Here it gives the same objects, field by field,
as the ORM's scoped read with its prefetches (the code it replaced), for every reader of
the test world, on cases with and without history."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.db.models import Prefetch
from django.test.utils import CaptureQueriesContext

from tests.core.test_scope_sql import world_users
from vigie.cases import selectors, services
from vigie.cases.models import (
    Case,
    CaseHandler,
    ClosureAgreement,
    Question,
    TimelineEvent,
    TrackingEntry,
)
from vigie.directory.models import User, Vendor

pytestmark = pytest.mark.django_db


def reference_detail(user: Any, pk: int) -> Case | None:
    """case_detail as it was (commit faf4ff0): one statement per list."""
    prefetches: list[Any] = [
        Prefetch("declaration__vendors", queryset=Vendor.objects.order_by("name")),
        Prefetch("timeline", queryset=TimelineEvent.objects.select_related("actor")),
        Prefetch("questions", queryset=Question.objects.select_related("asked_by", "answered_by")),
        Prefetch(
            "tracking",
            queryset=TrackingEntry.objects.select_related("by").prefetch_related("document"),
        ),
        Prefetch("agreements", queryset=ClosureAgreement.objects.select_related("by")),
        Prefetch("handlers", queryset=CaseHandler.objects.select_related("user")),
    ]
    case = (
        Case.objects.visible_to(user)
        .select_related("structure__departement__region", "declaration__incident_type")
        .prefetch_related(*prefetches)
        .filter(pk=pk)
        .first()
    )
    if case is None:
        return None
    for obj, name in [
        (case.structure, "director"),
        (case.declaration, "submitted_by"),
        (case.declaration, "created_by"),
        (case, "qualified_by"),
        (case, "closed_by"),
    ]:
        person_id = getattr(obj, f"{name}_id")
        if person_id is not None:
            setattr(obj, name, User.objects.get(pk=person_id))
    return case


def values(obj: Any) -> tuple[Any, ...]:
    if obj is None:
        return (None,)
    return (type(obj).__name__, *(getattr(obj, f.attname) for f in obj._meta.concrete_fields))


PEOPLE = {
    "timeline": ("actor",),
    "questions": ("asked_by", "answered_by"),
    "tracking": ("by", "document"),
    "agreements": ("by",),
    "handlers": ("user",),
}


def snapshot(case: Case) -> list[Any]:
    declaration, structure = case.declaration, case.structure
    shot: list[Any] = [
        values(case),
        values(declaration),
        values(structure),
        values(structure.departement),
        values(structure.departement.region),
        values(declaration.incident_type),
        [values(v) for v in declaration.vendors.all()],
        values(structure.director),
        values(declaration.submitted_by),
        values(declaration.created_by),
        values(case.qualified_by),
        values(case.closed_by),
    ]
    for name, people in PEOPLE.items():
        rows = getattr(case, name).all()
        shot.append([(values(row), *(values(getattr(row, p)) for p in people)) for row in rows])
        assert all(row.case is case for row in rows)
    return shot


@pytest.fixture
def cases(world: Any, make_case: Callable[..., Case]) -> list[Case]:
    vendor = Vendor.objects.create(name="Editeur B")
    other = Vendor.objects.create(name="Editeur A")
    worked = make_case(world.lyon, world.declarant_lyon)
    worked.declaration.vendors.set([vendor, other])
    services.case_take(case=worked, by=world.acss)
    worked.refresh_from_db()
    services.case_qualify(
        case=worked,
        by=world.acss,
        version=worked.version,
        criticity="serious",
        outcomes=["b2", "b3"],
    )
    first = services.case_ask(
        case=worked, by=world.acss, text="Sauvegardes ?", preserve_evidence=True
    )
    services.case_ask(case=worked, by=world.acss, text="VPN ?", preserve_evidence=False)
    services.case_answer(question=first, by=world.declarant_lyon, answer="Oui, hors ligne.")
    services.case_track(case=worked, by=world.acss, kind="analysis", text="Vecteur : VPN.")
    services.case_take(case=worked, by=world.ars_ara)
    worked.refresh_from_db()
    services.case_end_support(case=worked, by=world.acss, version=worked.version, reason="Fini.")
    worked.refresh_from_db()
    services.case_agree(
        case=worked,
        by=world.declarant_lyon,
        party="structure",
        comment="D'accord.",
        opinion="useful",
        opinion_comment="",
    )
    return [
        worked,
        make_case(world.reunion, world.declarant_reunion),
        # A structure with a director, whom the page names.
        make_case(world.paris, world.director_paris),
    ]


def test_one_statement_gives_what_the_prefetches_gave(world: Any, cases: list[Case]) -> None:
    read = 0
    for name, user in world_users(world).items():
        for case in cases:
            user = User.objects.get(pk=user.pk)
            with CaptureQueriesContext(connection) as captured:
                fast = selectors.case_detail(user, case.pk)
            reference = reference_detail(User.objects.get(pk=user.pk), case.pk)
            assert (fast is None) == (reference is None), (name, case.pk)
            if fast is None or reference is None:
                continue
            read += 1
            assert snapshot(fast) == snapshot(reference), (name, case.pk)
            # The scope (first read of the user), the case, what hangs off it.
            assert len(captured) <= 3, [q["sql"][:80] for q in captured.captured_queries]
    assert read >= len(cases)
