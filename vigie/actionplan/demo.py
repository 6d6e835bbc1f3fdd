"""Demo self-assessments for `make run` so the Auvergne-Rhône-Alpes view shows something,
with a history dated before the demo incidents: the case pages' "measures at the time of
the incident" tell a story (CHU Lyon-Sud's passwords were still being hardened at its
phishing incident, done before its ransomware; its backups were still not tested).

Idempotent: a structure that already has assessments is left alone.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pgtrigger
from django.db import transaction
from django.utils import timezone

from vigie.actionplan.catalogue import shipped_plans_load
from vigie.actionplan.models import MeasureAssessment, Plan
from vigie.actionplan.selectors import assessment_event_model
from vigie.actionplan.services import assessment_update, structure_plan_start
from vigie.directory.finess import with_check_key
from vigie.directory.models import Structure

# One step of a measure's history: (status, recorded: days ago, achieved: days ago for
# "done" / the reason for "not applicable" / None).
Step = tuple[str, int, int | str | None]


def done(achieved: int, recorded: int | None = None) -> Step:
    return ("done", achieved if recorded is None else recorded, achieved)


def started(recorded: int) -> Step:
    return ("in_progress", recorded, None)


def not_applicable(recorded: int, reason: str) -> Step:
    return ("not_applicable", recorded, reason)


# finess8 → (plan start: days ago, {measure number: its history, oldest first}).
# The demo incidents (vigie/declarations/demo.py, vigie/portal/demo.py): CHU Lyon-Sud
# (69000001) 60 days, 8 days and 30 hours ago; CHU de La Réunion (97040061) 3 days ago.
DEMO: dict[str, tuple[int, dict[int, list[Step]]]] = {
    "69000001": (
        900,
        {
            1: [done(800)],
            2: [done(700)],
            3: [done(650)],
            4: [done(600)],
            5: [done(820)],
            # Strong passwords: in progress at the phishing, done five days ago (before
            # the ransomware), after the compromised accounts were reset.
            6: [started(300), done(5)],
            7: [started(150)],  # backups regularly tested: still in progress
            8: [done(400)],
            9: [started(200)],
            10: [done(300)],
            11: [done(250)],
            12: [
                not_applicable(600, "Pas de wifi invité sur le site : réseau filaire uniquement.")
            ],
            13: [started(100)],
            14: [done(200)],
            15: [started(45)],  # network partitioning: begun after the archived phishing
        },
    ),
    "69000002": (
        120,
        {
            1: [done(100)],
            2: [started(90)],
            3: [started(80)],
            5: [done(90)],
            6: [done(60)],
            7: [started(70), done(30)],
        },
    ),
    "38000011": (
        400,
        {
            1: [done(350)],
            4: [started(200)],
            5: [done(380)],
            6: [done(300)],
            13: [done(200)],
            17: [not_applicable(390, "Aucun prestataire n’accède au réseau du laboratoire.")],
        },
    ),
    "75000021": (500, {1: [done(450)], 2: [done(400)], 7: [started(200), done(100)]}),
    "97040061": (
        400,
        {
            1: [done(300)],
            2: [done(250)],
            4: [started(120)],
            5: [done(200)],
            7: [started(60)],
            11: [started(30)],
        },
    ),
}


def _recorded_at(days_ago: int) -> datetime:
    """Mid-morning, ``days_ago`` days ago (Paris time): when the step was recorded."""
    day = timezone.localdate() - timedelta(days=days_ago)
    return timezone.make_aware(datetime.combine(day, time(10, 0)))


@transaction.atomic
def demo_assessments_load() -> int:
    """Return how many assessments were created."""
    if not Plan.objects.exists():
        shipped_plans_load()
    plan = Plan.objects.first()
    if plan is None:
        return 0
    today = timezone.localdate()
    events = assessment_event_model().objects
    created = 0
    for finess8, (start_ago, answers) in DEMO.items():
        structure = Structure.objects.filter(finess=with_check_key(finess8)).first()
        if structure is None or MeasureAssessment.objects.filter(structure=structure).exists():
            continue
        start = max(today - timedelta(days=start_ago), plan.published_on)
        structure_plan_start(structure=structure, plan=plan, start_date=start, by=None)
        for number, steps in answers.items():
            measure = plan.measures.get(number=number)
            for status, _recorded, detail in steps:
                assessment = assessment_update(
                    structure=structure,
                    measure=measure,
                    by=None,
                    status=status,
                    achieved_on=(
                        today - timedelta(days=detail) if isinstance(detail, int) else None
                    ),
                    not_applicable_reason=detail if isinstance(detail, str) else "",
                )
            # The history as it would have been recorded: each step on its own day (the
            # rows were all written now, in this transaction, one per step in order).
            rows = events.filter(structure=structure, measure=measure).order_by("pgh_id")
            for row, (_status, recorded, _detail) in zip(rows, steps, strict=True):
                events.filter(pk=row.pk).update(pgh_created_at=_recorded_at(recorded))
            with pgtrigger.ignore("actionplan.MeasureAssessment:update_update"):
                MeasureAssessment.objects.filter(pk=assessment.pk).update(
                    updated_at=_recorded_at(steps[-1][1])
                )
            created += 1
    return created
