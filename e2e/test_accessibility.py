"""Accessibility of the key pages, checked by axe-core in the browser (RGAA / WCAG 2.1 AA).

axe-core is the copy bundled in axe-playwright-python (nothing is downloaded). Each page
must be free of "serious" and "critical" violations; the lesser ones are printed.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from e2e.conftest import givors_people, sign_in, totp_now
from e2e.test_case import sign_out, submitted_case
from tests.factories import complete_values
from vigie.actionplan.catalogue import SHIPPED_PLANS, plan_load
from vigie.declarations.services import declaration_save, declaration_start
from vigie.declarations.steps import STEPS
from vigie.portal.models import Bulletin

pytestmark = pytest.mark.e2e

BLOCKING = {"serious", "critical"}


class Audit:
    """Runs axe on pages and collects the blocking violations of all of them."""

    def __init__(self, page: Any, base: str) -> None:
        self.page = page
        self.base = base
        self.axe = Axe()
        self.blocking: list[str] = []

    def check(self, path: str) -> None:
        if path:
            self.page.goto(f"{self.base}{path}")
        self.page.wait_for_load_state()
        url = self.page.url.removeprefix(self.base)
        results = self.axe.run(self.page)
        for violation in results.response["violations"]:
            targets = [" ".join(node["target"]) for node in violation["nodes"]][:5]
            line = (
                f"{url}: [{violation['impact']}] {violation['id']}: {violation['help']} {targets}"
            )
            print(line)
            if violation["impact"] in BLOCKING:
                self.blocking.append(line)


def test_key_pages_have_no_serious_accessibility_violation(live_server: Any, page: Any) -> None:
    base = live_server.url
    audit = Audit(page, base)
    structure, declarant, analyst, secret = givors_people()
    Bulletin.objects.create(
        slug="citrix-bleed",
        title="Vulnérabilité critique dans NetScaler",
        cve_ids=["CVE-2023-4966"],
        products=["NetScaler ADC"],
        severity="critical",
        summary="Exploitée par des groupes de rançongiciels contre des hôpitaux.",
        remediation="Mettre à jour puis invalider les sessions.",
        state="published",
    )
    plan_load(SHIPPED_PLANS[0])
    case = submitted_case(structure, declarant)
    draft = declaration_start(structure=structure, by=declarant)
    values = complete_values()
    for step in STEPS:
        draft = declaration_save(
            declaration=draft,
            by=declarant,
            step=step.slug,
            values={name: values[name] for name in step.fields if name in values},
        )

    # Anonymous.
    audit.check("/")
    audit.check("/compte/login/")
    audit.check("/portail/")
    audit.check("/portail/bulletins/citrix-bleed/")

    # The declarant.
    sign_in(page, base, declarant.email)
    page.wait_for_url(f"{base}/")
    audit.check(f"/declarations/{draft.pk}/etape/{STEPS[0].slug}/")
    audit.check(f"/declarations/{draft.pk}/recapitulatif/")
    audit.check(f"/plan-action/structures/{structure.finess}/")
    sign_out(page)

    # The ACSS analyst, with a second factor.
    sign_in(page, base, analyst.email)
    page.wait_for_url(re.compile(r"/compte/2fa/authenticate/"))
    audit.check("")
    page.locator("input[name=code]").fill(totp_now(secret))
    page.locator("input[name=code]").press("Enter")
    page.wait_for_url(f"{base}/")
    audit.check("/")
    audit.check("/dossiers/")
    audit.check(f"/dossiers/{case.pk}/")

    assert not audit.blocking, "\n".join(audit.blocking)
