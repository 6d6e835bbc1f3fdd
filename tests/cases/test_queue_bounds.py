"""The queue's cost does not follow the number of cases (issue 18): every tab is counted
up to a cap, and urgency is a fact of the case itself, read from an index."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import client_for
from vigie.cases.models import Case
from vigie.declarations.models import IncidentType
from vigie.declarations.services import declaration_complete_step, declaration_quick_submit

pytestmark = pytest.mark.django_db


def test_open_cases_are_counted_up_to_the_cap_too(
    world: Any, make_case: Callable[..., Case], monkeypatch: pytest.MonkeyPatch
) -> None:
    from vigie.cases import selectors

    monkeypatch.setattr(selectors, "COUNT_CAP", 2)
    for _ in range(3):
        make_case(world.lyon, world.declarant_lyon)
    client = client_for(world.acss)
    response = client.get("/dossiers/")
    tabs = {tab["value"]: tab for tab in response.context["tabs"]}
    assert (tabs["awaiting_qualification"]["count"], tabs["awaiting_qualification"]["capped"]) == (
        2,
        True,
    )
    assert (tabs["open"]["count"], tabs["open"]["capped"]) == (2, True)
    assert (tabs["to_process"]["count"], tabs["to_process"]["capped"]) == (0, False)
    page = response.content.decode()
    assert re.search(r'data-testid="tab-open">[^<(]+\(plus de 2\)', page)
    assert "Plus de 2 dossiers" in page
    assert len(response.context["page_obj"]) == 2


def test_every_tab_is_counted_in_one_statement(world: Any, make_case: Callable[..., Case]) -> None:
    make_case(world.lyon, world.declarant_lyon)
    client = client_for(world.ars_ara)
    client.get("/dossiers/")
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/dossiers/").status_code == 200
    counting = [q["sql"] for q in captured if "count(*)" in q["sql"].lower()]
    # The tabs' statement, and the header's unread counter.
    assert len([sql for sql in counting if "cases_case" in sql]) == 1


def test_urgent_help_asked_when_completing_puts_the_case_first(
    world: Any, make_case: Callable[..., Case]
) -> None:
    earlier = make_case(world.lyon, world.declarant_lyon)
    declaration = declaration_quick_submit(
        structure=world.lyon_lab,
        by=world.declarant_lyon_lab,
        values={
            "declarant_name": "Inès Garnier",
            "declarant_phone": "06 12 34 56 78",
            "incident_type": IncidentType.objects.get(code="ransomware"),
            "description": "Serveurs chiffrés",
            "care_impact": "none",
            "urgent_help": False,
        },
    )
    case = Case.objects.get(declaration=declaration)
    assert not case.urgent_help
    client = client_for(world.ars_ara)
    order = [c.reference for c in client.get("/dossiers/").context["page_obj"]]
    assert order == [case.reference, earlier.reference]  # newest first, neither urgent
    Case.objects.filter(pk=case.pk).update(opened_at=earlier.opened_at.replace(year=2020))
    declaration_complete_step(
        declaration=declaration,
        by=world.declarant_lyon_lab,
        step="origine",
        values={"urgent_help": True, "help_needed": True},
    )
    case.refresh_from_db()
    assert case.urgent_help
    order = [c.reference for c in client.get("/dossiers/").context["page_obj"]]
    assert order == [case.reference, earlier.reference]  # older, but urgent
    page = client.get("/dossiers/").content.decode()
    assert page.count('data-testid="urgent-badge"') == 1


def test_the_ars_desk_lists_closed_cases_newest_first(
    world: Any, make_case: Callable[..., Case]
) -> None:
    """Closed cases owe no weekly update: the desk's due-date order is for open work."""
    from datetime import timedelta

    from django.utils import timezone

    older = make_case(world.lyon, world.declarant_lyon)
    newer = make_case(world.lyon_lab, world.declarant_lyon_lab)
    now = timezone.now()
    Case.objects.filter(pk=older.pk).update(
        status="closed", opened_at=now - timedelta(days=30), ars_update_due_at=now
    )
    Case.objects.filter(pk=newer.pk).update(status="closed", opened_at=now - timedelta(days=1))
    client = client_for(world.ars_ara)
    response = client.get("/dossiers/", {"status": "closed"})
    assert [c.reference for c in response.context["page_obj"]] == [
        newer.reference,
        older.reference,
    ]
    # The open tabs keep the desk's order (tests/cases/test_handling.py).
    assert client.get("/dossiers/").context["sort"] == "ars_update_due_at"
