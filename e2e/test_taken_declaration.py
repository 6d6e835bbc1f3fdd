"""A hospital's network is down: its IT director phones the support cell, the analyst
records the declaration for the hospital; the declarant, back online, confirms it. The
pages of this flow and the on-call rota pass axe's accessibility audit.

Selectors use input names, URLs and data-testid attributes, not the visible text.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from e2e.conftest import givors_people, sign_in, sign_in_with_code, tick
from e2e.test_accessibility import Audit
from vigie.cases.models import Case
from vigie.declarations.models import Declaration, IncidentType

pytestmark = pytest.mark.e2e

SHOTS = ""  # a directory to screenshot each page to, while looking at them


def shot(page: Any, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def test_cell_takes_a_call_and_the_structure_confirms(live_server: Any, open_page: Any) -> None:
    structure, declarant, analyst, secret = givors_people()
    base = live_server.url
    blocking: list[str] = []

    cell = open_page("analyst")
    sign_in_with_code(cell, base, analyst.email, secret)
    cell.locator("[data-testid=home-take]").click()
    cell.wait_for_url(f"{base}/declarations/prise/")
    cell.locator("input[name=q]").fill("givors")
    cell.locator("[data-testid=search]").click()
    shot(cell, "1-search")
    audit(cell, base, blocking)
    cell.locator("[data-testid=result] a").first.click()
    cell.wait_for_url(f"{base}/declarations/prise/{structure.finess}/")
    # Detection defaults to now; the call is the default channel.
    assert cell.locator("input[name=detected_at]").input_value()
    assert cell.locator("input[name=channel][value=phone]").is_checked()
    cell.locator("input[name=declarant_name]").fill("Paul Girard")
    cell.locator("input[name=declarant_phone]").fill("06 11 22 33 44")
    ransomware = IncidentType.objects.get(code="ransomware")
    cell.locator("select[name=incident_type]").select_option(str(ransomware.pk))
    cell.locator("textarea[name=description]").fill("Réseau chiffré, messagerie hors service.")
    tick(cell, "input[name=care_impact][value=actual]")
    tick(cell, "input[name=urgent_help][value='1']")
    shot(cell, "2-form")
    audit(cell, base, blocking)
    cell.locator("[data-testid=take-submit]").click()
    cell.wait_for_url(re.compile(r"/declarations/\d+/$"))
    shot(cell, "3-recorded")
    audit(cell, base, blocking)
    declaration = Declaration.objects.get(taken_by=analyst)
    assert cell.locator("[data-testid=taken-badge]").is_visible()
    assert cell.locator("[data-testid=recipient]").count() >= 2
    # The case is open at once and says how the declaration arrived.
    cell.locator("[data-testid=case-link]").click()
    cell.wait_for_url(re.compile(r"/dossiers/\d+/$"))
    shot(cell, "4-case")
    assert cell.locator("[data-testid=badges] [data-testid=taken-badge]").is_visible()
    assert "Déclaration reçue par téléphone par Marc Lefèvre" in cell.content()

    hospital = open_page("declarant")
    sign_in(hospital, base, declarant.email)
    hospital.wait_for_url(f"{base}/")
    hospital.goto(f"{base}/declarations/{declaration.pk}/")
    shot(hospital, "5-to-confirm")
    audit(hospital, base, blocking)
    assert hospital.locator("[data-testid=correct]").get_attribute("href") == (
        f"/declarations/{declaration.pk}/completer/"
    )
    hospital.locator("[data-testid=confirm]").click()
    hospital.wait_for_url(f"{base}/declarations/{declaration.pk}/")
    shot(hospital, "6-confirmed")
    assert hospital.locator("[data-testid=taken-badge]").count() == 0
    declaration.refresh_from_db()
    assert declaration.confirmed_by == declarant

    case = Case.objects.get(declaration=declaration)
    cell.goto(f"{base}/dossiers/{case.pk}/")
    assert cell.locator("[data-testid=badges] [data-testid=taken-badge]").count() == 0
    assert "Déclaration confirmée par la structure" in cell.content()
    # The rota, with a shift running and one to come.
    cell.goto(f"{base}/astreinte/")
    cell.locator("select[name=person]").select_option(str(analyst.pk))
    start = timezone.localtime() - timedelta(hours=1)
    cell.locator("input[name=starts_at]").fill(start.strftime("%Y-%m-%dT%H:%M"))
    cell.locator("input[name=ends_at]").fill(
        (start + timedelta(hours=14)).strftime("%Y-%m-%dT%H:%M")
    )
    cell.locator("[data-testid=add-shift]").click()
    cell.wait_for_url(f"{base}/astreinte/")
    assert "Marc Lefèvre" in cell.locator("[data-testid=now-cell]").inner_text()
    shot(cell, "7-rota")
    audit(cell, base, blocking)
    assert not blocking, "\n".join(blocking)


def audit(page: Any, base: str, blocking: list[str]) -> None:
    """Run axe on the page as it is now; keep its serious and critical violations."""
    checker = Audit(page, base)
    checker.check("")
    blocking.extend(checker.blocking)
