"""Browser scenarios: Playwright driving Debian's chromium against a live server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

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
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
    return report


def givors_people() -> tuple[Any, Any, Any, str]:
    """A hospital with its declarant, and an ACSS analyst with a TOTP secret."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from e2e.test_login import PASSWORD
    from vigie.directory.finess import with_check_key
    from vigie.directory.models import Departement, Role, Structure, User
    from vigie.directory.services import membership_grant

    structure = Structure.objects.create(
        finess=with_check_key("69000043"),
        name="Centre hospitalier de Givors",
        kind="health_facility",
        departement=Departement.objects.get(code="69"),
    )
    declarant = User.objects.create_user(
        email="rssi@ch-givors.test", password=PASSWORD, first_name="Claire", last_name="Martin"
    )
    membership_grant(user=declarant, role=Role.DECLARANT, by=None, structure=structure)
    analyst = User.objects.create_user(
        email="analyste@acss.test", password=PASSWORD, first_name="Marc", last_name="Lefèvre"
    )
    membership_grant(user=analyst, role=Role.ACSS_ANALYST, by=None)
    secret = generate_totp_secret()
    TOTP.activate(analyst, secret)
    return structure, declarant, analyst, secret
