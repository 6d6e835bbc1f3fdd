"""Demo self-assessments for `make run` so the Auvergne-Rhône-Alpes view shows something.

Idempotent: a structure that already has assessments is left alone.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from vigie.actionplan.catalogue import shipped_plans_load
from vigie.actionplan.models import MeasureAssessment, Plan
from vigie.actionplan.services import assessment_update, structure_plan_start
from vigie.directory.finess import with_check_key
from vigie.directory.models import Structure

# finess8 → (start: days ago, {measure number: (status, days ago achieved or N/A reason)})
DEMO: dict[str, tuple[int, dict[int, tuple[str, int | str]]]] = {
    "69000001": (
        900,
        {
            1: ("done", 800),
            2: ("done", 700),
            3: ("done", 650),
            4: ("done", 600),
            5: ("done", 820),
            6: ("in_progress", 0),
            7: ("in_progress", 0),
            8: ("done", 400),
            9: ("in_progress", 0),
            10: ("done", 300),
            11: ("done", 250),
            12: ("not_applicable", "Pas de wifi invité sur le site : réseau filaire uniquement."),
            13: ("in_progress", 0),
            14: ("done", 200),
            15: ("in_progress", 0),
        },
    ),
    "69000002": (
        120,
        {
            1: ("done", 100),
            2: ("in_progress", 0),
            3: ("in_progress", 0),
            5: ("done", 90),
            6: ("done", 60),
            7: ("done", 30),
        },
    ),
    "38000011": (
        400,
        {
            1: ("done", 350),
            4: ("in_progress", 0),
            5: ("done", 380),
            6: ("done", 300),
            13: ("done", 200),
            17: ("not_applicable", "Aucun prestataire n'accède au réseau du laboratoire."),
        },
    ),
    "75000021": (500, {1: ("done", 450), 2: ("done", 400), 7: ("done", 100)}),
}


@transaction.atomic
def demo_assessments_load() -> int:
    """Return how many assessments were created."""
    if not Plan.objects.exists():
        shipped_plans_load()
    plan = Plan.objects.first()
    if plan is None:
        return 0
    today = timezone.localdate()
    created = 0
    for finess8, (start_ago, answers) in DEMO.items():
        structure = Structure.objects.filter(finess=with_check_key(finess8)).first()
        if structure is None or MeasureAssessment.objects.filter(structure=structure).exists():
            continue
        start = max(today - timedelta(days=start_ago), plan.published_on)
        structure_plan_start(structure=structure, plan=plan, start_date=start, by=None)
        for number, (status, detail) in answers.items():
            measure = plan.measures.get(number=number)
            assessment_update(
                structure=structure,
                measure=measure,
                by=None,
                status=status,
                achieved_on=today - timedelta(days=int(detail)) if status == "done" else None,
                not_applicable_reason=str(detail) if status == "not_applicable" else "",
            )
            created += 1
    return created
