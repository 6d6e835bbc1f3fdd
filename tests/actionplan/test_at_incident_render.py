"""The case page's SSI action plan block written in Python (vigie/actionplan/render.py,
tag ``measures_at_incident``) gives, character for character, what its former template
gave (kept in reference_templates/measures_at_incident.html, with its reads
``case_measures_not_done``): measures not done, late or not, none left, a reader who may
not read the plan, in French and in English, values escaped."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.template import Context, Template, engines
from django.test import RequestFactory
from django.utils import timezone, translation

from vigie.actionplan.models import Plan
from vigie.actionplan.services import structure_plan_start
from vigie.cases.models import Case
from vigie.declarations.models import Declaration

pytestmark = pytest.mark.django_db

REFERENCE = Path(__file__).parent / "reference_templates" / "measures_at_incident.html"
# Typed by an administrator of the catalogue: markup and quotes come back escaped.
TYPED = '<b>"Sauvegardes"</b> & l\'équipe'


def detected(case: Case, at: datetime) -> Case:
    Declaration.objects.filter(pk=case.declaration_id).update(detected_at=at)
    return Case.objects.select_related("structure", "declaration").get(pk=case.pk)


def test_the_block_is_its_former_template(
    world: Any, plan: Plan, assess: Callable[..., Any], make_case: Callable[..., Case]
) -> None:
    # Lyon started 200 days ago: its priority 1 measures are late, the others not yet.
    structure_plan_start(
        structure=world.lyon,
        plan=plan,
        start_date=timezone.localdate() - timedelta(days=200),
        by=None,
    )
    assess(world.lyon, 1, "done", achieved_on=timezone.localdate() - timedelta(days=30))
    assess(world.lyon, 3, "in_progress")
    assess(world.lyon, 12, "not_applicable", not_applicable_reason="Pas de wifi.")
    measure = plan.measures.get(number=7)
    measure.title = TYPED
    measure.save()
    measure.theme.code = "<R&D>"
    measure.theme.save()
    # The laboratory had done everything, or found it did not apply.
    for number in range(1, 20):
        if number == 17:
            assess(world.lyon_lab, number, "not_applicable", not_applicable_reason="Aucun.")
        else:
            assess(world.lyon_lab, number, "done", achieved_on=timezone.localdate())
    # La Réunion, all but one.
    for number in range(1, 19):
        assess(world.reunion, number, "done", achieved_on=timezone.localdate())
    after = timezone.now() + timedelta(minutes=1)  # after the history recorded
    cases = [
        detected(make_case(world.lyon, world.declarant_lyon), after),
        detected(make_case(world.lyon_lab, world.declarant_lyon_lab), after),
        detected(make_case(world.reunion, world.declarant_reunion), after),
        # Paris, before any plan was published.
        detected(make_case(world.paris, world.director_paris), datetime(2016, 1, 1, tzinfo=UTC)),
    ]
    readers = [
        world.ars_ara,
        world.member_lyon,
        world.acss,
        world.declarant_lyon_lab,
        world.director_paris,
        world.ars_reunion,
        world.dgs,
        world.nobody,
        None,
    ]
    reference = engines["django"].from_string(REFERENCE.read_text())
    tag = Template("{% load actionplan_tags %}{% measures_at_incident case %}")
    include = Template(
        '{% include "actionplan/includes/measures_at_incident.html" with case=case %}'
    )
    shown: list[str] = []
    for language in ("fr", "en"):
        with translation.override(language):
            for case in cases:
                for reader in readers:
                    context: dict[str, Any] = {"case": case}
                    if reader is not None:
                        context["request"] = RequestFactory().get("/")
                        context["request"].user = reader
                    expected = reference.render(context)
                    assert tag.render(Context(context)) == expected, (language, case, reader)
                    assert include.render(Context(context)) == expected
                    shown.append(expected)
    # Not vacuous: each kind of block was compared, in both languages.
    text = "".join(shown)
    assert "&lt;b&gt;&quot;Sauvegardes&quot;&lt;/b&gt; &amp; l&#x27;équipe" in text
    assert "&lt;R&amp;D&gt;" in text
    assert 'data-status="in_progress"' in text and 'data-status="not_started"' in text
    late = [block for block in shown if 'data-overdue="1"' in block]
    assert late
    assert any(block.count("<tr data-measure=") > block.count("data-overdue") for block in late)
    assert "Toutes les mesures du plan d’action SSI étaient réalisées" in text
    assert "Every measure of the SSI action plan was done or not applicable" in text
    assert "measures of the SSI action plan were not done" in text
    assert "1 measure of the SSI action plan was not done" in text
    assert "1 mesure du plan d’action SSI n’était pas réalisée" in text
    assert "mesures du plan d’action SSI n’étaient pas réalisées" in text
    assert sum("measures-at-incident" not in block for block in shown) >= 2 * 4 * 3
