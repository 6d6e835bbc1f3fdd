"""What users see (issue 15): each main role signs in on the demo data (plus a military
hospital's case) and every main page it can reach is screenshotted whole, with the pages
of the quarterly report and of a case report rendered to PNG, under
``e2e-artifacts/screens/<role>/`` (left in the checkout after the run).

Each page must answer 200 and show no untranslated English word from a short telltale
list and no "1 structures"-style plural. Run only this module with
``scripts/test.sh e2e/test_screens.py -p no:cacheprovider``.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

from e2e.conftest import ARTIFACTS, CHROMIUM, PASSWORD, member, sign_in, sign_in_with_code
from e2e.test_case import submitted_case
from tests.factories import complete_values

pytestmark = pytest.mark.e2e

SCREENS = ARTIFACTS / "screens"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
]
# English words that show a string left untranslated (whole words, case-sensitive).
ENGLISH = re.compile(r"\b(Open|Submit|None|Save)\b")
# "1 structures": a count of one with a plural noun.
PLURAL_OF_ONE = re.compile(r"\b1[\s\u00a0\u202f](structures|dossiers|mesures|déclarations)\b")


@dataclass
class Role:
    """A demo account, what it should reach and what it may reach."""

    name: str  # folder under screens/
    email: str  # before @demo.vigie.test
    pages: list[str]  # must answer 200
    maybe: list[str] = field(default_factory=list)  # screenshotted when they answer 200
    pdfs: list[str] = field(default_factory=list)  # "quarterly" and/or "case"


def roles(ids: dict[str, Any]) -> list[Role]:
    """Pages by role. ``ids`` holds the case, declaration and alert numbers of the data."""
    case, military, declaration = ids["case"], ids["military_case"], ids["declaration"]
    lyon = ids["lyon_finess"]
    everyone = ["/", "/compte/profil/", "/compte/2fa/", "/portail/", "/notifications/"]
    staff_cases = ["/dossiers/", f"/dossiers/{case}/", f"/declarations/{declaration}/"]
    plan = ["/plan-action/", f"/plan-action/structures/{lyon}/"]
    stats = ["/statistiques/", "/statistiques/publiques/"]
    alerts = ["/alertes/", f"/alertes/{ids['alert']}/"]
    # The portal's editorial space (ACSS writes, HFDS/FSSI reads).
    editorial = ["/portail/redaction/", "/portail/redaction/prestataires/"]
    return [
        Role(
            "declarant",
            "declarant",
            [
                *everyone,
                "/declarations/",
                f"/declarations/{declaration}/",
                "/declarations/nouvelle/",
                *ids["draft"],
                f"/dossiers/{case}/",
                *plan,
                f"/plan-action/structures/{lyon}/mesures/1/",
            ],
            maybe=["/dossiers/", *alerts, "/structures/", "/communaute/", "/retex/"],
            pdfs=["case"],
        ),
        Role(
            "directeur",
            "directeur",
            [*everyone, "/declarations/", f"/declarations/{declaration}/", *plan],
            maybe=[
                "/declarations/nouvelle/",
                f"/dossiers/{case}/",
                "/structures/",
                "/structures/declarants/",
                f"/structures/{lyon}/",
                *alerts,
            ],
        ),
        Role(
            "ars",
            "ars-ara",
            [*everyone, *staff_cases, *plan, "/plan-action/region/84/", "/plan-action/rapports/"],
            maybe=[*stats, *alerts, f"/dossiers/{military}/", "/retex/", "/communaute/"],
            pdfs=["quarterly", "case"],
        ),
        Role(
            "acss",
            "acss",
            [*everyone, *staff_cases, *stats, *alerts, *editorial],
            maybe=[
                f"/dossiers/{military}/",  # the defence chain's, unless shared
                "/statistiques/signaux-faibles/",
                "/plan-action/national/",
                "/plan-action/rapports/",
                "/retex/",
                "/communaute/",
                "/structures/",
            ],
            pdfs=["case"],
        ),
        Role(
            "hfds",
            "hfds",
            [
                *everyone,
                *staff_cases,
                "/plan-action/national/",
                "/plan-action/rapports/",
                *editorial,
            ],
            maybe=[f"/dossiers/{military}/", *stats, *alerts, "/plan-action/region/84/"],
            pdfs=["quarterly"],
        ),
        Role(
            "dgs",
            "dgs",
            everyone,
            maybe=[*staff_cases, *stats, *alerts, "/plan-action/national/"],
        ),
        Role(
            "defense",
            "defense",
            [*everyone, "/dossiers/", f"/dossiers/{military}/"],
            maybe=[f"/dossiers/{case}/", *stats, *alerts],
            pdfs=["case"],
        ),
        Role(
            "editeur",
            "editeur",
            everyone,
            maybe=["/demandes-editeurs/", *alerts, "/communaute/"],
        ),
        Role(
            "admin",
            "admin",
            [*everyone, "/admin/"],
            maybe=[*staff_cases, *stats, *alerts, "/plan-action/national/", "/structures/"],
        ),
    ]


def demo_data() -> dict[str, Any]:
    """The demo of `make run`, a military hospital's case, one password for everybody and
    an authenticator for each account that needs one (secret by e-mail)."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from vigie.actionplan.demo import demo_assessments_load
    from vigie.alerts.demo import demo_community_load
    from vigie.alerts.models import Alert
    from vigie.cases.demo import demo_cases_progress
    from vigie.cases.models import Case
    from vigie.core.mfa import requires_mfa
    from vigie.declarations.demo import demo_declarations_load
    from vigie.declarations.services import declaration_save, declaration_start
    from vigie.declarations.steps import STEPS
    from vigie.directory.demo import DEMO_DOMAIN, demo_load
    from vigie.directory.finess import with_check_key
    from vigie.directory.models import Role as Roles
    from vigie.directory.models import Structure, User
    from vigie.portal.demo import demo_portal_load

    demo_load()
    demo_declarations_load()
    demo_cases_progress()
    demo_assessments_load()
    demo_community_load()
    demo_portal_load()
    begin = Structure.objects.get(finess=with_check_key("94000031"))
    declarant, _ = member(
        "rssi@hia-begin.test", "Hélène", "Marchal", Roles.DECLARANT, structure=begin
    )
    military = submitted_case(begin, declarant)
    # A draft half filled in: the declaration form's steps and its summary.
    karim = User.objects.get(email=f"declarant@{DEMO_DOMAIN}")
    lyon = Structure.objects.get(finess=with_check_key("69000001"))
    draft = declaration_start(structure=lyon, by=karim)
    values = complete_values()
    for step in STEPS[:2]:
        draft = declaration_save(
            declaration=draft,
            by=karim,
            step=step.slug,
            values={name: values[name] for name in step.fields if name in values},
        )
    draft_pages = [f"/declarations/{draft.pk}/etape/{step.slug}/" for step in STEPS]
    secrets: dict[str, str] = {}
    for user in User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}"):
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
        if requires_mfa(user):
            secrets[user.email] = generate_totp_secret()
            TOTP.activate(user, secrets[user.email])
    case = Case.objects.filter(structure=lyon).order_by("pk").first()
    assert case is not None
    alert = Alert.objects.order_by("pk").first()
    return {
        "secrets": secrets,
        "domain": DEMO_DOMAIN,
        "case": case.pk,
        "declaration": case.declaration_id,
        "military_case": military.pk,
        "lyon_finess": lyon.finess,
        "alert": alert.pk if alert else 0,
        "draft": [*draft_pages, f"/declarations/{draft.pk}/recapitulatif/"],
    }


def slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "accueil"


def text_problems(where: str, text: str) -> list[str]:
    problems = [f"{where}: English {m.group(0)!r}" for m in ENGLISH.finditer(text)]
    problems += [f"{where}: plural {m.group(0)!r}" for m in PLURAL_OF_ONE.finditer(text)]
    return problems


def pdf_to_png(pdf: bytes, folder: Path, name: str) -> list[str]:
    """Every page to ``<name>-<n>.png`` at 70 dpi; the PDF's text checked like a page's."""
    from pypdf import PdfReader

    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.pdf").write_bytes(pdf)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    if shutil.which("pdftoppm"):  # poppler-utils
        subprocess.run(
            ["pdftoppm", "-png", "-r", "70", str(folder / f"{name}.pdf"), str(folder / name)],
            check=True,
            timeout=60,
        )
    else:
        print("pdftoppm missing (poppler-utils): PDF kept, not rendered to PNG")
    return text_problems(f"{folder.name}/{name}.pdf", text)


def quarterly_pdf(email: str, national: bool) -> bytes:
    """What the worker task actionplan.report_build produces: the national report, or
    Auvergne-Rhône-Alpes's."""
    from vigie.actionplan.models import Plan
    from vigie.actionplan.reports import (
        previous_snapshot,
        render_pdf,
        report_context,
        snapshot_take,
    )
    from vigie.actionplan.scopes import can_read_region
    from vigie.core.scoping import scope_for
    from vigie.directory.models import Region, User

    user = User.objects.get(email=email)
    ara = Region.objects.get(code="84")
    region = None if national else ara
    assert can_read_region(scope_for(user), region.pk if region else None)
    today = date.today()
    snapshot = snapshot_take(
        user=user,
        plan=Plan.objects.order_by("pk").first(),  # type: ignore[arg-type]
        region=region,
        year=today.year,
        quarter=(today.month - 1) // 3 + 1,
    )
    return render_pdf(report_context(snapshot, previous_snapshot(snapshot)))


def shoot(role: Role, base: str, ids: dict[str, Any]) -> tuple[list[str], bytes | None]:
    """One role's pages, in a browser of its own (the roles run in parallel threads):
    the problems seen, and the case report's PDF when the role asked for it."""
    from playwright.sync_api import sync_playwright

    problems: list[str] = []
    case_pdf = None
    folder = SCREENS / role.name
    folder.mkdir(parents=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        email = f"{role.email}@{ids['domain']}"
        if email in ids["secrets"]:
            sign_in_with_code(page, base, email, ids["secrets"][email])
        else:
            sign_in(page, base, email)
            page.wait_for_url(f"{base}/")
        reached = []
        for number, path in enumerate([*role.pages, *role.maybe], start=1):
            response = page.goto(f"{base}{path}")
            status = response.status if response else 0
            if path in role.maybe and status in (403, 404):
                continue
            if status != 200:
                problems.append(f"{role.name} {path}: HTTP {status}")
                continue
            reached.append(path)
            page.screenshot(path=str(folder / f"{number:02d}-{slug(path)}.png"), full_page=True)
            problems += text_problems(f"{role.name} {path}", page.locator("body").inner_text())
        if "case" in role.pdfs:
            number = ids["military_case"] if role.name == "defense" else ids["case"]
            response = page.request.get(f"{base}/dossiers/{number}/rapport.pdf")
            if response.status == 200:
                case_pdf = response.body()
            else:
                problems.append(f"{role.name} case report: HTTP {response.status}")
        (folder / "pages.txt").write_text("".join(f"{p}\n" for p in reached))
        browser.close()
    return problems, case_pdf


def test_screens_of_every_role(live_server: Any, settings: Any) -> None:
    # Demo accounts are many and their passwords are checked once each: a fast hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    ids = demo_data()
    shutil.rmtree(SCREENS, ignore_errors=True)
    cache.clear()  # the login rate limit counts per test run
    problems: list[str] = []
    # Three browsers at a time keep the module within two minutes; each thread runs its
    # own Playwright (the sync API is bound to its thread) and touches no model.
    with ThreadPoolExecutor(max_workers=3) as pool:
        outcomes = list(pool.map(lambda role: shoot(role, live_server.url, ids), roles(ids)))
    for role, (seen, case_pdf) in zip(roles(ids), outcomes, strict=True):
        problems += seen
        folder = SCREENS / role.name
        if case_pdf is not None:
            problems += pdf_to_png(case_pdf, folder, "rapport-dossier")
        if "quarterly" in role.pdfs:
            email = f"{role.email}@{ids['domain']}"
            pdf = quarterly_pdf(email, national=role.name == "hfds")
            problems += pdf_to_png(pdf, folder, "rapport-trimestriel")
    assert not problems, "\n".join(problems)
