"""The incidents figure of the regional view and the quarterly report, counted in SQL
(issue 18), says what the Python loop it replaced said: same cases, same moments, same
start dates, deadlines and history."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from vigie.actionplan.deadlines import add_months
from vigie.actionplan.figures import incidents_with_overdue_p1
from vigie.actionplan.models import CLOSED_STATUSES, Plan
from vigie.actionplan.selectors import (
    assessment_event_model,
    start_dates,
    status_histories,
    status_in_history,
    structures_for_plan,
)
from vigie.actionplan.services import structure_plan_start
from vigie.cases.models import Case
from vigie.declarations.models import Declaration
from vigie.directory.models import Region

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
