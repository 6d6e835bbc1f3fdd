"""Action plan fixtures: the shipped catalogue and a small, hand-countable world."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from vigie.actionplan.catalogue import SHIPPED_PLANS, plan_load
from vigie.actionplan.models import Plan
from vigie.actionplan.services import assessment_update, structure_plan_start


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def plan(db: None) -> Plan:
    loaded, _created = plan_load(SHIPPED_PLANS[0])
    return loaded


@pytest.fixture
def assess(plan: Plan) -> Callable[..., Any]:
    """Record a status through the service, as the system (no rights check)."""

    def record(structure: Any, number: int, status: str, **extra: Any) -> Any:
        return assessment_update(
            structure=structure,
            measure=plan.measures.get(number=number),
            by=extra.pop("by", None),
            status=status,
            **extra,
        )

    return record


@pytest.fixture
def small_world(world: Any, plan: Plan, assess: Callable[..., Any]) -> Any:
    """Region 84 holds lyon (start 15/01/2024) and lyon_lab (no start: the plan's date).

    Hand count (see test_figures): lyon m1, m2, m8 done, m3 in progress, m12 N/A;
    lyon_lab m7 done, m17 N/A; everything else not started.
    """
    structure_plan_start(structure=world.lyon, plan=plan, start_date=date(2024, 1, 15), by=None)
    assess(world.lyon, 1, "done", achieved_on=date(2024, 3, 1))
    assess(world.lyon, 2, "done", achieved_on=date(2024, 4, 1))
    assess(world.lyon, 3, "in_progress")
    assess(world.lyon, 8, "done", achieved_on=date(2024, 5, 1))
    assess(world.lyon, 12, "not_applicable", not_applicable_reason="Pas de wifi.")
    assess(world.lyon_lab, 7, "done", achieved_on=date(2023, 1, 1))
    assess(world.lyon_lab, 17, "not_applicable", not_applicable_reason="Aucun prestataire.")
    world.plan = plan
    return world
