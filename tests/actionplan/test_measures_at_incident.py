"""Incidents meet measures: which measures were not done when the incident happened,
read from the assessment history (each service call commits, so times differ)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from vigie.actionplan.catalogue import SHIPPED_PLANS, plan_load
from vigie.actionplan.selectors import case_measures_not_done, measures_not_done_at
from vigie.actionplan.services import assessment_update, structure_plan_start


@pytest.mark.django_db(transaction=True)
def test_before_and_after_a_measure_was_marked_done(world: Any) -> None:
    plan, _created = plan_load(SHIPPED_PLANS[0])
    backups = plan.measures.get(number=7)
    structure_plan_start(structure=world.lyon, plan=plan, start_date=date(2024, 1, 15), by=None)
    before_anything = timezone.now()
    assessment_update(
        structure=world.lyon, measure=backups, by=world.member_lyon, status="in_progress"
    )
    assessment_update(
        structure=world.lyon,
        measure=plan.measures.get(number=12),
        by=world.member_lyon,
        status="not_applicable",
        not_applicable_reason="Pas de wifi.",
    )
    while_in_progress = timezone.now()
    assessment_update(
        structure=world.lyon,
        measure=backups,
        by=world.member_lyon,
        status="done",
        achieved_on=date(2024, 6, 1),
    )
    after = timezone.now()

    # Measure 7 was achieved on 01/06/2024 as the structure recorded it (typed later):
    # done at every moment after that date, whenever the record was made.
    first = {n.measure.number: n for n in measures_not_done_at(world.lyon, before_anything)}
    assert len(first) == 18 and 7 not in first
    middle = {n.measure.number: n for n in measures_not_done_at(world.lyon, while_in_progress)}
    assert 7 not in middle and 12 not in middle and len(middle) == 17
    late = {n.measure.number for n in measures_not_done_at(world.lyon, after)}
    assert 7 not in late and 12 not in late and len(late) == 17
    # Before the date achieved, it was not done (and late once priority 1 ran out on
    # 15/07/2024 — not yet on 01/05/2024).
    may_2024 = timezone.make_aware(timezone.datetime(2024, 5, 1, 12, 0))
    before = {n.measure.number: n for n in measures_not_done_at(world.lyon, may_2024)}
    assert before[7].deadline == date(2024, 7, 15) and not before[7].overdue
    # Before the start date plus six months, nothing was late yet.
    early = measures_not_done_at(
        world.lyon, timezone.make_aware(timezone.datetime(2024, 3, 1, 12, 0))
    )
    assert early and not any(n.overdue for n in early)


@pytest.mark.django_db
def test_the_case_block(world: Any, plan: Any, make_case: Any) -> None:
    case = make_case(world.lyon, world.declarant_lyon)
    template = Template(
        '{% include "actionplan/includes/measures_at_incident.html" with case=case %}'
    )

    def render(user: Any) -> str:
        request = RequestFactory().get("/")
        request.user = user
        return template.render(Context({"case": case, "request": request}))

    render(world.ars_ara)  # the reader's scope, the case's declaration and structure
    with CaptureQueriesContext(connection) as captured:
        html = render(world.ars_ara)
    # Whether the plan may be read and the plan's measures as they stood: one statement.
    assert len(captured.captured_queries) == 1
    assert 'data-testid="measures-at-incident"' in html
    assert html.count("data-measure=") == 19  # nothing recorded before the incident
    assert case_measures_not_done(world.ars_ara, case) is not None
    # The DGS may read some cases but not the structures' action plans: nothing shown.
    assert case_measures_not_done(world.dgs, case) is None
    assert "measures-at-incident" not in render(world.dgs)
    assert case.declaration.detected_at < timezone.now() - timedelta(hours=1)
