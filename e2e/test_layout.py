"""The main menu stays on one line at 1280 px for the roles that see the most entries.
Full-page screenshots are kept in e2e-artifacts/ (menu-<role>.png) for a human eye."""

from __future__ import annotations

from typing import Any

import pytest

from e2e.conftest import ARTIFACTS, PASSWORD, member, sign_in, sign_in_with_code

pytestmark = pytest.mark.e2e

# For each top-level entry: its label and the number of lines its text takes.
LINE_BOXES = """items => items.map(item => {
    const label = item.querySelector(".fr-nav__link, .fr-nav__btn");
    const range = document.createRange();
    range.selectNodeContents(label);
    const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
    return [label.textContent.trim(), tops.size];
})"""


def sign_in_as(page: Any, base: str, who: str) -> None:
    from vigie.directory.finess import with_check_key
    from vigie.directory.models import Departement, Role, Structure, User

    if who == "director":
        director = User.objects.create_user(
            email="directrice@ch-givors.test",
            password=PASSWORD,
            first_name="Anne",
            last_name="Durand",
        )
        Structure.objects.create(
            finess=with_check_key("69000043"),
            name="Centre hospitalier de Givors",
            kind="health_facility",
            departement=Departement.objects.get(code="69"),
            director=director,
        )
        sign_in(page, base, director.email)
        page.wait_for_url(f"{base}/")
        return
    role = {"acss": Role.ACSS_ANALYST, "hfds": Role.HFDS}[who]
    user, secret = member(f"{who}@sante.test", "Camille", "Bernard", role, mfa=True)
    sign_in_with_code(page, base, user.email, secret)


@pytest.mark.parametrize("who", ["acss", "hfds", "director"])
def test_the_main_menu_fits_on_one_line_at_1280_px(live_server: Any, page: Any, who: str) -> None:
    base = live_server.url
    sign_in_as(page, base, who)
    page.goto(f"{base}/")
    assert page.viewport_size["width"] == 1280
    entries = page.locator("#fr-navigation .fr-nav__list > .fr-nav__item")
    assert entries.count() >= 5
    tops = entries.evaluate_all(
        "items => items.map(i => Math.round(i.getBoundingClientRect().top))"
    )
    assert len(set(tops)) == 1, tops
    # DSFR wraps a long label inside its entry ("Plan / d'action SSI"): one line box each.
    lines = entries.evaluate_all(LINE_BOXES)
    assert all(count == 1 for _label, count in lines), lines
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"menu-{who}.png"), full_page=True)
    # The grouped entries open under their button (the editors' "Portail" is a group too).
    group = page.locator("#fr-navigation button[aria-controls=nav-menu-exchanges]")
    if group.count():
        group.first.click()
        links = page.locator("#nav-menu-exchanges a")
        links.last.wait_for(state="visible")
        page.wait_for_timeout(500)  # the DSFR collapse animation
        assert all(link.is_visible() for link in links.all())
        page.screenshot(path=str(ARTIFACTS / f"menu-{who}-open.png"), full_page=True)
