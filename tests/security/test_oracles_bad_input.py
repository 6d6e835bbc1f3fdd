"""Malformed input is a clear 4xx or a form error, never a 500: path parts that are not
identifiers, NUL bytes (PostgreSQL refuses them in text and JSON), impossible dates.

Found by probing the community, alerts, portal, RETEX, action plan and declaration
views with the test client as each legitimate role."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from tests.factories import client_for
from vigie.community.models import Thread
from vigie.declarations.models import Declaration

pytestmark = pytest.mark.django_db

NUL = "Nom\x00"


def _quiet(client: Client) -> Client:
    client.raise_request_exception = False
    return client


@pytest.mark.parametrize("object_id", ["abc", "1.5", "%20", "-"])
def test_a_comment_on_a_malformed_document_id_is_a_404(world: Any, object_id: str) -> None:
    content_type = ContentType.objects.get_for_model(Thread)
    for user in (world.declarant_lyon, world.acss):
        client = _quiet(client_for(user))
        url = f"/communaute/commentaires/{content_type.pk}/{object_id}/"
        assert client.post(url, {"body": "Merci"}).status_code == 404


def test_a_nul_byte_in_the_portal_search_is_no_error() -> None:
    response = _quiet(Client()).get("/portail/recherche/", {"q": "rançon\x00giciel"})
    assert response.status_code == 200


def test_a_nul_byte_in_an_action_plan_address_is_a_404(world: Any) -> None:
    finess = world.lyon.finess
    declarant = _quiet(client_for(world.declarant_lyon))
    assert declarant.get(f"/plan-action/structures/{finess}/", {"plan": NUL}).status_code == 404
    assert declarant.get("/plan-action/structures/%00/").status_code == 404
    hfds = _quiet(client_for(world.hfds))
    assert hfds.get("/plan-action/national/", {"plan": NUL}).status_code == 404
    assert hfds.get("/plan-action/rapports/", {"plan": NUL}).status_code == 404
    assert hfds.get("/plan-action/region/%00/").status_code == 404
    ars = _quiet(client_for(world.ars_ara))
    assert ars.get("/plan-action/region/84/", {"plan": NUL}).status_code == 404


@pytest.mark.parametrize(
    ("slug", "field"),
    [
        ("identite", "declarant_name"),
        ("identite", "incident_type"),
        ("perimetre", "software"),
        ("impacts", "care_impact"),
        ("description", "description"),
    ],
)
def test_a_nul_byte_in_a_declaration_step_is_a_form_error(
    world: Any, make_declaration: Any, slug: str, field: str
) -> None:
    draft = make_declaration(world.lyon, world.declarant_lyon)
    client = _quiet(client_for(world.declarant_lyon))
    page = client.post(f"/declarations/{draft.pk}/etape/{slug}/", {field: NUL, "action": "save"})
    assert page.status_code == 200
    assert field in page.context["form"].errors
    autosave = client.post(f"/declarations/{draft.pk}/enregistrer/{slug}/", {field: NUL})
    assert autosave.status_code == 200
    assert field in autosave.json()["errors"]
    # What was typed is kept (without the NUL byte) and the draft still opens.
    kept = Declaration.objects.get(pk=draft.pk).draft_data[slug][field]
    assert "\x00" not in kept
    assert client.get(f"/declarations/{draft.pk}/etape/{slug}/").status_code == 200


@pytest.mark.parametrize("moment", ["0001-01-01T00:00", "0099-06-30T12:00"])
def test_a_date_of_antiquity_is_refused_and_the_draft_still_opens(
    world: Any, make_declaration: Any, moment: str
) -> None:
    draft = make_declaration(world.lyon, world.declarant_lyon)
    client = _quiet(client_for(world.declarant_lyon))
    for field in ("detected_at", "started_at"):
        page = client.post(
            f"/declarations/{draft.pk}/etape/identite/", {field: moment, "action": "save"}
        )
        assert page.status_code == 200
        assert field in page.context["form"].errors
    autosave = client.post(
        f"/declarations/{draft.pk}/enregistrer/identite/", {"detected_at": moment}
    )
    assert autosave.status_code == 200
    assert "detected_at" in autosave.json()["errors"]
    assert client.get(f"/declarations/{draft.pk}/etape/identite/").status_code == 200
    assert client.get(f"/declarations/{draft.pk}/recapitulatif/").status_code == 200
