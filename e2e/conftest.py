"""Browser scenarios: Playwright driving Debian's chromium against a live server."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

from vigie.declarations.reference import typology_load
from vigie.directory.reference import reference_load

# Playwright's sync API runs an event loop in this thread; the ORM calls made by the
# tests themselves are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parent.parent / "e2e-artifacts"
CHROMIUM = os.environ.get("VIGIE_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(autouse=True)
def _reference(transactional_db: None) -> None:
    # Transactional tests flush the database after each test: reload the reference data.
    reference_load()
    typology_load()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def open_page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Callable[[str], Any]]:
    """Opens a page in a browser context of its own: one per person, as on their own
    computers. When the test fails, each page is screenshotted (``<test>-<who>.png``)."""
    opened: list[tuple[str, Any]] = []

    def open_(who: str = "") -> Any:
        context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        opened.append((who, page))
        return page

    yield open_
    report = getattr(request.node, "rep_call", None)
    for who, page in opened:
        if report is not None and report.failed:
            ARTIFACTS.mkdir(exist_ok=True)
            name = f"{request.node.name}-{who}" if who else request.node.name
            page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        page.context.close()


@pytest.fixture
def page(open_page: Callable[[str], Any]) -> Any:
    return open_page("")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
    return report


# --- people and their sign-in ---------------------------------------------------------

PASSWORD = "Un-Mot-De-Passe-Solide-2026"


def totp_now(secret: str, step: int = 0) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + step))


def sign_in(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/compte/login/")
    page.get_by_label("Courriel").fill(email)
    page.get_by_label("Mot de passe", exact=False).first.fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


def sign_in_with_code(page: Any, base: str, email: str, secret: str) -> None:
    """A staff member signs in: password, then the authenticator's code."""
    sign_in(page, base, email)
    page.wait_for_url(re.compile(r"/compte/2fa/authenticate/"))
    page.locator("input[name=code]").fill(totp_now(secret))
    page.locator("input[name=code]").press("Enter")
    page.wait_for_url(f"{base}/")


def tick(page: Any, target: Any) -> None:
    """Tick a DSFR checkbox or radio (a selector or a locator): its label covers the
    (visually hidden) input."""
    box = page.locator(target) if isinstance(target, str) else target
    page.locator(f"label[for='{box.get_attribute('id')}']").click()
    assert box.is_checked()


def accordion_of(page: Any, form: Any) -> Any:
    """The accordion of the case page's "your actions" panel holding ``form`` (its title
    names the action)."""
    return page.locator("[data-testid=actions-panel] .fr-accordion").filter(has=form)


def open_action(page: Any, form: Any) -> Any:
    """Unfold the accordion of the case page's "your actions" panel holding ``form``
    (only the most pressing action is unfolded when the page opens)."""
    section = accordion_of(page, form)
    if section.count() and not form.is_visible():
        section.locator(".fr-accordion__btn").first.click()
        form.wait_for(state="visible")
    return form


def member(
    email: str, first_name: str, last_name: str, role: str, *, mfa: bool = False, **where: Any
) -> tuple[Any, str]:
    """A user with one role (``where``: structure=…, region=…); with ``mfa`` an
    authenticator is set up and its secret returned (else an empty string)."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from vigie.directory.models import User
    from vigie.directory.services import membership_grant

    user = User.objects.create_user(
        email=email, password=PASSWORD, first_name=first_name, last_name=last_name
    )
    membership_grant(user=user, role=role, by=None, **where)
    secret = ""
    if mfa:
        secret = generate_totp_secret()
        TOTP.activate(user, secret)
    return user, secret


def givors_people() -> tuple[Any, Any, Any, str]:
    """A hospital with its declarant, and an ACSS analyst with a TOTP secret."""
    from vigie.directory.finess import with_check_key
    from vigie.directory.models import Departement, Role, Structure

    structure = Structure.objects.create(
        finess=with_check_key("69000043"),
        name="Centre hospitalier de Givors",
        kind="health_facility",
        departement=Departement.objects.get(code="69"),
    )
    declarant, _ = member(
        "rssi@ch-givors.test", "Claire", "Martin", Role.DECLARANT, structure=structure
    )
    analyst, secret = member("analyste@acss.test", "Marc", "Lefèvre", Role.ACSS_ANALYST, mfa=True)
    return structure, declarant, analyst, secret
