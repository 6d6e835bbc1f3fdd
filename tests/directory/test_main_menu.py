"""The main menu fits on one line at 1280 px for every role (checked in a browser by
e2e/test_layout.py): few top-level entries, the exchanges grouped under one menu."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.factories import client_for

pytestmark = pytest.mark.django_db

# What fits on one line of the DSFR header at 1280 px with Vigie's labels (measured in
# chromium: the widest menu, the ACSS's, takes about 1 000 of the 1 200 px).
MOST_TOP_LEVEL_ENTRIES = 9


def top_level(html: str) -> list[str]:
    nav = html.split('id="fr-navigation"')[1].split("</nav>")[0]
    return [
        " ".join(label.split())
        for label in re.findall(r'<li class="fr-nav__item">\s*<(?:a|button)[^>]*>([^<]*)<', nav)
    ]


@pytest.mark.parametrize(
    "role",
    ["acss", "hfds", "director_paris", "ars_ara", "declarant_lyon", "admin", "vendor_contact"],
)
def test_the_main_menu_keeps_few_top_level_entries(world: Any, role: str) -> None:
    entries = top_level(client_for(getattr(world, role)).get("/").content.decode())
    assert 2 <= len(entries) <= MOST_TOP_LEVEL_ENTRIES, entries
    assert "Mon compte" not in entries  # the person's name in the header leads there


def test_exchanges_are_grouped_under_one_menu(world: Any) -> None:
    html = client_for(world.acss).get("/communaute/").content.decode()
    assert top_level(html) == [
        "Accueil",
        "Portail",
        "Structures",
        "Déclarations",
        "Dossiers",
        "Plan d’action SSI",
        "RETEX",
        "Statistiques",
        "Échanges",
    ]
    menu = html.split('id="nav-menu-exchanges"')[1].split("</div>")[0]
    assert re.findall(r'class="fr-nav__link"[^>]*>([^<]*)<', menu) == [
        "Courriels à trier",
        "Communauté",
        "Alertes",
        "Demandes aux éditeurs",
    ]
    # The group of the current page is marked current too.
    assert 'aria-controls="nav-menu-exchanges" aria-current="true"' in html


def test_a_group_of_one_is_a_plain_link(world: Any) -> None:
    html = client_for(world.vendor_contact).get("/").content.decode()
    assert top_level(html) == ["Accueil", "Portail", "Demandes aux éditeurs"]
    assert "nav-menu-exchanges" not in html


def test_no_link_to_the_case_queue_for_a_vendor_contact(world: Any) -> None:
    # A vendor contact follows no structure: nothing leads to "Les dossiers de votre
    # structure" (the queue itself belongs to the cases app).
    html = client_for(world.vendor_contact).get("/").content.decode()
    assert 'href="/dossiers/"' not in html
    assert "Dossiers" not in top_level(html)
