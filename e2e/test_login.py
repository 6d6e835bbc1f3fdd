"""A staff member sets up MFA at first login; a declarant finds its structure."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.cache import cache

from e2e.conftest import PASSWORD, sign_in, totp_now
from vigie.directory.finess import with_check_key
from vigie.directory.models import Departement, Region, Role, Structure, User
from vigie.directory.services import membership_grant

pytestmark = pytest.mark.e2e


def test_ars_officer_sets_up_mfa_then_signs_in_with_a_code(live_server: Any, page: Any) -> None:
    officer = User.objects.create_user(
        email="referent.ssi@ars.test", password=PASSWORD, first_name="Thomas", last_name="Girard"
    )
    membership_grant(
        user=officer, role=Role.ARS_OFFICER, by=None, region=Region.objects.get(code="04")
    )
    base = live_server.url

    sign_in(page, base, officer.email)
    # Forced to the authenticator set-up page, in French, with the DSFR layout.
    page.wait_for_url(re.compile(r"/compte/2fa/totp/activate/"))
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("header.fr-header").is_visible()
    assert page.get_by_text("Votre rôle impose la double authentification").is_visible()
    secret = page.locator("#authenticator_secret").input_value()
    assert re.fullmatch(r"[A-Z2-7]{16,}", secret)
    page.locator("input[name=code]").fill(totp_now(secret))
    page.get_by_role("button", name="Activer").click()
    page.wait_for_load_state()

    page.goto(f"{base}/")
    assert page.get_by_role("heading", name="Bienvenue, Thomas Girard").is_visible()
    assert page.get_by_text("ARS La Réunion").first.is_visible()
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_load_state()

    # Next time the password alone is not enough.
    cache.clear()
    sign_in(page, base, officer.email)
    page.wait_for_url(re.compile(r"/compte/2fa/authenticate/"))
    page.locator("input[name=code]").fill(totp_now(secret, step=1))
    page.get_by_role("button").filter(has_text=re.compile("Se connecter|Valider|Connexion")).click()
    page.wait_for_url(f"{base}/")
    assert page.get_by_role("heading", name="Bienvenue, Thomas Girard").is_visible()


def test_declarant_signs_in_and_an_invalid_finess_is_explained(live_server: Any, page: Any) -> None:
    structure = Structure.objects.create(
        finess=with_check_key("97040061"),
        name="CHU de La Réunion",
        kind="health_facility",
        departement=Departement.objects.get(code="974"),
    )
    declarant = User.objects.create_user(
        email="rssi@chu-reunion.test", password=PASSWORD, first_name="Jean-Marc", last_name="Payet"
    )
    membership_grant(user=declarant, role=Role.DECLARANT, by=None, structure=structure)
    base = live_server.url

    sign_in(page, base, declarant.email)
    page.wait_for_url(f"{base}/")
    assert page.get_by_role("link", name="CHU de La Réunion").is_visible()

    page.get_by_role("link", name="Mes structures").click()
    page.get_by_label("Nom, commune ou numéro FINESS").fill("97 040 006 2")
    page.get_by_role("button", name="Filtrer").click()
    assert page.get_by_text("est erronée").is_visible()
    assert page.get_by_label("Nom, commune ou numéro FINESS").input_value() == "97 040 006 2"
