"""The declaration form as its users read it: the stepper counts what it shows, the
main menu highlights "Déclarer un incident", labels start with a capital letter."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.factories import client_for
from vigie.declarations.models import Declaration
from vigie.declarations.services import declaration_submit
from vigie.declarations.steps import STEPS

pytestmark = pytest.mark.django_db


def current_menu_entry(html: str) -> str:
    found = re.findall(r'class="fr-nav__link"[^>]*aria-current="page"[^>]*>([^<]*)<', html)
    assert len(found) == 1, found
    return found[0]


def stepper_state(html: str) -> str:
    found = re.search(r'data-testid="stepper-state">([^<]*)<', html)
    assert found is not None
    return found.group(1)


def test_the_stepper_counts_the_steps_it_shows(
    world: Any, make_declaration: Callable[..., Declaration]
) -> None:
    draft = make_declaration(world.lyon, world.declarant_lyon)
    client = client_for(world.declarant_lyon)
    total = len(STEPS) + 1  # the review page is the last item of the stepper
    for number, step in enumerate(STEPS, start=1):
        html = client.get(f"/declarations/{draft.pk}/etape/{step.slug}/").content.decode()
        assert stepper_state(html) == f"Étape {number} sur {total}"
        assert html.count('data-testid="stepper-link"') + 1 == total
        assert f'data-fr-steps="{total}"' in html
    summary = client.get(f"/declarations/{draft.pk}/recapitulatif/").content.decode()
    assert stepper_state(summary) == f"Étape {total} sur {total}"


def test_the_form_pages_highlight_declare_an_incident(
    world: Any, make_declaration: Callable[..., Declaration]
) -> None:
    draft = make_declaration(world.lyon, world.declarant_lyon)
    client = client_for(world.declarant_lyon)
    for path in (
        f"/declarations/{draft.pk}/etape/{STEPS[0].slug}/",
        f"/declarations/{draft.pk}/etape/{STEPS[-1].slug}/",
        f"/declarations/{draft.pk}/recapitulatif/",
    ):
        assert current_menu_entry(client.get(path).content.decode()) == "Déclarer un incident"
    assert current_menu_entry(client.get("/declarations/").content.decode()) == "Déclarations"
    submitted = declaration_submit(declaration=draft, by=world.declarant_lyon)
    detail = client.get(f"/declarations/{submitted.pk}/").content.decode()
    assert current_menu_entry(detail) == "Déclarations"


def test_labels_start_with_a_capital_letter(
    world: Any, make_declaration: Callable[..., Declaration]
) -> None:
    draft = make_declaration(world.lyon, world.declarant_lyon)
    html = (
        client_for(world.declarant_lyon)
        .get(f"/declarations/{draft.pk}/etape/description/")
        .content.decode()
    )
    assert "Marquage TLP" in html
    assert "marquage TLP" not in html
