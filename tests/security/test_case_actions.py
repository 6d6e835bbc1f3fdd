"""Every action of the table × every person × every state, civil and military.

Generated from ``workflow.ACTIONS``: a new action without a way to exercise it fails
``test_every_action_is_exercised``, and then is covered by construction. The service
must do exactly what the table answers (no bypass, no stricter hidden rule); the view
must answer 403 to whoever the table never allows; and the table itself must keep the
invariants of the texts, written here by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from tests.factories import client_for
from tests.security.case_world import (
    EXERCISE,
    KINDS,
    ROLES,
    STATES,
    case_in,
    military_declarant,
    who,
)
from vigie.cases import workflow
from vigie.cases.models import Case, CaseStatus, TimelineEvent
from vigie.cases.scopes import case_readable
from vigie.core.scoping import forget_scope, scope_for

pytestmark = pytest.mark.django_db


class _Rollback(Exception):
    pass


def _attempt(action: str, user: Any, case: Case, world: Any) -> tuple[str, bool]:
    """Take ``action``; report how it ended and whether anything was written. Always
    rolled back, so that every attempt starts from the same case."""
    outcome = "done"
    events = TimelineEvent.objects.filter(case=case).count()
    version = Case.objects.get(pk=case.pk).version
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    EXERCISE[action](user, Case.objects.get(pk=case.pk), world)
            except PermissionDenied:
                outcome = "forbidden"
            except workflow.TransitionRefused:
                outcome = "refused"
            except ValidationError:
                outcome = "invalid"
            fresh = Case.objects.get(pk=case.pk)
            wrote = TimelineEvent.objects.filter(case=case).count() != events or (
                fresh.version != version
            )
            raise _Rollback
    except _Rollback:
        pass
    return outcome, wrote


def test_every_action_is_exercised() -> None:
    assert set(EXERCISE) == set(workflow.ACTIONS)


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("kind", KINDS)
def test_services_do_what_the_table_says(
    world: Any, make_user: Any, make_case: Callable[..., Case], kind: str, state: str
) -> None:
    military_declarant(world, make_user)
    case = case_in(world, make_case, kind, state)
    mismatches = []
    for action in workflow.ACTIONS:
        for role in ROLES:
            user = who(world, kind, role)
            forget_scope(user)
            scope = scope_for(user)
            refused = workflow.refusal(action, scope, Case.objects.get(pk=case.pk))
            outcome, wrote = _attempt(action, user, case, world)
            if refused is None:
                if outcome != "done":
                    mismatches.append((action, role, "table allows", outcome))
            else:
                expected = "forbidden" if refused.forbidden else "refused"
                if outcome != expected and not (expected == "refused" and outcome == "invalid"):
                    mismatches.append((action, role, f"table: {expected}", outcome))
                if wrote:
                    mismatches.append((action, role, "refused but wrote", outcome))
    assert mismatches == []


@pytest.mark.parametrize("kind", KINDS)
def test_the_python_reading_rule_is_the_sql_one(
    world: Any, make_user: Any, make_case: Callable[..., Case], kind: str
) -> None:
    """case_level() (actions, messages) and case_filter() (every read) agree for every
    person on every state of every kind of case."""
    military_declarant(world, make_user)
    for state in STATES:
        case = case_in(world, make_case, kind, state)
        for role in ROLES:
            user = who(world, kind, role)
            sql = Case.objects.visible_to(user).filter(pk=case.pk).exists()
            assert case_readable(scope_for(user), case) is sql, (state, role)


# --- the table keeps the texts' invariants ---------------------------------------------


def _allowed(world: Any, case: Case, kind: str) -> dict[str, set[str]]:
    allowed: dict[str, set[str]] = {}
    for role in ROLES:
        user = who(world, kind, role)
        allowed[role] = set(workflow.available_actions(scope_for(user), case))
    return allowed


@pytest.mark.parametrize("kind", KINDS)
def test_a_closed_case_takes_only_its_lessons_learned(
    world: Any, make_user: Any, make_case: Callable[..., Case], kind: str
) -> None:
    military_declarant(world, make_user)
    case = case_in(world, make_case, kind, CaseStatus.CLOSED)
    for role, actions in _allowed(world, case, kind).items():
        assert actions <= {"retex"}, role


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("kind", KINDS)
def test_outsiders_never_act(
    world: Any, make_user: Any, make_case: Callable[..., Case], kind: str, state: str
) -> None:
    military_declarant(world, make_user)
    case = case_in(world, make_case, kind, state)
    allowed = _allowed(world, case, kind)
    # Read-only or unrelated people: nothing, ever.
    for role in ("member_lyon", "declarant_reunion", "director_paris", "vendor_contact"):
        assert allowed[role] == set(), role
    for role in ("admin", "nobody", "ars_reunion", "dgs", "ansm"):
        assert allowed[role] == set(), role
    if kind == "civil":
        assert allowed["ars_idf"] == set() and allowed["defence"] == set()
    else:
        assert allowed["ars_ara"] == set() and allowed["acss"] == set()
        # The ARS of a military hospital is never a party to its case; when care is
        # affected it may write the lessons learned once the case is closed.
        assert allowed["ars_idf"] <= ({"retex"} if kind == "military_care" else set())


@pytest.mark.parametrize("kind", KINDS)
def test_qualification_happens_once(
    world: Any, make_user: Any, make_case: Callable[..., Case], kind: str
) -> None:
    military_declarant(world, make_user)
    for state in (CaseStatus.TO_PROCESS, CaseStatus.TO_CLOSE, CaseStatus.CLOSED):
        case = case_in(world, make_case, kind, state)
        for role in ROLES:
            assert "qualify" not in _allowed(world, case, kind)[role]


# --- the views answer 403 to whoever the table never allows ----------------------------

URLS = {
    "take": ("prendre-en-charge/", {}),
    "release": ("ne-plus-suivre/", {}),
    "qualify": ("qualifier/", {"criticity": "not_incident", "outcomes": ["b1"]}),
    "ask": ("questions/", {"text": "Une question ?"}),
    "support": ("mode-accompagnement/", {"mode": "cell"}),
    "track": ("suivi/", {"kind": "containment", "text": "Isoler"}),
    "track_structure_action": ("suivi/", {"kind": "structure_action", "text": "Restauré"}),
    "report": ("point-ars/", {"text": "Point"}),
    "significant": ("significatif/", {"reason": "Vague"}),
    "crisis": ("crise/", {"on": "1", "reason": "x"}),
    "share": ("partage-cellule/", {"reason": "x"}),
    "end_support": ("fin-accompagnement/", {"reason": "x"}),
    "resume_support": ("reprise-accompagnement/", {"reason": "Réinfection"}),
    "close": ("cloturer/", {"synthesis": "Synthèse"}),
}


@pytest.mark.parametrize("kind", ["civil", "military"])
def test_views_refuse_whoever_the_table_never_allows(
    world: Any, make_user: Any, make_case: Callable[..., Case], kind: str
) -> None:
    military_declarant(world, make_user)
    case = case_in(world, make_case, kind, CaseStatus.TO_PROCESS)
    version = case.version
    for action, (path, data) in URLS.items():
        for role in ROLES:
            user = who(world, kind, role)
            if workflow.may(action, scope_for(user), case):
                continue
            response = client_for(user).post(
                f"/dossiers/{case.pk}/{path}", {"version": version, **data}
            )
            readable = Case.objects.visible_to(user).filter(pk=case.pk).exists()
            assert response.status_code == (403 if readable else 404), (action, role)
    assert Case.objects.get(pk=case.pk).version == version


def test_a_stale_page_on_a_closed_case_keeps_the_input_and_says_why(
    world: Any, make_user: Any, make_case: Callable[..., Case]
) -> None:
    military_declarant(world, make_user)
    case = case_in(world, make_case, "civil", CaseStatus.CLOSED)
    client = client_for(world.acss)
    for action in ("ask", "track"):
        path, data = URLS[action]
        text = "Texte tapé sur une page périmée"
        response = client.post(f"/dossiers/{case.pk}/{path}", {"version": 1, **data, "text": text})
        page = response.content.decode()
        assert response.status_code == 200
        assert "Ce dossier est clôturé" in page
        assert text in page
    indicator = client.post(
        f"/dossiers/{case.pk}/indicateurs/", {"kind": "ip", "value": "192.0.2.7"}
    )
    assert indicator.status_code == 400
    assert "Ce dossier est clôturé" in indicator.content.decode()
    assert not case.indicators.exists()
