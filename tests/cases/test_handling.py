"""What the people handling a case notice: urgency first, the DGS's part on B3 cases,
the structure recording its own notifications, crisis mode ending with the case, and
the closure warning about notifications still owed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.factories import client_for
from vigie.cases.models import Case, CaseStatus, Criticity, TrackingEntry
from vigie.cases.services import (
    case_agree,
    case_close,
    case_end_support,
    case_qualify,
    case_set_crisis,
    case_switch_significant,
)
from vigie.insights.models import Obligation
from vigie.insights.services import obligations_sync
from vigie.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _qualify(case: Case, by: Any, outcomes: list[str]) -> Case:
    return case_qualify(
        case=case, by=by, version=None, criticity=Criticity.SERIOUS, outcomes=outcomes
    )


def test_urgent_cases_stand_out_and_come_first(world: Any, make_case: Callable[..., Case]) -> None:
    calm = make_case(world.lyon, world.declarant_lyon)
    _qualify(calm, world.acss, ["b2"])
    Case.objects.filter(pk=calm.pk).update(ars_update_due_at=timezone.now() - timedelta(days=2))
    urgent = make_case(world.lyon_lab, world.declarant_lyon_lab, urgent_help=True)
    care = make_case(world.lyon, world.declarant_lyon, care_impact="actual")
    landing = client_for(world.ars_ara).get("/dossiers/")
    # The ARS lands on every open case: the fresh urgent ones, awaiting qualification,
    # come before the late weekly update.
    assert landing.context["status"] == "open"
    order = [c.reference for c in landing.context["page_obj"]]
    assert set(order[:2]) == {urgent.reference, care.reference}
    assert order[2] == calm.reference
    page = landing.content.decode()
    assert page.count('data-testid="urgent-badge"') == 1
    assert page.count('data-testid="care-badge"') == 1
    header = client_for(world.acss).get(f"/dossiers/{urgent.pk}/").content.decode()
    assert 'data-testid="urgent-badge"' in header
    assert "Aide urgente demandée" in header


def test_the_dgs_recommends_on_a_b3_case_and_is_not_sent_to_a_page_it_cannot_read(
    world: Any, make_case: Callable[..., Case]
) -> None:
    case = _qualify(make_case(world.lyon, world.declarant_lyon), world.acss, ["b2", "b3"])
    dgs = client_for(world.dgs)
    page = dgs.get(f"/dossiers/{case.pk}/")
    assert page.status_code == 200
    assert 'data-testid="declaration-link"' not in page.content.decode()
    kinds = [value for value, _label in page.context["forms"]["track"].fields["kind"].choices]
    assert kinds == ["recommendation", "palliative"]
    response = dgs.post(
        f"/dossiers/{case.pk}/suivi/",
        {"version": case.version, "kind": "palliative", "text": "Dérouter les urgences"},
    )
    assert response.status_code == 302
    entry = TrackingEntry.objects.get(case=case)
    assert entry.by == world.dgs and entry.kind == "palliative"
    assert Notification.objects.filter(
        user=world.declarant_lyon, body__contains="Dérouter"
    ).exists()
    # Not on a case without sanitary impact, and not the cell's own kinds.
    other = _qualify(make_case(world.lyon, world.declarant_lyon), world.acss, ["b2"])
    assert dgs.get(f"/dossiers/{other.pk}/").status_code == 404
    analysis = dgs.post(
        f"/dossiers/{case.pk}/suivi/", {"version": case.version, "kind": "analysis", "text": "x"}
    )
    assert analysis.status_code == 403


def test_the_structure_records_the_notifications_it_made(
    world: Any, make_case: Callable[..., Case]
) -> None:
    case = make_case(world.lyon, world.declarant_lyon, data_confidentiality=True)
    page = client_for(world.declarant_lyon).get(f"/dossiers/{case.pk}/").content.decode()
    assert "/obligations/cnil/" in page
    made = timezone.localtime(timezone.now(), timezone.get_fixed_timezone(60)).strftime(
        "%Y-%m-%dT%H:%M"
    )
    response = client_for(world.declarant_lyon).post(
        f"/dossiers/{case.pk}/obligations/cnil/", {"done_at": made}
    )
    assert response.status_code == 302
    cnil = Obligation.objects.get(case=case, kind="cnil")
    assert cnil.done_by == world.declarant_lyon and cnil.done_at is not None
    assert case.timeline.filter(kind="obligation", actor=world.declarant_lyon).exists()
    # The SSI correspondent reads it but records nothing.
    refused = client_for(world.member_lyon).post(
        f"/dossiers/{case.pk}/obligations/cnil/", {"done_at": made}
    )
    assert refused.status_code == 403


def test_crisis_mode_ends_with_the_case_and_closing_warns_of_notifications_owed(
    world: Any, make_case: Callable[..., Case]
) -> None:
    case = _qualify(
        make_case(world.lyon, world.declarant_lyon, data_confidentiality=True),
        world.acss,
        ["b2"],
    )
    case = case_switch_significant(case=case, by=world.acss, version=None, reason="Vague")
    case = case_set_crisis(case=case, by=world.hfds, version=None, on=True, reason="Crise")
    case = case_end_support(case=case, by=world.acss, version=None)
    for party, by in (
        ("cell", world.acss),
        ("ars", world.ars_ara),
        ("hfds", world.hfds),
        ("structure", world.declarant_lyon),
    ):
        case_agree(case=case, by=by, party=party, opinion="useful")
    page = client_for(world.acss).get(f"/dossiers/{case.pk}/").content.decode()
    assert 'data-testid="close-pending-notifications"' in page
    assert "CNIL" in page
    case = case_close(case=case, by=world.acss, version=None, synthesis="Fin")
    assert case.status == CaseStatus.CLOSED and not case.crisis_mode
    assert case.timeline.filter(kind="crisis").last().data == {"on": False}
    queue = client_for(world.hfds).get("/dossiers/?status=closed").content.decode()
    assert 'data-testid="crisis-badge"' not in queue


def test_the_ars_gets_the_summary_of_a_military_case_that_affects_care(
    world: Any, make_user: Any, make_case: Callable[..., Case]
) -> None:
    from vigie.directory.models import Role

    soldier = make_user(Role.DECLARANT, structure=world.military)
    case = make_case(
        world.military,
        soldier,
        care_impact="actual",
        description="Détail réservé à la chaîne de défense",
    )
    case = _qualify(case, world.defence, ["b2"])
    ars = client_for(world.ars_idf)
    page = ars.get(f"/dossiers/{case.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="case-summary"' in text and "Soins affectés" in text
    assert "Détail réservé" not in text and 'data-testid="timeline"' not in text
    for url in (
        f"/dossiers/{case.pk}/rapport.pdf",
        f"/dossiers/{case.pk}/indicateurs/stix.json",
        f"/declarations/{case.declaration_id}/",
    ):
        assert ars.get(url).status_code == 404, url
    # The defence chain reads it all.
    assert (
        "Détail réservé" in client_for(world.defence).get(f"/dossiers/{case.pk}/").content.decode()
    )


def test_a_military_case_owes_its_declaration_to_the_defence_chain(
    world: Any, make_user: Any, make_case: Callable[..., Case]
) -> None:
    from vigie.directory.models import Role

    soldier = make_user(Role.DECLARANT, structure=world.military)
    case = make_case(world.military, soldier, care_impact="none")
    page = client_for(world.defence).get(f"/dossiers/{case.pk}/").content.decode()
    assert "Chaîne de défense (déclaration)" in page
    assert "cellule d’accompagnement (déclaration)" not in page.lower()


def test_handlers_land_on_what_needs_them_now(
    world: Any, make_user: Any, make_case: Callable[..., Case]
) -> None:
    """HFDS, ACSS, DGS and ARS home pages: urgent cases, cases to qualify, late weekly
    updates, significant incidents and the regulatory deadlines due soon, counted over
    what each may read (the ARS of Réunion sees none of Lyon's)."""
    urgent = make_case(
        world.lyon, world.declarant_lyon, urgent_help=True, data_confidentiality=True
    )
    obligations_sync(case=urgent)  # what the regulatory clock's task does every 15 min
    late = _qualify(make_case(world.lyon_lab, world.declarant_lyon_lab), world.acss, ["b2"])
    Case.objects.filter(pk=late.pk).update(ars_update_due_at=timezone.now() - timedelta(days=1))
    page = client_for(world.ars_ara).get("/").content.decode()
    assert 'data-testid="work-now"' in page
    assert 'data-testid="work-urgent" data-count="1"' in page
    assert 'data-testid="work-awaiting" data-count="1"' in page
    assert 'data-testid="work-overdue" data-count="1"' in page
    assert "dossier urgent (aide demandée ou soins affectés)" in page
    assert "Structures visibles" not in page  # no count of structures per region
    assert 'data-testid="deadlines"' in page  # the ARS/cell notification is due at once
    other = client_for(world.ars_reunion).get("/").content.decode()
    assert 'data-testid="work-urgent" data-count="0"' in other
    assert 'data-testid="no-deadlines"' in other
    # A declarant's home page has none of it.
    assert (
        'data-testid="work-now"' not in client_for(world.declarant_lyon).get("/").content.decode()
    )


def test_people_with_no_case_have_no_case_queue(world: Any) -> None:
    for who in (world.vendor_contact, world.admin, world.nobody):
        assert client_for(who).get("/dossiers/").status_code == 404
    assert client_for(world.member_lyon).get("/dossiers/").status_code == 200
