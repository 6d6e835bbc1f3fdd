"""The incidents figure of the regional view and the quarterly report, counted in SQL
(issue 18), says what the Python loop it replaced said: same cases, same moments, same
start dates, deadlines and history."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.factories import structure_create
from vigie.actionplan.deadlines import add_months
from vigie.actionplan.figures import incidents_with_overdue_p1
from vigie.actionplan.models import CLOSED_STATUSES, Plan
from vigie.actionplan.scopes import can_read_region
from vigie.actionplan.selectors import (
    assessment_event_model,
    start_dates,
    status_histories,
    status_in_history,
    structures_for_plan,
)
from vigie.actionplan.services import assessment_update, structure_plan_start
from vigie.cases.models import Case
from vigie.core.scoping import scope_for
from vigie.declarations.models import Declaration
from vigie.directory.models import Region, StructureKind, User

pytestmark = pytest.mark.django_db


def reference(*, user: Any, plan: Plan, structure_ids: Any, now: datetime) -> dict[str, int]:
    """The loop over the cases as it was before issue 18."""
    ids = list(structure_ids.values_list("pk", flat=True))
    starts = start_dates(user, plan, ids, structure_ids)
    cases = (
        Case.objects.visible_to(user)
        .filter(is_military=False)
        .filter(structure_id__in=structure_ids, opened_at__gte=now - timedelta(days=365))
        .values_list("structure_id", "opened_at", "declaration__detected_at")
    )
    p1 = list(plan.measures.filter(priority=1))
    histories = status_histories(structure_ids, [m.pk for m in p1], now)
    total = with_overdue = 0
    for structure_id, opened_at, detected_at in cases:
        total += 1
        moment = detected_at or opened_at
        start = starts[structure_id]
        if any(
            status_in_history(histories, structure_id, m.pk, moment) not in CLOSED_STATUSES
            and add_months(start, m.deadline_months) < moment.date()
            for m in p1
        ):
            with_overdue += 1
    return {"total_12_months": total, "with_overdue_priority_1": with_overdue}


def test_counted_in_sql_as_the_loop_counted(small_world: Any, make_case: Any) -> None:
    w = small_world
    now = timezone.now()
    # lyon started 200 days ago: its priority-1 deadlines fall inside the last year.
    structure_plan_start(
        structure=w.lyon, plan=w.plan, start_date=(now - timedelta(days=200)).date(), by=None
    )
    # lyon's statuses were recorded 100 days ago, lyon_lab's 300 days ago.
    events = assessment_event_model().objects
    events.filter(structure=w.lyon).update(pgh_created_at=now - timedelta(days=100))
    events.filter(structure=w.lyon_lab).update(pgh_created_at=now - timedelta(days=300))
    moments = [400, 330, 250, 199, 150, 120, 99, 60, 20, 1]
    for n, days in enumerate(moments):
        structure, declarant = (
            (w.lyon, w.declarant_lyon) if n % 2 == 0 else (w.lyon_lab, w.declarant_lyon_lab)
        )
        case = make_case(structure, declarant)
        opened = now - timedelta(days=days)
        Case.objects.filter(pk=case.pk).update(opened_at=opened)
        # Half the moments are the detection, a day (or a few hours) before the opening.
        detected = opened - timedelta(hours=30 if n % 3 else 5) if n % 4 < 2 else None
        Declaration.objects.filter(pk=case.declaration_id).update(detected_at=detected)
        # As the services keep it (Case.detected_at follows the declaration's).
        Case.objects.filter(pk=case.pk).update(detected_at=detected)
    make_case(w.lyon, w.declarant_lyon)  # now
    ara = Region.objects.get(code="84")
    for user in (w.ars_ara, w.hfds, w.acss):
        among = structures_for_plan(user).filter(departement__region=ara).values("pk")
        expected = reference(user=user, plan=w.plan, structure_ids=among, now=now)
        got = incidents_with_overdue_p1(
            user=user, plan=w.plan, structure_ids=among, starts={}, now=now
        )
        assert got == expected, user
    # Not vacuous: some cases count, some do not.
    assert 0 < expected["with_overdue_priority_1"] < expected["total_12_months"] == 10


def test_a_start_date_at_a_months_end_clamps_like_add_months(
    small_world: Any, make_case: Any
) -> None:
    w = small_world
    structure_plan_start(structure=w.lyon, plan=w.plan, start_date=date(2025, 8, 31), by=None)
    months = min(m.deadline_months for m in w.plan.measures.filter(priority=1))
    deadline = add_months(date(2025, 8, 31), months)
    now = timezone.now()
    for day in (deadline, deadline + timedelta(days=1)):
        case = make_case(w.lyon, w.declarant_lyon)
        at = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)
        Case.objects.filter(pk=case.pk).update(opened_at=at)
        Declaration.objects.filter(pk=case.declaration_id).update(detected_at=None)
        Case.objects.filter(pk=case.pk).update(detected_at=None)
    among = structures_for_plan(w.ars_ara).filter(pk=w.lyon.pk).values("pk")
    expected = reference(user=w.ars_ara, plan=w.plan, structure_ids=among, now=now)
    got = incidents_with_overdue_p1(
        user=w.ars_ara, plan=w.plan, structure_ids=among, starts={}, now=now
    )
    assert got == expected


def _month_end_clamped(months: int, now: datetime, before: date | None = None) -> date:
    """The latest 31st (before ``before``) whose date plus ``months`` is clamped (the target
    month is shorter) and falls between 300 and 60 days ago: inside the last 12 months."""
    day = before or (now - timedelta(days=60)).date()
    while True:
        day -= timedelta(days=1)
        deadline = add_months(day, months)
        if (
            day.day == 31
            and deadline.day < 31
            and (now - timedelta(days=300)).date() < deadline < (now - timedelta(days=60)).date()
        ):
            return day


def test_each_structures_path_and_boundary(world: Any, plan: Plan, make_case: Any) -> None:
    """The three ways a structure's cases are counted (nothing recorded: the plan's date;
    a start date only; a priority-1 history), each around its deadline's last instant in
    UTC (the deadline clamped to a month's end), a military hospital's cases left out, the
    12 months' first instant, for every reader; and for one structure among the region's."""
    w = world
    now = timezone.now()
    months = min(m.deadline_months for m in plan.measures.filter(priority=1))
    start = _month_end_clamped(months, now)
    published = _month_end_clamped(months, now, before=start)
    Plan.objects.filter(pk=plan.pk).update(published_on=published)
    plan.refresh_from_db()
    plain = structure_create("690000112", "Clinique sans date", "69")
    started = structure_create("380000118", "Clinique commencée", "38")
    assessed = structure_create("690000120", "Centre évalué", "69")
    military = structure_create(
        "690000138", "HIA Desgenettes", "69", kind=StructureKind.MILITARY_HOSPITAL
    )
    structure_plan_start(structure=started, plan=plan, start_date=start, by=None)
    p1 = plan.measures.filter(priority=1).order_by("number")
    for measure in p1[:2]:
        assessment_update(
            structure=assessed,
            measure=measure,
            by=None,
            status="done",
            achieved_on=published,
        )
    assessment_event_model().objects.filter(structure=assessed).update(
        pgh_created_at=now - timedelta(days=200)
    )

    def case_at(structure: Any, opened: datetime, detected: datetime | None = None) -> None:
        case = make_case(w.lyon, w.declarant_lyon)
        Case.objects.filter(pk=case.pk).update(
            structure=structure,
            opened_at=opened,
            detected_at=detected,
            is_military=structure.kind == StructureKind.MILITARY_HOSPITAL,
        )
        Declaration.objects.filter(pk=case.declaration_id).update(
            structure=structure, detected_at=detected
        )

    def midnight(day: date) -> datetime:
        return datetime.combine(day, datetime.min.time(), tzinfo=UTC)

    for structure, since in (
        (plain, published),
        (started, start),
        (assessed, published),
        (military, published),
    ):
        after = midnight(add_months(since, months) + timedelta(days=1))
        for moment in (
            after - timedelta(microseconds=1),  # the deadline's last instant: not yet
            after - timedelta(minutes=30),  # the next day in Paris, not in UTC
            after,
            after + timedelta(microseconds=1),
            after + timedelta(days=40),
        ):
            case_at(structure, moment)
        # Detected before the deadline's end, opened after: the detection is the moment.
        case_at(structure, after + timedelta(days=2), after - timedelta(hours=2))
        case_at(structure, after + timedelta(days=2), after + timedelta(hours=2))
    # The 12 months' first instant counts, the one before does not.
    case_at(plain, now - timedelta(days=365))
    case_at(plain, now - timedelta(days=365, microseconds=1))
    ara = Region.objects.get(code="84")
    # Every user of the world who may read the region's figures.
    readers = [
        u for u in vars(w).values() if isinstance(u, User) and can_read_region(scope_for(u), ara.pk)
    ]
    assert {w.ars_ara, w.hfds, w.acss} <= set(readers)
    for user in readers:
        among = structures_for_plan(user).filter(departement__region=ara).values("pk")
        expected = reference(user=user, plan=plan, structure_ids=among, now=now)
        got = incidents_with_overdue_p1(
            user=user, plan=plan, structure_ids=among, starts={}, now=now
        )
        assert got == expected, user
    among = structures_for_plan(w.ars_ara).filter(departement__region=ara).values("pk")
    got = incidents_with_overdue_p1(
        user=w.ars_ara, plan=plan, structure_ids=among, starts={}, now=now
    )
    # By hand: 3 structures x 7 cases + 1 at the 12 months' first instant (before the
    # deadlines); per structure, 4 whose moment is at or after the first instant past the
    # deadline (the history's "done" covers two priority-1 measures, not the others).
    assert got == {"total_12_months": 22, "with_overdue_priority_1": 3 * 4}
    one = structures_for_plan(w.ars_ara).filter(pk=started.pk).values("pk")
    assert incidents_with_overdue_p1(
        user=w.ars_ara, plan=plan, structure_ids=one, starts={}, now=now
    ) == reference(user=w.ars_ara, plan=plan, structure_ids=one, now=now)
