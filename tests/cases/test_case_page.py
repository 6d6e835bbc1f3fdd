"""The case page laid out for the person handling it: the header says what decides, the
actions that person may take now are gathered in one panel, the most pressing unfolded."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.factories import client_for
from vigie.cases.models import Case

pytestmark = pytest.mark.django_db

EXPANDED = re.compile(
    r'data-testid="action-([a-z_0-9]+)">\s*<h3[^>]*>\s*<button[^>]*aria-expanded="true"'
)
PANEL = re.compile(r'data-testid="action-([a-z_0-9]+)"')


def get(user: Any, case: Case) -> str:
    response = client_for(user).get(f"/dossiers/{case.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def fact(html: str, testid: str) -> str:
    return re.sub(r"<[^>]+>|\s+", " ", html.split(f'data-testid="{testid}">')[1].split("</dd>")[0])


def test_a_fresh_case_unfolds_qualification_for_the_analyst(world: Any, make_case: Any) -> None:
    case = make_case(world.lyon, world.declarant_lyon, urgent_help=True, help_needed=True)
    html = get(world.acss, case)
    assert PANEL.findall(html)[0] == "qualify"
    assert EXPANDED.findall(html) == ["qualify"]
    assert "Demandée" in fact(html, "fact-urgent")
    # The declaration's summary comes first, before the panel.
    assert html.index('id="declaration-title"') < html.index('id="actions-title"')


def test_the_form_just_posted_stays_unfolded_with_its_error(world: Any, make_case: Any) -> None:
    case = make_case(world.lyon, world.declarant_lyon)
    response = client_for(world.acss).post(
        f"/dossiers/{case.pk}/questions/", {"version": case.version, "text": ""}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert EXPANDED.findall(html) == ["ask"]
    assert "Rédigez la question." in html


def test_people_without_actions_get_no_panel(world: Any, make_case: Any) -> None:
    case = make_case(world.lyon, world.declarant_lyon)
    # The SSI correspondent reads the case and does nothing on it.
    assert 'data-testid="actions-panel"' not in get(world.member_lyon, case)
    # The declarant is pointed to the notifications its structure owes.
    declarant = get(world.declarant_lyon, case)
    assert 'href="#obligations">Enregistrer une notification faite' in declarant


def test_the_people_the_page_names_are_read_apart_from_the_case(world: Any, make_case: Any) -> None:
    """The declarant, who qualified and who closed: read in one query of their own. Joined
    to the case's statement they made it 11 tables, six times longer for PostgreSQL to
    plan than to run."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from vigie.cases import services

    case = make_case(world.lyon, world.declarant_lyon)
    services.case_qualify(
        case=case, by=world.acss, version=case.version, criticity="serious", outcomes=["b2"]
    )
    client = client_for(world.acss)
    with CaptureQueriesContext(connection) as captured:
        html = client.get(f"/dossiers/{case.pk}/").content.decode()
    case_statement = next(
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith('SELECT "cases_case"."id"')
    )
    # The case's own FROM (not the subqueries of its rule): five joins at most.
    outer = case_statement.split(' FROM "cases_case" ', 1)[1].split(" WHERE ", 1)[0]
    assert outer.count(" JOIN ") <= 5
    # Still named on the page: who qualified, with the moment.
    qualified_by = world.acss.get_full_name()
    assert re.search(rf"<dd>{re.escape(qualified_by)}, <time", html)
