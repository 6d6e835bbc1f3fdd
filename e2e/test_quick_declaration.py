"""A declarant under attack declares from a phone (issue 16): 390 px wide, a degraded
link; the quick page is one HTML page, one style sheet and two fonts, no script.

The weight is measured in the browser (every response of the page load, its body size,
and its gzip size as whitenoise serves it in production) and printed; the test fails if
the page grows past what a 2G/3G link fetches in a few seconds.
"""

from __future__ import annotations

import gzip
import re
from typing import Any

import pytest

from e2e.conftest import ARTIFACTS, member, sign_in, tick
from vigie.cases.models import Case
from vigie.declarations.models import Declaration

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
MAX_REQUESTS = 4  # the page, its style sheet, two fonts
MAX_GZIP_BYTES = 130_000  # about 3 s on a poor 3G link (~400 kbit/s)
MAX_FIRST_RENDER_BYTES = 50_000  # the page and its style sheet: the form shows, fonts later


def test_declaring_from_a_phone_takes_six_answers(live_server: Any, browser: Any) -> None:
    from tests.factories import structure_create
    from vigie.directory.models import Role

    structure = structure_create("690000880", "Centre hospitalier de Givors", "69")
    declarant, _ = member(
        "rssi@givors.test", "Inès", "Garnier", Role.DECLARANT, structure=structure
    )
    base = live_server.url
    context = browser.new_context(
        locale="fr-FR", viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    page = context.new_page()
    sign_in(page, base, declarant.email)
    page.wait_for_url(f"{base}/")

    # A fresh tab (same session): only the quick page's own requests are counted.
    page.close()
    page = context.new_page()
    loaded: list[Any] = []
    page.on("requestfinished", lambda request: loaded.append(request))
    page.goto(f"{base}/declarations/rapide/")
    page.wait_for_load_state("networkidle")
    raw = zipped = first_render = 0
    for request in loaded:
        # Fetched again for its body (the page's own may be gone once rendered).
        response = page.request.get(request.url)
        body = response.body()
        raw += len(body)
        textual = re.search(r"text/|css|javascript|json", response.headers.get("content-type", ""))
        size = len(gzip.compress(body)) if textual else len(body)
        zipped += size
        if request.resource_type in ("document", "stylesheet"):
            first_render += size
    print(
        f"\nquick declaration page: {len(loaded)} requests, {raw} bytes, "
        f"{zipped} bytes as served compressed ({first_render} before the form shows): "
        + ", ".join(r.url.replace(base, "") for r in loaded)
    )
    assert len(loaded) <= MAX_REQUESTS
    assert zipped <= MAX_GZIP_BYTES
    assert first_render <= MAX_FIRST_RENDER_BYTES
    assert not any(r.resource_type == "script" for r in loaded)
    # Nothing wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "quick-declaration-form.png"), full_page=True)
    page.get_by_label("Numéro de téléphone pour vous rappeler").fill("06 12 34 56 78")
    page.get_by_label("Type d’incident").select_option(label="Rançongiciel")
    page.get_by_label("Ce qui se passe, en une ligne").fill("Serveurs chiffrés, note de rançon")
    tick(page, page.get_by_label("Oui, les soins sont touchés"))
    tick(page, page.get_by_label("Oui, en urgence"))
    page.get_by_role("button", name="Envoyer la déclaration").click()
    page.wait_for_selector("[data-testid=quick-done]")
    declaration = Declaration.objects.get(structure=structure)
    assert declaration.reference in page.locator("[data-testid=quick-done]").inner_text()
    assert "ARS Auvergne-Rhône-Alpes" in page.locator("[data-testid=alerted]").inner_text()
    assert Case.objects.filter(declaration=declaration).exists()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(ARTIFACTS / "quick-declaration-done.png"), full_page=True)
    context.close()
