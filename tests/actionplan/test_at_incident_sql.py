"""The case page reads its SSI action plan block with one fixed statement
(vigie/actionplan/selectors.py ``measures_not_done_rows``) instead of the ORM's two
(``structures_for_plan(user).filter(pk=...).exists()``, then ``measures_not_done_at``).
Its rule restates ``structures_for_plan``'s for one structure and its reads restate
``measures_not_done_at``'s: both are held here to their ORM twins, the rule for every
reader of the test world and every structure, the reads for histories and moments."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.core.test_scope_sql import world_users
from vigie.actionplan.catalogue import SHIPPED_PLANS, plan_load
from vigie.actionplan.models import Measure, Plan, Theme
from vigie.actionplan.selectors import (
    measures_not_done_at,
    measures_not_done_rows,
    structures_for_plan,
)
from vigie.actionplan.services import assessment_update, structure_plan_start
from vigie.directory.models import (
    Departement,
    Membership,
    Role,
    Structure,
    StructureKind,
    User,
)

MOMENT = datetime(2024, 9, 1, 10, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_the_rule_is_structures_for_plans(world: Any, plan: Plan) -> None:
    # An inactive structure (its own declarant, the ARS of its region, the defence chain:
    # a military one) and a superuser without a role, beside the world's readers.
    closed = Structure.objects.create(
        finess="690000001",
        name="Clinique fermée",
        kind=StructureKind.MILITARY_HOSPITAL,
        departement=Departement.objects.get(code="69"),
        is_active=False,
    )
    world.declarant_closed = User.objects.create_user(email="declarant-closed@example.test")
    Membership.objects.create(user=world.declarant_closed, role=Role.DECLARANT, structure=closed)
    world.superuser = User.objects.create_user(email="root@example.test", is_superuser=True)
    readers: dict[str, Any] = {**world_users(world), "anonymous": AnonymousUser(), "none": None}
    structures = list(Structure.objects.all())
    assert len(readers) == 20 and len(structures) == 6
    allowed = 0
    for name, user in readers.items():
        orm = set(structures_for_plan(user).values_list("pk", flat=True)) if user else set()
        for structure in structures:
            rows = measures_not_done_rows(user, structure.pk, MOMENT)
            assert (rows is not None) == (structure.pk in orm), (name, structure.name)
            allowed += rows is not None
    # Not vacuous: national readers read every active structure, the ARS their region's,
    # each structure's own people theirs; the DGS, the defence chain and others none.
    assert 0 < allowed < len(readers) * len(structures)
    assert measures_not_done_rows(world.acss, closed.pk, MOMENT) is None
    assert measures_not_done_rows(world.declarant_closed, closed.pk, MOMENT) is None
    assert measures_not_done_rows(world.defence, world.military.pk, MOMENT) is None
    assert measures_not_done_rows(world.superuser, world.lyon.pk, MOMENT) is None
    assert measures_not_done_rows(world.ars_ara, world.lyon_lab.pk, MOMENT) is not None
    assert measures_not_done_rows(world.director_paris, world.paris.pk, MOMENT) is not None


def as_shown(structure: Structure, moment: datetime) -> list[tuple[Any, ...]]:
    """measures_not_done_at's answer, as the case page shows it."""
    return [
        (
            n.measure.number,
            n.measure.priority,
            n.measure.theme.code,
            n.measure.title,
            n.status,
            n.deadline,
            n.overdue,
        )
        for n in measures_not_done_at(structure, moment)
    ]


def later_plan(code: str, published_on: date, titles: list[str]) -> Plan:
    plan = Plan.objects.create(code=code, title=f"Plan {code}", published_on=published_on)
    theme = Theme.objects.create(plan=plan, code="GOV", name="Gouvernance", order=1)
    for number, title in enumerate(titles, start=1):
        Measure.objects.create(
            plan=plan,
            number=number,
            theme=theme,
            priority=number,
            deadline_months=6 * number,
            title=title,
        )
    return plan


@pytest.mark.django_db(transaction=True)
def test_the_reads_are_measures_not_done_at(world: Any) -> None:
    # Each service call commits: the history's times differ (as in production).
    plan, _created = plan_load(SHIPPED_PLANS[0])

    def measure(number: int) -> Measure:
        return plan.measures.get(number=number)

    structure_plan_start(structure=world.lyon, plan=plan, start_date=date(2024, 1, 15), by=None)
    moments = [timezone.now()]
    assessment_update(
        structure=world.lyon, measure=measure(7), by=world.member_lyon, status="in_progress"
    )
    assessment_update(
        structure=world.lyon,
        measure=measure(12),
        by=world.member_lyon,
        status="not_applicable",
        not_applicable_reason="Pas de wifi.",
    )
    assessment_update(structure=world.lyon_lab, measure=measure(3), by=None, status="in_progress")
    moments.append(timezone.now())
    # Done on 1 June 2024 as the structure recorded it, typed later.
    assessment_update(
        structure=world.lyon,
        measure=measure(7),
        by=world.member_lyon,
        status="done",
        achieved_on=date(2024, 6, 1),
    )
    assessment_update(
        structure=world.lyon_lab,
        measure=measure(3),
        by=None,
        status="done",
        achieved_on=date(2023, 2, 1),
    )
    assessment_update(
        structure=world.lyon,
        measure=measure(12),
        by=world.member_lyon,
        status="in_progress",
    )
    moments.append(timezone.now())
    # Two later plans, to be published the same day next year (the first by code is the
    # one read then), and the structure's start date in one of them.
    next_year = timezone.localdate() + timedelta(days=365)
    later = later_plan("PA-NEXT-A", next_year, ["Gouverner", '<b>"Former"</b> & co'])
    later_plan("PA-NEXT-B", next_year, ["Autre"])
    structure_plan_start(structure=world.lyon, plan=later, start_date=next_year, by=None)
    assessment_update(
        structure=world.lyon,
        measure=later.measures.get(number=1),
        by=world.member_lyon,
        status="done",
        achieved_on=timezone.localdate() - timedelta(days=10),
    )
    assessment_update(
        structure=world.lyon,
        measure=later.measures.get(number=2),
        by=world.member_lyon,
        status="in_progress",
    )
    moments.append(timezone.now())
    published = datetime.combine(next_year, time(0, 30), tzinfo=UTC)
    paris = timezone.get_current_timezone()
    moments += [
        datetime(2016, 1, 1, tzinfo=UTC),  # before any plan
        datetime(2024, 3, 1, 12, 0, tzinfo=UTC),  # nothing late yet
        datetime(2024, 5, 31, 21, 59, tzinfo=UTC),  # the eve of the date achieved...
        datetime(2024, 5, 31, 22, 30, tzinfo=UTC),  # ...which is already 1 June in Paris
        datetime(2024, 7, 16, 8, 0, tzinfo=UTC),  # priority 1 late
        datetime(2024, 7, 15, 23, 30, tzinfo=paris),  # in Paris's zone
        published - timedelta(hours=1),  # the later plans' eve (in UTC)
        published,
        published + timedelta(days=400),
    ]
    seen: set[Any] = set()
    for moment in moments:
        for structure in (world.lyon, world.lyon_lab, world.paris):
            expected = as_shown(structure, moment)
            rows = measures_not_done_rows(world.acss, structure.pk, moment)
            assert rows is not None
            assert [tuple(row) for row in rows] == expected, (moment, structure.name)
            seen.update(("status", row[4]) for row in expected)
            seen.update(("overdue", row[6]) for row in expected)
            seen.update(("plan", row[3][:8]) for row in expected)
            seen.add(("count", len(expected)))
    # Not vacuous: statuses of the history, late and not late measures, both plans read,
    # nothing left (before any plan) and whole plans left.
    assert {("status", "in_progress"), ("status", "not_started")} <= seen
    assert {("overdue", True), ("overdue", False), ("count", 0), ("count", 19)} <= seen
    assert ("plan", "Gouverne") in seen and ("plan", "Autre") not in seen
    # The date achieved: at the eve (UTC and Paris), measure 7 is not done; from the 1st
    # in Paris it is, even though recorded years later.
    at = {n: measures_not_done_rows(world.acss, world.lyon.pk, m) for n, m in enumerate(moments)}
    assert 7 in {row.number for row in at[6] or []}
    assert 7 not in {row.number for row in at[7] or []}


@pytest.mark.django_db
def test_the_block_reads_one_planned_statement(world: Any, plan: Plan) -> None:
    for reader in (world.ars_ara, world.dgs):
        measures_not_done_rows(reader, world.lyon.pk, MOMENT)  # the reader's scope
    with CaptureQueriesContext(connection) as captured:
        rows = measures_not_done_rows(world.ars_ara, world.lyon.pk, MOMENT)
        refused = measures_not_done_rows(world.dgs, world.lyon.pk, MOMENT)
    assert len(captured.captured_queries) == 2
    assert rows is not None and len(rows) == 19 and refused is None
    with CaptureQueriesContext(connection) as captured:
        assert measures_not_done_rows(None, world.lyon.pk, MOMENT) is None
    assert not captured.captured_queries
    # Parsed and planned once per connection (vigie/core/sql.planned_cursor).

    def prepared() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                ["%actionplan_measureassessmentevent%"],
            )
            return int(cursor.fetchone()[0])

    planned = prepared()
    for _ in range(3):
        measures_not_done_rows(world.ars_ara, world.lyon.pk, MOMENT)
    assert planned >= 1 and prepared() == planned
