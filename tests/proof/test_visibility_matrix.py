"""Every role against every object through every read endpoint, from one EXPECTED table.

The scoping tests (tests/cases/test_scoping.py, tests/declarations/test_scoping.py)
check the querysets; this one checks what actually leaves the server: list pages,
detail pages, attachment downloads, the case report PDF, STIX indicators, the
statistics CSV/XLSX exports and the API read endpoint.

One world: submitted declarations (each with its case) for a Lyon laboratory, the same
laboratory with a B3-qualified case (sanitary impact), an OIV in Lyon, La Réunion, a
military hospital without and with consequences on care; and a draft of the laboratory's
declarant. Each object carries an attachment.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.base import ContentFile
from rest_framework.test import APIClient

from tests.factories import client_for
from vigie.api.services import api_token_create
from vigie.cases.models import Case
from vigie.cases.services import case_qualify
from vigie.declarations.models import Attachment, Declaration
from vigie.declarations.services import declaration_submit
from vigie.directory.models import Role

pytestmark = pytest.mark.django_db

SUBMITTED = ("lab", "lab_b3", "oiv", "reunion", "military_notice", "military_care")
OBJECTS = (*SUBMITTED, "draft_lab")

# Who reads each declaration (drafts: only their author).
DECLARATIONS: dict[str, set[str]] = {
    "declarant_lyon_lab": {"lab", "lab_b3", "draft_lab"},
    "declarant_lyon": {"oiv"},
    "member_lyon": {"oiv"},
    "declarant_reunion": {"reunion"},
    "director_paris": set(),
    "acss": {"lab", "lab_b3", "oiv", "reunion"},  # military hospitals are not routed to it
    "ars_ara": {"lab", "lab_b3", "oiv"},  # not Paris, not La Réunion
    "ars_idf": {"military_care"},  # the notice-only one stays hidden
    "ars_reunion": {"reunion"},
    "hfds": set(SUBMITTED),
    "dgs": set(),  # reads the B3 case, not the declaration itself
    "ansm": set(),
    "defence": {"military_notice", "military_care"},
    "vendor_contact": set(),
    "admin": set(),  # operators never read content
    "nobody": set(),
}
# Who reads each case (a draft has none).
CASES: dict[str, set[str]] = {
    **{who: seen - {"draft_lab"} for who, seen in DECLARATIONS.items()},
    "dgs": {"lab_b3"},  # qualified with a sanitary impact
}
# Who may open the statistics and their exports at all.
STATISTICS = {"acss", "ars_ara", "ars_idf", "ars_reunion", "hfds"}

ROLES = sorted(DECLARATIONS)
HIDDEN = (403, 404)


@pytest.fixture
def objects(
    world: Any,
    make_declaration: Callable[..., Declaration],
    make_user: Callable[..., Any],
) -> dict[str, Declaration]:
    soldier = make_user(Role.DECLARANT, structure=world.military)

    def submitted(structure: Any, by: Any, **values: Any) -> Declaration:
        return declaration_submit(declaration=make_declaration(structure, by, **values), by=by)

    found = {
        "lab": submitted(world.lyon_lab, world.declarant_lyon_lab),
        "lab_b3": submitted(world.lyon_lab, world.declarant_lyon_lab),
        "oiv": submitted(world.lyon, world.declarant_lyon),
        "reunion": submitted(world.reunion, world.declarant_reunion),
        "military_notice": submitted(world.military, soldier, care_impact="none"),
        "military_care": submitted(world.military, soldier, care_impact="actual"),
        "draft_lab": make_declaration(world.lyon_lab, world.declarant_lyon_lab),
    }
    case_qualify(
        case=Case.objects.get(declaration=found["lab_b3"]),
        by=world.acss,
        version=None,
        criticity="serious",
        outcomes=["b2", "b3"],
    )
    for name, declaration in found.items():
        attachment = Attachment(
            declaration=declaration,
            original_name=f"{name}.txt",
            content_type="text/plain",
            size=5,
            sha256="0" * 64,
            uploaded_by=declaration.created_by,
        )
        attachment.file.save(f"{name}.txt", ContentFile(b"trace"), save=True)
    return found


def test_expected_table_mirrors_the_scoping_tests() -> None:
    """The table here is the scoping tests' tables restricted to this world's objects."""
    from tests.cases import test_scoping as cases_scoping
    from tests.declarations import test_scoping as declarations_scoping

    # Objects of the scoping tests with the same meaning as here.
    same_declarations = {
        "lab": "lab",
        "oiv": "oiv",
        "reunion": "reunion",
        "military_notice": "military_notice",
        "military_care": "military_care",
        "draft_lab": "draft_lab",
    }
    same_cases = {
        "lab": "lab",
        "lab_b3": "lab_b3",
        "oiv": "oiv",
        "reunion": "reunion",
        "military": "military_notice",  # care_impact "potential" there, "none" here
        "military_care": "military_care",
    }
    for who in ROLES:
        theirs = {
            same_declarations[n]
            for n in declarations_scoping.EXPECTED[who]
            if n in same_declarations
        }
        assert theirs == DECLARATIONS[who] - {"lab_b3"}, who
        theirs = {same_cases[n] for n in cases_scoping.EXPECTED[who] if n in same_cases}
        assert theirs == CASES[who], who


def _csv_references(body: bytes) -> set[str]:
    import csv

    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    return {row[0] for row in rows[1:]}


def _xlsx_references(body: bytes) -> set[str]:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(body)).active
    return {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}


@pytest.mark.parametrize("who", ROLES)
def test_each_role_reads_exactly_its_objects_everywhere(
    world: Any, objects: dict[str, Declaration], who: str
) -> None:
    user = getattr(world, who)
    client = client_for(user)
    _token, key = api_token_create(user=user, name=f"proof {who}", by=None)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    cases = {name: Case.objects.get(declaration=d) for name, d in objects.items() if d.reference}
    attachments = {name: Attachment.objects.get(declaration=d) for name, d in objects.items()}
    wrong: list[str] = []

    def check(endpoint: str, name: str, visible: bool, expected: bool) -> None:
        if visible != expected:
            wrong.append(f"{who} {'sees' if visible else 'misses'} {name} via {endpoint}")

    # Lists: the declarations page (submitted ones and one's own drafts).
    listing = client.get("/declarations/")
    text = listing.content.decode() if listing.status_code == 200 else ""
    for name in SUBMITTED:
        check(
            "declaration list",
            name,
            str(objects[name].reference) in text,
            name in DECLARATIONS[who],
        )
    draft_link = f"/declarations/{objects['draft_lab'].pk}/etape/"
    check("declaration list", "draft_lab", draft_link in text, "draft_lab" in DECLARATIONS[who])

    # The case queue, every status, and searched by reference.
    queue = client.get("/dossiers/", {"status": "all"})
    text = queue.content.decode() if queue.status_code == 200 else ""
    for name, case in cases.items():
        link = f'<a href="/dossiers/{case.pk}/">{case.reference}</a>'
        check("case queue", name, link in text, name in CASES[who])
        # Searched by reference (the query itself is echoed back in the search field).
        searched = client.get("/dossiers/", {"status": "all", "q": case.reference})
        found = searched.status_code == 200 and link in searched.content.decode()
        check("case queue search", name, found, name in CASES[who])

    # Details and downloads: 200 when visible, 404/403 otherwise (never a content leak).
    for name, declaration in objects.items():
        response = client.get(f"/declarations/{declaration.pk}/")
        if declaration.is_draft:
            # The author is sent on to the summary; anybody else learns nothing.
            ok = response.status_code == 302 and response["Location"].endswith("/recapitulatif/")
            check("declaration detail", name, ok, name in DECLARATIONS[who])
            response = client.get(f"/declarations/{declaration.pk}/recapitulatif/")
            check("draft summary", name, response.status_code == 200, name in DECLARATIONS[who])
        else:
            check(
                "declaration detail", name, response.status_code == 200, name in DECLARATIONS[who]
            )
        if response.status_code != 200 and response.status_code != 302:
            assert response.status_code in HIDDEN, (who, name, response.status_code)
        response = client.get(f"/declarations/pieces-jointes/{attachments[name].pk}/")
        got = response.status_code == 200
        check("attachment download", name, got, name in DECLARATIONS[who])
        if got:
            assert b"".join(response.streaming_content) == b"trace"  # type: ignore[attr-defined]
        else:
            assert response.status_code in HIDDEN, (who, name, response.status_code)

    for name, case in cases.items():
        for endpoint, url in (
            ("case detail", f"/dossiers/{case.pk}/"),
            ("case report pdf", f"/dossiers/{case.pk}/rapport.pdf"),
            ("case stix", f"/dossiers/{case.pk}/indicateurs/stix.json"),
        ):
            response = client.get(url)
            check(endpoint, name, response.status_code == 200, name in CASES[who])
            if response.status_code != 200:
                assert response.status_code in HIDDEN, (who, endpoint, name, response.status_code)
        if name in CASES[who]:
            assert client.get(f"/dossiers/{case.pk}/rapport.pdf").content.startswith(b"%PDF")

        # The API read endpoint (by reference).
        answer = api.get(f"/api/v1/declarations/{objects[name].reference}")
        check("api get", name, answer.status_code == 200, name in DECLARATIONS[who])
        if answer.status_code != 200:
            assert answer.status_code == 404, (who, name, answer.status_code)

    # Statistics exports: exactly the visible cases, or no access at all.
    for fmt, read in (("csv", _csv_references), ("xlsx", _xlsx_references)):
        response = client.get(f"/statistiques/export.{fmt}")
        if who not in STATISTICS:
            assert response.status_code in HIDDEN, (who, fmt, response.status_code)
            continue
        assert response.status_code == 200, (who, fmt)
        references = read(response.content)
        for name, case in cases.items():
            check(f"export {fmt}", name, case.reference in references, name in CASES[who])
        assert references <= {case.reference for case in cases.values()}

    assert not wrong, "\n".join(wrong)


def test_public_pages_show_no_case_reference(world: Any, objects: dict[str, Declaration]) -> None:
    """Anonymous visitors: the portal search and public statistics reveal no reference."""
    from django.test import Client

    anonymous = Client()
    for name in SUBMITTED:
        reference = str(objects[name].reference)
        response = anonymous.get("/portail/recherche/", {"q": reference})
        assert response.status_code == 200
        # The query is echoed back in the search field; nothing else may name it.
        page = response.content.decode().replace(f'value="{reference}"', "")
        assert reference not in page, name
    public = anonymous.get("/statistiques/publiques/")
    assert public.status_code == 200
    for name in SUBMITTED:
        assert str(objects[name].reference) not in public.content.decode(), name
    # Protected pages send an anonymous visitor to the login page, nothing else.
    for url in ("/declarations/", "/dossiers/", "/statistiques/export.csv"):
        response = anonymous.get(url)
        assert response.status_code == 302 and "/compte/" in response["Location"], url
    case = Case.objects.get(declaration=objects["lab"])
    for url in (f"/dossiers/{case.pk}/", f"/dossiers/{case.pk}/rapport.pdf"):
        response = anonymous.get(url)
        assert response.status_code == 302, url
    assert APIClient().get(f"/api/v1/declarations/{objects['lab'].reference}").status_code == 401
