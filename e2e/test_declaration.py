"""A declarant declares an incident: steps, autosave across a reload, summary, submission.

Selectors use input names, URLs and data-testid attributes, not the visible text.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from e2e.conftest import PASSWORD, sign_in, tick
from vigie.declarations.models import Attachment, Declaration, DeclarationStatus, IncidentType
from vigie.directory.finess import with_check_key
from vigie.directory.models import Departement, Role, Structure, User
from vigie.directory.services import membership_grant

pytestmark = pytest.mark.e2e


def continue_to(page: Any, slug: str) -> None:
    page.locator("[data-testid=step-continue]").click()
    page.wait_for_url(re.compile(rf"/declarations/\d+/{slug}"))


def test_declarant_declares_and_nothing_typed_is_lost(live_server: Any, page: Any) -> None:
    structure = Structure.objects.create(
        finess=with_check_key("69000042"),
        name="Centre hospitalier de Villefranche",
        kind="health_facility",
        departement=Departement.objects.get(code="69"),
    )
    declarant = User.objects.create_user(
        email="rssi@ch-villefranche.test",
        password=PASSWORD,
        first_name="Claire",
        last_name="Martin",
        phone="04 74 00 00 00",
    )
    membership_grant(user=declarant, role=Role.DECLARANT, by=None, structure=structure)
    base = live_server.url

    sign_in(page, base, declarant.email)
    page.wait_for_url(f"{base}/")
    page.locator("[data-testid=home-declare]").click()
    page.wait_for_url(f"{base}/declarations/nouvelle/")
    page.locator("[data-testid=start]").click()
    page.wait_for_url(re.compile(r"/declarations/\d+/etape/identite/$"))
    declaration = Declaration.objects.get(created_by=declarant)

    # Step 1: identity is pre-filled from the account; dates are typed in local time.
    assert page.locator("input[name=declarant_email]").input_value() == declarant.email
    detected = timezone.localtime() - timedelta(hours=2)
    page.locator("input[name=detected_at]").fill(detected.strftime("%Y-%m-%dT%H:%M"))
    ransomware = IncidentType.objects.get(code="ransomware")
    page.locator("select[name=incident_type]").select_option(str(ransomware.pk))
    continue_to(page, "etape/perimetre/")

    # Step 2: type, let the autosave confirm, type more and reload at once.
    tick(page, "input[name=systems_affected][value=servers]")
    page.locator("textarea[name=software]").fill("Dossier patient, version 12.4")
    page.wait_for_selector("[data-testid=autosave-status][data-state=saved]", timeout=15000)
    declaration.refresh_from_db()
    assert declaration.software == "Dossier patient, version 12.4"
    page.locator("textarea[name=sites_affected]").fill("Urgences et bloc opératoire")
    page.reload()
    page.wait_for_load_state()
    assert page.locator("textarea[name=software]").input_value() == "Dossier patient, version 12.4"
    assert page.locator("input[name=systems_affected][value=servers]").is_checked()
    assert (
        page.locator("textarea[name=sites_affected]").input_value() == "Urgences et bloc opératoire"
    )
    continue_to(page, "etape/impacts/")
    declaration.refresh_from_db()
    assert declaration.sites_affected == "Urgences et bloc opératoire"

    tick(page, "input[name=care_impact][value=potential]")
    tick(page, "input[name=data_availability]")
    continue_to(page, "etape/origine/")
    tick(page, "input[name=malicious][value=yes]")
    tick(page, "input[name=can_handle_alone][value=no]")
    tick(page, "input[name=help_needed]")
    continue_to(page, "etape/description/")

    # Step 5: describe, then add a file; the description survives the upload's reload.
    page.locator("textarea[name=description]").fill("Écran de rançon sur les postes à 1 h.")
    page.locator("input[name=files]").set_input_files(
        files=[{"name": "journal.log", "mimeType": "text/plain", "buffer": b"02:00 alert\n"}]
    )
    page.locator("[data-testid=upload]").click()
    page.wait_for_selector("[data-testid=attachment]")
    assert Attachment.objects.filter(declaration=declaration).count() == 1
    assert (
        page.locator("textarea[name=description]").input_value()
        == "Écran de rançon sur les postes à 1 h."
    )
    continue_to(page, "recapitulatif/")

    # Summary, then submission.
    assert page.locator("[data-testid=missing]").count() == 0
    page.locator("[data-testid=submit]").click()
    page.wait_for_url(re.compile(rf"/declarations/{declaration.pk}/$"))
    reference = page.locator("[data-testid=reference]").inner_text().strip()
    assert re.fullmatch(r"SSI-\d{4}-\d{5}", reference)
    declaration.refresh_from_db()
    assert declaration.status == DeclarationStatus.SUBMITTED
    assert declaration.reference == reference
    recipients = page.locator("[data-testid=recipient]")
    assert recipients.count() == declaration.recipients.count() == 2
    assert "Auvergne-Rhône-Alpes" in recipients.first.inner_text()
