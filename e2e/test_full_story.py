"""The whole story in the browser (issue 8): a declarant declares, the cell qualifies,
the ARS chooses the support mode, every party agrees and the cell closes, the lessons
learned are anonymised, reviewed side by side and published; a visitor reads them on
the public portal without anything that identifies the hospital or its people.

Each person works in a browser of their own, signed in once. Locators are the roles,
labels and French texts people see; assertions are what they would notice. When the
test fails, every person's page is screenshotted into e2e-artifacts/.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from e2e.conftest import (
    accordion_of,
    givors_people,
    member,
    open_action,
    sign_in,
    sign_in_with_code,
    tick,
)
from vigie.directory.models import Region, Role

pytestmark = pytest.mark.e2e

# What the lessons learned say about the incident, identifying details included.
PERSON = "Claire Martin"
STRUCTURE = "Centre hospitalier de Givors"
IP_ADDRESS = "185.220.101.4"
EMAIL = "rssi@ch-givors.test"
CAUSES = (
    f"{PERSON}, RSSI du {STRUCTURE}, a constaté qu’un compte VPN sans double "
    f"authentification avait été utilisé depuis l’adresse {IP_ADDRESS}."
)
AGGRAVATING = (
    f"Les sauvegardes étaient joignables depuis le domaine et l’alerte envoyée à {EMAIL} "
    "n’a été lue que le lendemain."
)
MEASURES = (
    "Réinitialisation de tous les mots de passe et restauration depuis les copies hors ligne."
)
LESSON = "isoler les sauvegardes du domaine et imposer la double authentification"
RECOMMENDATIONS = f"Pour les accès distants : {LESSON}."
TITLE = "Rançongiciel entré par un accès VPN sans double authentification"


def notice(page: Any, text: str) -> None:
    """The confirmation shown at the top of the page after an action."""
    expect(page.get_by_role("status").filter(has_text=text)).to_be_visible()


def status_badge(page: Any) -> Any:
    return page.get_by_test_id("badges").get_by_test_id("status")


def action_form(page: Any, button: str) -> Any:
    """The form of the case page whose submit button reads ``button``."""
    form = page.locator("form").filter(
        has=page.get_by_role("button", name=button, exact=True, include_hidden=True)
    )
    return open_action(page, form)


def choose(page: Any, scope: Any, label: str) -> None:
    """Tick the radio or checkbox ``label`` (exact) inside ``scope``."""
    tick(page, scope.get_by_label(label, exact=True))


def test_full_story_from_declaration_to_a_published_anonymised_retex(
    live_server: Any, open_page: Callable[[str], Any]
) -> None:
    base = live_server.url
    _structure, declarant, analyst, analyst_secret = givors_people()
    ars, ars_secret = member(
        "referent.ssi@ars-ara.test",
        "Thomas",
        "Girard",
        Role.ARS_OFFICER,
        mfa=True,
        region=Region.objects.get(code="84"),
    )

    # --- 1. The declarant files the declaration through the five steps. ----------------
    rssi = open_page("declarant")
    sign_in(rssi, base, declarant.email)
    rssi.wait_for_url(f"{base}/")
    rssi.get_by_role("link", name="Déclarer un incident").first.click()
    rssi.get_by_role("button", name="Commencer la déclaration").click()
    rssi.wait_for_url(re.compile(r"/declarations/\d+/etape/identite/$"))

    expect(rssi.get_by_label("Nom du déclarant")).to_have_value(PERSON)
    rssi.get_by_label("Téléphone du déclarant").fill("04 78 00 00 00")
    detected = timezone.localtime() - timedelta(hours=3)
    rssi.get_by_label("Date et heure de détection").fill(detected.strftime("%Y-%m-%dT%H:%M"))
    rssi.get_by_label("Type d’incident").select_option(label="Rançongiciel")
    rssi.get_by_role("button", name="Enregistrer et continuer").click()

    rssi.wait_for_url(re.compile(r"/etape/perimetre/$"))
    choose(rssi, rssi, "Serveurs")
    rssi.get_by_role("button", name="Enregistrer et continuer").click()

    rssi.wait_for_url(re.compile(r"/etape/impacts/$"))
    choose(rssi, rssi.get_by_role("group", name="Impact sur la sécurité des soins"), "Potentiel")
    rssi.get_by_role("button", name="Enregistrer et continuer").click()

    rssi.wait_for_url(re.compile(r"/etape/origine/$"))
    choose(rssi, rssi.get_by_role("group", name="Origine malveillante"), "Oui")
    choose(rssi, rssi.get_by_role("group", name="Capacité à traiter l’incident seul"), "Non")
    rssi.get_by_role("button", name="Enregistrer et continuer").click()

    rssi.wait_for_url(re.compile(r"/etape/description/$"))
    rssi.get_by_label("Description").fill(
        "Écran de rançon sur les serveurs à 4 h ; les urgences passent en mode dégradé."
    )
    rssi.get_by_role("button", name="Enregistrer et vérifier").click()

    rssi.wait_for_url(re.compile(r"/recapitulatif/$"))
    rssi.get_by_role("button", name="Transmettre la déclaration").click()
    rssi.wait_for_url(re.compile(r"/declarations/\d+/$"))
    notice(rssi, "Votre déclaration a été transmise sous la référence")
    reference = rssi.get_by_role("heading", level=1).inner_text().strip()
    assert re.fullmatch(r"SSI-\d{4}-\d{5}", reference)
    expect(rssi.get_by_text("ARS Auvergne-Rhône-Alpes").first).to_be_visible()
    case_link = rssi.get_by_role("link", name=f"dossier {reference}")
    expect(case_link).to_be_visible()
    case_link.click()
    rssi.wait_for_url(re.compile(r"/dossiers/\d+/$"))
    case_url = rssi.url
    expect(status_badge(rssi)).to_have_text("À qualifier")

    # --- 2. The cell's analyst finds it in the queue and qualifies it. ----------------
    cell = open_page("analyst")
    sign_in_with_code(cell, base, analyst.email, analyst_secret)
    cell.get_by_role("link", name="Dossiers", exact=True).first.click()
    cell.get_by_role("link", name=reference).click()
    cell.wait_for_url(case_url)
    expect(status_badge(cell)).to_have_text("À qualifier")
    qualify = action_form(cell, "Qualifier l’incident")
    choose(cell, qualify, "Grave")
    choose(cell, qualify, "B2 — incident grave ou significatif : informer le HFDS")
    qualify.get_by_label("Motivation").fill("Chiffrement des serveurs confirmé par l’éditeur.")
    qualify.get_by_role("button", name="Qualifier l’incident").click()
    notice(cell, "Le dossier est qualifié.")
    expect(status_badge(cell)).to_have_text("À traiter")
    expect(cell.get_by_test_id("criticity")).to_have_text("Criticité : Grave")

    # --- 3. The ARS officer of the region chooses the support mode. -------------------
    agency = open_page("ars")
    sign_in_with_code(agency, base, ars.email, ars_secret)
    agency.get_by_role("link", name="Dossiers", exact=True).first.click()
    agency.get_by_role("link", name=reference).click()
    agency.wait_for_url(case_url)
    expect(status_badge(agency)).to_have_text("À traiter")
    support = action_form(agency, "Enregistrer le mode d’accompagnement")
    choose(agency, support, "Confié à la cellule ACSS")
    support.get_by_label("Commentaire").fill("La cellule dispose des compétences forensiques.")
    support.get_by_role("button", name="Enregistrer le mode d’accompagnement").click()
    notice(agency, "Le mode d’accompagnement est enregistré.")
    expect(agency.get_by_test_id("support-mode")).to_have_text("Confié à la cellule ACSS")

    # --- 4. Support ends; the cell, the ARS and the structure agree; the cell closes. -
    cell.reload()
    expect(cell.get_by_test_id("support-mode")).to_have_text("Confié à la cellule ACSS")
    end = action_form(cell, "Terminer l’accompagnement")
    end.get_by_label("Résumé de l’accompagnement apporté").fill(
        "Serveurs restaurés, comptes réinitialisés, accès VPN protégés."
    )
    end.get_by_role("button", name="Terminer l’accompagnement").click()
    notice(cell, "L’accompagnement est terminé : l’accord de clôture est demandé aux parties.")
    expect(status_badge(cell)).to_have_text("À clôturer")
    agree = action_form(cell, "Donner mon accord")
    expect(accordion_of(cell, agree)).to_contain_text("au nom de : Cellule ACSS")
    agree.get_by_role("button").click()
    notice(cell, "Votre accord de clôture est enregistré.")
    expect(
        cell.get_by_text("Encore attendu avant la clôture : l’accord de ARS, Structure.")
    ).to_be_visible()

    agency.reload()
    expect(status_badge(agency)).to_have_text("À clôturer")
    agree = action_form(agency, "Donner mon accord")
    expect(accordion_of(agency, agree)).to_contain_text("au nom de : ARS")
    agree.get_by_role("button").click()
    notice(agency, "Votre accord de clôture est enregistré.")

    rssi.reload()
    expect(status_badge(rssi)).to_have_text("À clôturer")
    agree = action_form(rssi, "Donner mon accord")
    expect(accordion_of(rssi, agree)).to_contain_text("au nom de : Structure")
    choose(rssi, agree, "Utile")
    agree.get_by_label("Votre commentaire sur l’aide reçue").fill("Réactivité appréciée la nuit.")
    agree.get_by_role("button", name="Donner mon accord").click()
    notice(rssi, "Votre accord de clôture est enregistré.")

    cell.reload()
    expect(cell.get_by_text("Accord donné")).to_have_count(3)
    expect(cell.get_by_text("Encore attendu avant la clôture")).to_have_count(0)
    close = action_form(cell, "Clôturer le dossier")
    close.get_by_label("Synthèse des actions et résultats").fill(
        "Activité reprise en 72 heures ; aucune donnée de patient exfiltrée."
    )
    close.get_by_role("button", name="Clôturer le dossier").click()
    notice(cell, "Le dossier est clôturé.")
    expect(status_badge(cell)).to_have_text("Clôturé")
    expect(cell.get_by_test_id("structure-opinion")).to_contain_text("Utile")

    rssi.reload()
    expect(status_badge(rssi)).to_have_text("Clôturé")
    expect(rssi.get_by_text("Ce dossier est clôturé")).to_be_visible()

    # --- 5. The cell writes the lessons learned, reviews the anonymised text, publishes.
    cell.get_by_role("link", name="Rédiger le retour d’expérience").click()
    cell.get_by_label("Causes de l’incident").fill(CAUSES)
    cell.get_by_label("Facteurs ayant augmenté les impacts").fill(AGGRAVATING)
    cell.get_by_label("Mesures mises en place").fill(MEASURES)
    cell.get_by_label("Recommandations").fill(RECOMMENDATIONS)
    cell.get_by_role("button", name="Enregistrer", exact=True).click()
    notice(cell, "Le retour d’expérience a été enregistré.")
    expect(cell.get_by_text(CAUSES)).to_be_visible()
    cell.get_by_role("button", name="Partager avec la cellule ACSS et les ARS").click()
    notice(cell, "Le retour d’expérience est désormais dans la base de partage ACSS–ARS.")
    cell.get_by_role("button", name="Anonymiser pour la communauté").click()
    expect(cell.get_by_role("heading", name="Relecture avant publication")).to_be_visible()

    # Side by side: the original on the left, the proposed text on the right.
    causes = cell.get_by_test_id("review-row").filter(has=cell.get_by_label("Causes de l’incident"))
    expect(causes.get_by_test_id("original")).to_contain_text(IP_ADDRESS)
    proposed = causes.get_by_label("Causes de l’incident").input_value()
    for identifying in (PERSON, STRUCTURE, IP_ADDRESS):
        assert identifying not in proposed, proposed
    assert "[ADRESSE IP]" in proposed, proposed
    aggravating = cell.get_by_label("Facteurs ayant augmenté les impacts").input_value()
    assert EMAIL not in aggravating and "[COURRIEL]" in aggravating, aggravating
    expect(cell.get_by_label("Recommandations")).to_have_value(RECOMMENDATIONS)

    cell.get_by_label("Titre").fill(TITLE)
    tick(cell, cell.get_by_label("J’ai relu le texte anonymisé"))
    cell.get_by_role("button", name="Publier sur le portail").click()
    notice(cell, "Le retour d’expérience anonymisé est publié.")
    expect(cell.get_by_role("heading", name=TITLE)).to_be_visible()

    # --- 6. An anonymous visitor reads it on the public portal. -----------------------
    visitor = open_page("visitor")
    visitor.goto(f"{base}/")
    visitor.get_by_role("link", name="Portail", exact=True).first.click()
    visitor.get_by_role("link", name=TITLE).click()
    expect(visitor.get_by_role("heading", name=TITLE)).to_be_visible()
    text = visitor.locator("main").inner_text()
    assert LESSON in text, text
    assert MEASURES in text, text
    for token in ("[PERSONNE]", "[STRUCTURE]", "[ADRESSE IP]", "[COURRIEL]"):
        assert token in text, text
    # Nowhere in the page, not even in its markup.
    html = visitor.content()
    for identifying in (PERSON, "Martin", "Givors", IP_ADDRESS, EMAIL):
        assert identifying not in html, f"{identifying!r} is published: {text}"
