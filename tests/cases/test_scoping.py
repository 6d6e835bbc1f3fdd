"""Each role's visibility of each case: military cases and the ARS, the DGS after B3,
the ANSM for health products, the cell and the defence chain, and nobody else."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from vigie.cases.models import Case, Question, TimelineEvent, TrackingEntry
from vigie.cases.services import case_ask, case_qualify, case_share_with_cell, case_track
from vigie.directory.models import Role

pytestmark = pytest.mark.django_db

EXPECTED = {
    "declarant_lyon_lab": {"lab", "lab_b3", "ansm"},
    "declarant_lyon": {"oiv"},
    "member_lyon": {"oiv"},
    "declarant_reunion": {"reunion"},
    "director_paris": set(),
    "acss": {"lab", "lab_b3", "oiv", "reunion", "ansm", "military_shared"},
    "ars_ara": {"lab", "lab_b3", "oiv", "ansm"},
    "ars_idf": {"military_care"},
    "ars_reunion": {"reunion"},
    "hfds": {
        "lab",
        "lab_b3",
        "oiv",
        "reunion",
        "ansm",
        "military",
        "military_care",
        "military_shared",
    },
    "dgs": {"lab_b3"},
    "ansm": {"ansm"},
    "defence": {"military", "military_care", "military_shared"},
    "vendor_contact": set(),
    "admin": set(),
    "nobody": set(),
}


@pytest.fixture
def cases(
    world: Any, make_case: Callable[..., Case], make_user: Callable[..., Any]
) -> dict[str, Case]:
    soldier = make_user(Role.DECLARANT, structure=world.military)
    lab_b3 = make_case(world.lyon_lab, world.declarant_lyon_lab)
    case_qualify(
        case=lab_b3, by=world.acss, version=None, criticity="serious", outcomes=["b2", "b3"]
    )
    shared = make_case(world.military, soldier, care_impact="none")
    case_share_with_cell(case=shared, by=world.defence, version=None)
    return {
        "lab": make_case(world.lyon_lab, world.declarant_lyon_lab),
        "lab_b3": lab_b3,
        "oiv": make_case(world.lyon, world.declarant_lyon),
        "reunion": make_case(world.reunion, world.declarant_reunion),
        "ansm": make_case(world.lyon_lab, world.declarant_lyon_lab, health_products=["lad"]),
        "military": make_case(world.military, soldier, care_impact="potential"),
        "military_care": make_case(world.military, soldier, care_impact="actual"),
        "military_shared": shared,
    }


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_each_role_sees_exactly_its_cases(world: Any, cases: dict[str, Case], who: str) -> None:
    user = getattr(world, who)
    names = {case.pk: name for name, case in cases.items()}
    visible = {names[pk] for pk in Case.objects.visible_to(user).values_list("pk", flat=True)}
    assert visible == EXPECTED[who]
    # Everything hanging off a case follows it.
    events = TimelineEvent.objects.visible_to(user).values_list("case_id", flat=True)
    assert {names[pk] for pk in events} == EXPECTED[who]


def test_questions_and_tracking_follow_their_case(world: Any, cases: dict[str, Case]) -> None:
    case = cases["lab_b3"]
    case_ask(case=case, by=world.acss, text="Avez-vous déposé plainte ?")
    case_track(case=case, by=world.acss, kind="analysis", text="Accès initial par VPN.")
    for who in ("declarant_lyon_lab", "acss", "ars_ara", "hfds", "dgs"):
        user = getattr(world, who)
        assert Question.objects.visible_to(user).count() == 1, who
        assert TrackingEntry.objects.visible_to(user).count() == 1, who
    for who in ("ars_idf", "defence", "ansm", "admin", "declarant_lyon"):
        user = getattr(world, who)
        assert not Question.objects.visible_to(user).exists(), who
        assert not TrackingEntry.objects.visible_to(user).exists(), who
