"""The quick declaration (issue 16): six answers from a phone file the declaration, alert
the same entities as the full form and open the case at once; the rest of tasks A-D is
completed afterwards by the structure or the cell, and the case shows what is missing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import client_for
from vigie.cases.models import Case, EventKind
from vigie.declarations.models import (
    Declaration,
    DeclarationRecipient,
    DeclarationStatus,
    IncidentType,
    RecipientKind,
)
from vigie.notifications.models import OutgoingEmail

pytestmark = pytest.mark.django_db


def quick_post(world: Any, **overrides: Any) -> dict[str, Any]:
    return {
        "structure": world.lyon_lab.pk,
        "declarant_name": "Inès Garnier",
        "declarant_phone": "06 12 34 56 78",
        "incident_type": IncidentType.objects.get(code="ransomware").pk,
        "description": "Serveurs chiffrés, note de rançon sur les écrans",
        "care_impact": "actual",
        "urgent_help": "1",
        **overrides,
    }


def test_six_answers_file_the_declaration_and_open_the_case(world: Any) -> None:
    client = client_for(world.declarant_lyon_lab)
    assert client.get("/declarations/rapide/").status_code == 200
    response = client.post("/declarations/rapide/", quick_post(world))
    assert response.status_code == 302
    declaration = Declaration.objects.get(structure=world.lyon_lab)
    assert declaration.status == DeclarationStatus.SUBMITTED
    assert declaration.completed_at is None  # tasks A-D still to come
    assert declaration.urgent_help and declaration.help_needed
    assert declaration.declarant_email == world.declarant_lyon_lab.email
    case = Case.objects.get(declaration=declaration)
    assert case.care_affected
    # Routed like any other declaration: the ARS of the territory and the cell.
    kinds = set(
        DeclarationRecipient.objects.filter(declaration=declaration).values_list("kind", flat=True)
    )
    assert {RecipientKind.ARS, RecipientKind.ACSS} <= kinds
    assert OutgoingEmail.objects.filter(
        purpose="acknowledgement", topic__endswith=str(declaration.pk)
    ).exists()

    done = client.get(response["Location"])
    page = done.content.decode()
    assert declaration.reference in page and "06\u00a012\u00a034\u00a056\u00a078" in page
    assert "ARS Auvergne-Rhône-Alpes" in page
    assert 'data-testid="complete-link"' in page


def test_missing_answers_keep_what_was_typed_and_file_nothing(world: Any) -> None:
    client = client_for(world.declarant_lyon_lab)
    response = client.post(
        "/declarations/rapide/", quick_post(world, declarant_phone="", care_impact="")
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Donnez un numéro de téléphone pour vous rappeler." in page
    assert "Dites si les soins aux patients sont touchés." in page
    assert "Serveurs chiffrés, note de rançon sur les écrans" in page
    assert not Declaration.objects.filter(structure=world.lyon_lab).exists()


def test_only_the_structures_declarants_file_for_it(world: Any) -> None:
    # Another structure's declarant cannot slip a structure id in.
    response = client_for(world.declarant_lyon).post("/declarations/rapide/", quick_post(world))
    assert response.status_code == 400
    for user in (world.member_lyon, world.ars_ara, world.acss, world.vendor_contact):
        assert client_for(user).get("/declarations/rapide/").status_code == 403
    assert not Declaration.objects.filter(structure=world.lyon_lab).exists()


def _quick(world: Any) -> Declaration:
    client_for(world.declarant_lyon_lab).post("/declarations/rapide/", quick_post(world))
    return Declaration.objects.get(structure=world.lyon_lab)


COMPLETION = {
    "perimetre": {"systems_affected": ["servers", "biomedical"], "sites_affected": "Site Sud"},
    "origine": {"malicious": "yes", "can_handle_alone": "no", "help_needed": "on"},
}


def test_the_case_shows_what_is_missing_until_the_declarant_completes_it(world: Any) -> None:
    declaration = _quick(world)
    case = Case.objects.get(declaration=declaration)
    case_page = client_for(world.acss).get(f"/dossiers/{case.pk}/").content.decode()
    assert "Déclaration transmise avec ses premiers éléments : reste à compléter" in case_page
    assert "Systèmes touchés" in case_page

    client = client_for(world.declarant_lyon_lab)
    overview = client.get(f"/declarations/{declaration.pk}/completer/").content.decode()
    assert "À compléter" in overview
    for step, values in COMPLETION.items():
        response = client.post(f"/declarations/{declaration.pk}/completer/{step}/", values)
        assert response.status_code == 302, response.content.decode()[:2000]
    declaration.refresh_from_db()
    assert declaration.completed_at is not None
    events = case.timeline.filter(kind=EventKind.DECLARATION)
    assert events.count() == 2 and events.last().data["completed"] is True  # type: ignore[union-attr]
    # A biomedical system is a health product: the ANSM is alerted now, and reads the case.
    assert DeclarationRecipient.objects.filter(
        declaration=declaration, kind=RecipientKind.ANSM
    ).exists()
    case.refresh_from_db()
    assert case.involves_health_products
    assert client_for(world.ansm).get(f"/dossiers/{case.pk}/").status_code == 200
    # Complete: no more changes through this door.
    again = client.post(
        f"/declarations/{declaration.pk}/completer/perimetre/", {"sites_affected": "Autre"}
    )
    assert again.status_code == 302
    declaration.refresh_from_db()
    assert declaration.sites_affected == "Site Sud"


def test_the_cell_may_complete_it_others_may_not(world: Any) -> None:
    declaration = _quick(world)
    url = f"/declarations/{declaration.pk}/completer/perimetre/"
    assert client_for(world.acss).get(url).status_code == 200
    # Readers who do not complete it: 403; strangers: 404, nothing written.
    assert client_for(world.ars_ara).post(url, COMPLETION["perimetre"]).status_code == 403
    assert client_for(world.declarant_lyon).post(url, COMPLETION["perimetre"]).status_code == 404
    assert client_for(world.ars_reunion).get(url).status_code == 404
    declaration.refresh_from_db()
    assert declaration.systems_affected == []


def test_a_bad_date_is_refused_in_french_and_nothing_is_lost(world: Any) -> None:
    declaration = _quick(world)
    response = client_for(world.declarant_lyon_lab).post(
        f"/declarations/{declaration.pk}/completer/identite/",
        {
            "declarant_name": "Inès Garnier",
            "declarant_email": "ines@lab.test",
            "declarant_phone": "06 12 34 56 78",
            "detected_at": "2099-01-01T10:00",
            "incident_type": declaration.incident_type_id,
            "declarant_function": "Biologiste responsable",
        },
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "La date de détection ne peut pas être dans le futur." in page
    assert "Biologiste responsable" in page


def test_the_quick_pages_style_sheet_matches_the_installed_dsfr() -> None:
    """quick.css bundles DSFR components: rebuild it (scripts/quick_css.py) on upgrade."""
    import runpy
    from pathlib import Path

    script = runpy.run_path(str(Path(__file__).resolve().parents[2] / "scripts/quick_css.py"))
    assert script["TARGET"].read_text(encoding="utf-8") == script["build"]()
