"""The catalogue is data: 19 measures transcribed from the annex, loaded idempotently,
and a later plan loads beside the first one."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from vigie.actionplan.catalogue import SHIPPED_PLANS
from vigie.actionplan.models import Measure, Plan, Theme

pytestmark = pytest.mark.django_db


def test_the_shipped_plan_has_the_annex_measures() -> None:
    out = StringIO()
    call_command("load_action_plan", stdout=out)
    plan = Plan.objects.get(code="PA-SSI-2016")
    measures = plan.measures.all()
    assert measures.count() == 19
    by_priority = {p: measures.filter(priority=p).count() for p in (1, 2, 3)}
    assert by_priority == {1: 7, 2: 7, 3: 5}
    assert {m.priority: m.deadline_months for m in measures} == {1: 6, 2: 12, 3: 18}
    assert set(plan.themes.values_list("code", flat=True)) == {
        "RH",
        "ORG",
        "PC",
        "USER",
        "SAUV",
        "RES",
        "PRESTA",
    }
    backups = measures.get(theme__code="SAUV")
    assert backups.priority == 1 and "sauvegardes régulièrement testées" in backups.title
    assert any("Règles de sauvegarde" in ref for ref in backups.theme.references)
    assert "19 measures (19 new)" in out.getvalue()


def test_loading_twice_changes_nothing() -> None:
    call_command("load_action_plan", stdout=StringIO())
    out = StringIO()
    call_command("load_action_plan", str(SHIPPED_PLANS[0]), stdout=out)
    assert Measure.objects.count() == 19 and Theme.objects.count() == 7
    assert "0 new measures" in out.getvalue()


def test_a_later_plan_loads_beside(tmp_path: Path) -> None:
    call_command("load_action_plan", stdout=StringIO())
    data = json.loads(SHIPPED_PLANS[0].read_text(encoding="utf-8"))
    data["plan"].update(code="PA-SSI-2030", published_on="2030-01-01")
    data["measures"] = data["measures"][:3]
    later = tmp_path / "later.json"
    later.write_text(json.dumps(data), encoding="utf-8")
    call_command("load_action_plan", str(later), stdout=StringIO())
    assert Plan.objects.count() == 2
    assert Plan.objects.first().code == "PA-SSI-2030"  # most recent first: the current plan
    assert Measure.objects.filter(plan__code="PA-SSI-2016").count() == 19
    assert Measure.objects.filter(plan__code="PA-SSI-2030").count() == 3


def test_load_reference_loads_the_plan() -> None:
    Plan.objects.all().delete()
    call_command("load_reference", stdout=StringIO())
    assert Measure.objects.filter(plan__code="PA-SSI-2016").count() == 19
