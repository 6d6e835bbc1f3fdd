"""The cell publishes a reflex sheet in the browser: one analyst writes and submits it,
cannot approve it herself, another analyst approves it, and the public reads version 1.

Selectors use input names, URLs and data-testid attributes where they exist."""

from __future__ import annotations

import re
from typing import Any

import pytest

from e2e.conftest import member, sign_in_with_code, tick
from vigie.declarations.models import IncidentType
from vigie.directory.models import Role
from vigie.portal.models import ReflexSheet, Revision

pytestmark = pytest.mark.e2e


def test_one_analyst_writes_another_approves_the_public_reads(
    live_server: Any, open_page: Any
) -> None:
    base = live_server.url
    author, author_secret = member(
        "nadia@acss.test", "Nadia", "Roussel", Role.ACSS_ANALYST, mfa=True
    )
    reviewer, reviewer_secret = member(
        "julien@acss.test", "Julien", "Marchand", Role.ACSS_ANALYST, mfa=True
    )
    ransomware = IncidentType.objects.get(code="ransomware")

    # The author reaches the editorial space from the main menu and writes the sheet.
    page = open_page("author")
    sign_in_with_code(page, base, author.email, author_secret)
    page.locator("button[aria-controls=nav-menu-portal]").click()
    page.locator("#nav-menu-portal a[href='/portail/redaction/']").click()
    page.wait_for_url(f"{base}/portail/redaction/")
    page.locator("a[href='/portail/redaction/fiches-reflexes/nouveau/']").click()
    # A mistake is explained in French and what was typed is kept.
    page.locator("input[name=title]").fill("Rançongiciel : les premiers réflexes")
    page.locator("textarea[name=body]").fill("Débranchez le câble réseau ; n’éteignez pas.")
    page.locator("[data-testid=save]").click()
    page.wait_for_selector(".fr-alert--error")
    assert page.locator("textarea[name=body]").input_value().startswith("Débranchez")
    page.locator("select[name=incident_type]").select_option(str(ransomware.pk))
    tick(page, "input[name=audience][value=non_specialist]")
    page.locator("[data-testid=save]").click()
    page.wait_for_url(re.compile(r"/portail/redaction/revisions/\d+/$"))
    revision = Revision.objects.get()
    page.locator("[data-testid=submit]").click()
    page.wait_for_selector("[data-testid=four-eyes]")
    assert page.locator("[data-testid=approve]").count() == 0
    revision.refresh_from_db()
    assert revision.state == "in_review"

    # Another analyst finds it awaiting review and approves it.
    other = open_page("reviewer")
    sign_in_with_code(other, base, reviewer.email, reviewer_secret)
    other.goto(f"{base}/portail/redaction/")
    other.locator(
        f"[data-testid=to-review] a[href='/portail/redaction/revisions/{revision.pk}/']"
    ).click()
    other.locator("[data-testid=approve]").click()
    other.wait_for_selector(".fr-alert--success")
    assert other.locator("[data-testid=reviewed-by]").inner_text().strip() == "Julien Marchand"

    # The public reads version 1.
    sheet = ReflexSheet.objects.get()
    public = open_page("public")
    public.goto(f"{base}/portail/fiches-reflexes/")
    public.locator(f"a[href='/portail/fiches-reflexes/{sheet.slug}/']").click()
    assert "Débranchez le câble réseau" in public.locator("main").inner_text()
    assert (
        public.locator("[data-testid=version-line]")
        .inner_text()
        .startswith("Version 1, mise à jour le")
    )
