"""Every role against every object through every read endpoint, from EXPECTED tables.

The scoping tests (tests/cases/test_scoping.py, tests/declarations/test_scoping.py)
check the querysets; this one checks what actually leaves the server: list pages,
detail pages, file downloads, PDF/STIX/CSV/XLSX exports and the API read endpoint, for
declarations and cases, lessons learned (RETEX and their anonymised publications),
alerts and their acknowledgement rows, vendor requests, the SSI action plan (structure
pages, evidence files, regional and national views, quarterly report files), in-app
notifications, the community space and the statistics pages.

One world (tests/proof/matrix_world.py: two regions and an overseas one, a military
hospital, others' drafts...), built once for the module; each test runs in a savepoint
of it. Forbidden pages answer as the app does: 404 for an object outside one's scope,
403 for a page one's role may not open at all (lists, regional views), never content.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.test import Client, override_settings
from rest_framework.test import APIClient

from tests.proof.matrix_world import (
    ACKNOWLEDGED,
    ALERT_TARGETS,
    CASE_REGION,
    CLUSTERED,
    PLAN_STRUCTURES,
    PUBLISHED,
    REGION_CODES,
    REGION_STRUCTURES,
    REPORTS,
    RETEX_AUTHORS,
    RETEX_MARK,
    ROLES,
    SHARED_RETEX,
    SUBMITTED,
    Reader,
    body_of,
    build,
    csv_references,
    page_text,
    section,
    xlsx_references,
)
from vigie.api.services import api_token_create
from vigie.directory.models import Region
from vigie.notifications.models import Notification

pytestmark = pytest.mark.django_db

# --- declarations and cases ------------------------------------------------------------

# Who reads each declaration (drafts: only their author).
DECLARATIONS: dict[str, set[str]] = {
    "declarant_lyon_lab": {"lab", "lab_b3", "draft_lab"},
    "declarant_lyon": {"oiv"},
    "member_lyon": {"oiv"},
    "declarant_reunion": {"reunion"},
    "director_paris": set(),
    "acss": {"lab", "lab_b3", "oiv", "reunion"},  # military hospitals are not routed to it
    "ars_ara": {"lab", "lab_b3", "oiv"},  # not Paris, not La Réunion
    "ars_idf": set(),  # a military hospital's declaration: never (the case summary only)
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
    "ars_idf": {"military_care"},  # care affected: the case summary; not the notice-only one
}
# Readers of a case who get its summary only (SPEC section 1): no report, no indicators.
SUMMARY_ONLY = {("ars_idf", "military_care")}
# Who may open the statistics and their exports at all.
STATISTICS = {"acss", "ars_ara", "ars_idf", "ars_reunion", "hfds"}

HIDDEN = (403, 404)

# --- lessons learned (RETEX) -----------------------------------------------------------

# Who reads each RETEX, draft or shared: the case's writers (ACSS, HFDS, the case's ARS).
RETEX: dict[str, set[str]] = {
    **{who: set() for who in ROLES},
    "acss": {"oiv", "lab", "reunion"},  # not the military hospital's
    "ars_ara": {"oiv", "lab"},
    "ars_idf": {"military_care"},  # care affected; not the notice-only one
    "ars_reunion": {"reunion"},
    "hfds": set(RETEX_AUTHORS),
}
SHARING_BASE = {"acss", "hfds", "ars_ara", "ars_idf", "ars_reunion"}  # may open the list
# Who may review each draft publication (it shows the original RETEX side by side).
REVIEW: dict[str, set[str]] = {
    **{who: set() for who in ROLES},
    "acss": {"reunion"},  # not the military hospital's RETEX, which the cell cannot read
    "hfds": {"reunion", "military_care"},
}
PUBLISHERS = {"acss", "hfds"}

# --- alerts and vendor requests --------------------------------------------------------

# Per role: the alerts it reads and, for each, the acknowledgement rows (structures) it
# reads. An ARS reads an alert aimed at its region even when no structure there matched.
_EVERY_ROW = {name: set(targets) for name, targets in ALERT_TARGETS.items()}
ALERT_ROWS: dict[str, dict[str, set[str]]] = {
    **{who: {} for who in ROLES},
    "declarant_lyon_lab": {"ara": {"lyon_lab"}, "labs": {"lyon_lab"}},
    "declarant_lyon": {"ara": {"lyon"}},
    "member_lyon": {"ara": {"lyon"}},
    "declarant_reunion": {"software": {"reunion"}},
    "director_paris": {"paris": {"paris"}},
    "acss": _EVERY_ROW,
    "hfds": _EVERY_ROW,
    "ars_ara": {"ara": {"lyon", "lyon_lab"}, "labs": {"lyon_lab"}},
    "ars_idf": {"labs": set(), "military": {"military"}, "paris": {"paris"}},
    "ars_reunion": {"software": {"reunion"}},
}
# Who may open the alert list: structures' people, the ARS, the cell and the HFDS.
ALERT_READERS = {
    "declarant_lyon_lab",
    "declarant_lyon",
    "member_lyon",
    "declarant_reunion",
    "director_paris",
    "acss",
    "hfds",
    "ars_ara",
    "ars_idf",
    "ars_reunion",
}
ALERT_STAFF = {"acss", "hfds", "ars_ara", "ars_idf", "ars_reunion"}  # follow acknowledgements
ACKNOWLEDGERS = {"declarant_lyon", "member_lyon"}  # of the Lyon hospital's row
# Vendor requests: "own" is addressed to the vendor_contact's vendor, "other" elsewhere.
VENDOR_REQUESTS: dict[str, set[str]] = {
    **{who: set() for who in ROLES},
    "acss": {"own", "other"},
    "hfds": {"own", "other"},
    "vendor_contact": {"own"},
}

# --- SSI action plan -------------------------------------------------------------------

# Structures whose action plan (pages, evidence files) each role reads.
PLAN: dict[str, set[str]] = {
    **{who: set() for who in ROLES},  # DGS, ANSM, defence, vendors, operators: nothing
    "declarant_lyon_lab": {"lyon_lab"},
    "declarant_lyon": {"lyon"},
    "member_lyon": {"lyon"},
    "declarant_reunion": {"reunion"},
    "director_paris": {"paris"},
    "acss": set(PLAN_STRUCTURES),
    "hfds": set(PLAN_STRUCTURES),
    "ars_ara": {"lyon", "lyon_lab"},
    "ars_idf": {"paris", "military"},
    "ars_reunion": {"reunion"},
}
# Regional views each role opens ("national" for the country).
PLAN_VIEWS: dict[str, set[str]] = {
    **{who: set() for who in ROLES},
    "acss": {"ara", "idf", "reunion", "national"},
    "hfds": {"ara", "idf", "reunion", "national"},
    "ars_ara": {"ara"},
    "ars_idf": {"idf"},
    "ars_reunion": {"reunion"},
}
REPORT_READERS: dict[str, set[str]] = {
    **{who: set() for who in ROLES},
    "acss": set(REPORTS),
    "hfds": set(REPORTS),
    "ars_ara": {"ara_pdf", "ara_xlsx"},
    "ars_idf": set(),  # may open the page, has no report yet
    "ars_reunion": {"reunion_xlsx"},
}
REPORT_PAGE = {"acss", "hfds", "ars_ara", "ars_idf", "ars_reunion"}
# Where /plan-action/ sends each role (None: 403).
PLAN_INDEX = {
    **{who: None for who in ROLES},
    "declarant_lyon_lab": "/plan-action/structures/690000997/",
    "declarant_lyon": "/plan-action/structures/690784137/",
    "member_lyon": "/plan-action/structures/690784137/",
    "declarant_reunion": "/plan-action/structures/970408589/",
    "director_paris": "/plan-action/structures/750712184/",
    "acss": "/plan-action/national/",
    "hfds": "/plan-action/national/",
    "ars_ara": "/plan-action/region/84/",
    "ars_idf": "/plan-action/region/11/",
    "ars_reunion": "/plan-action/region/04/",
}

# --- community and statistics ----------------------------------------------------------

COMMUNITY = ALERT_READERS  # the same people
# Hidden (moderated) messages: the cell and their author.
HIDDEN_POST_READERS = {"acss", "declarant_reunion"}
HIDDEN_COMMENT_READERS = {"acss", "declarant_lyon_lab"}
CLUSTERS = {"acss", "hfds"}


# --- the world, built once --------------------------------------------------------------


@pytest.fixture(scope="module")
def matrix_media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("matrix-media")


@pytest.fixture(autouse=True)
def _media_and_mail(_media_and_mail: None, settings: Any, matrix_media: Path) -> None:
    """The world's files live in one media root for the whole module."""
    settings.MEDIA_ROOT = matrix_media


@pytest.fixture(scope="module")
def matrix(django_db_setup: None, django_db_blocker: Any, matrix_media: Path) -> Iterator[Any]:
    """The world, in a transaction rolled back after the module's last test."""
    with (
        django_db_blocker.unblock(),
        override_settings(
            MEDIA_ROOT=matrix_media,
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        ),
        transaction.atomic(),
    ):
        yield build()
        transaction.set_rollback(True)


# --- the tables are the scoping tests' ---------------------------------------------------


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
    # Every table speaks of the world's roles, all of them.
    for table in (DECLARATIONS, CASES, RETEX, REVIEW, ALERT_ROWS, VENDOR_REQUESTS, PLAN):
        assert sorted(table) == sorted(ROLES)
    # A RETEX is read within the case's visibility, by those who write RETEX.
    for who in ROLES:
        assert RETEX[who] <= CASES[who], who


# --- declarations, cases, attachments, exports, API --------------------------------------


@pytest.mark.parametrize("who", ROLES)
def test_each_role_reads_exactly_its_objects_everywhere(matrix: Any, who: str) -> None:
    objects, cases, attachments = matrix.declarations, matrix.cases, matrix.attachments
    reader = Reader(matrix, who)
    client, check = reader.client, reader.check
    _token, key = api_token_create(user=reader.user, name=f"proof {who}", by=None)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")

    # Lists: the declarations page (submitted ones and one's own drafts).
    text = page_text(client.get("/declarations/"))
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
    text = page_text(client.get("/dossiers/", {"status": "all"}))
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
            assert body_of(response) == b"trace"
        else:
            assert response.status_code in HIDDEN, (who, name, response.status_code)

    for name, case in cases.items():
        for endpoint, url in (
            ("case detail", f"/dossiers/{case.pk}/"),
            ("case report pdf", f"/dossiers/{case.pk}/rapport.pdf"),
            ("case stix", f"/dossiers/{case.pk}/indicateurs/stix.json"),
        ):
            response = client.get(url)
            expected = name in CASES[who] and (
                endpoint == "case detail" or (who, name) not in SUMMARY_ONLY
            )
            check(endpoint, name, response.status_code == 200, expected)
            if response.status_code != 200:
                assert response.status_code in HIDDEN, (who, endpoint, name, response.status_code)
            elif endpoint == "case report pdf":
                assert response.content.startswith(b"%PDF")

        # The API read endpoint (by reference).
        answer = api.get(f"/api/v1/declarations/{objects[name].reference}")
        check("api get", name, answer.status_code == 200, name in DECLARATIONS[who])
        if answer.status_code != 200:
            assert answer.status_code == 404, (who, name, answer.status_code)

    # Statistics exports: exactly the visible cases, or no access at all.
    for fmt, read in (("csv", csv_references), ("xlsx", xlsx_references)):
        response = client.get(f"/statistiques/export.{fmt}")
        if who not in STATISTICS:
            assert response.status_code == 403, (who, fmt, response.status_code)
            continue
        assert response.status_code == 200, (who, fmt)
        references = read(response.content)
        reader.same(f"export {fmt}", references, {cases[n].reference for n in CASES[who]})

    reader.done()


# --- lessons learned -----------------------------------------------------------------


@pytest.mark.parametrize("who", ROLES)
def test_each_role_reads_exactly_its_retex(matrix: Any, who: str) -> None:
    """The sharing base, RETEX pages (drafts included), the writing page, the review of
    anonymised drafts, the portal's published ones and the case page's RETEX link."""
    reader = Reader(matrix, who)
    retex, cases, publications = matrix.retex, matrix.cases, matrix.publications
    references = {cases[name].reference: name for name in RETEX_AUTHORS}
    review_links = {f"/retex/publication/{p.pk}/relecture/": n for n, p in publications.items()}

    # The sharing base lists the shared RETEX in scope, and the drafts awaiting review.
    response = reader.get("/retex/")
    if who in SHARING_BASE:
        reader.status("sharing base", "list", response.status_code, 200)
        text = page_text(response)
        listed = set(re.findall(r'data-testid="retex-item" data-case="([^"]+)"', text))
        reader.same("sharing base", {references[r] for r in listed}, RETEX[who] & SHARED_RETEX)
        to_review = {review_links[link] for link in review_links if link in text}
        reader.same("sharing base: to review", to_review, REVIEW[who])
        for name in SHARED_RETEX:  # searched by case reference
            text = page_text(reader.get("/retex/", q=cases[name].reference))
            found = set(re.findall(r'data-testid="retex-item" data-case="([^"]+)"', text))
            wanted = {cases[name].reference} if name in RETEX[who] else set()
            reader.same(f"sharing base search {name}", found, wanted)
    else:
        reader.status("sharing base", "list", response.status_code, 403)

    for name, item in retex.items():
        readable = name in RETEX[who]
        response = reader.get(f"/retex/{item.pk}/")
        reader.status("retex detail", name, response.status_code, 200 if readable else 404)
        reader.check("retex detail text", name, RETEX_MARK[name] in page_text(response), readable)
        # The writing page shows the RETEX to its writers only.
        case = cases[name]
        response = reader.get(f"/retex/dossier/{case.pk}/")
        expected = 200 if readable else 403 if name in CASES[who] else 404
        reader.status("retex edit", name, response.status_code, expected)
        reader.check(
            "retex edit text", name, RETEX_MARK[name] in response.content.decode(), readable
        )
        # The case page links to the RETEX for its readers.
        if name in CASES[who]:
            page = page_text(reader.get(f"/dossiers/{case.pk}/"))
            reader.check(
                "case page retex link", name, f'href="/retex/{item.pk}/"' in page, readable
            )

    for name, publication in publications.items():
        response = reader.get(f"/retex/publication/{publication.pk}/relecture/")
        expected = 200 if name in REVIEW[who] else 404 if who in PUBLISHERS else 403
        reader.status("publication review", name, response.status_code, expected)
        reader.check(
            "publication review: original text",
            name,
            RETEX_MARK[name] in response.content.decode(),
            name in REVIEW[who],
        )
        response = reader.get(f"/portail/retex/{publication.slug}/")
        published = name in PUBLISHED
        reader.status("portal retex", name, response.status_code, 200 if published else 404)
    portal = page_text(reader.get("/portail/retex/"))
    listed = {n for n, p in publications.items() if f'href="/portail/retex/{p.slug}/"' in portal}
    reader.same("portal retex list", listed, PUBLISHED)
    reader.done()


# --- alerts and vendor requests --------------------------------------------------------


@pytest.mark.parametrize("who", ROLES)
def test_each_role_reads_exactly_its_alerts_and_vendor_requests(matrix: Any, who: str) -> None:
    """Alerts (list, page, acknowledgement rows and counts) and /demandes-editeurs/."""
    reader = Reader(matrix, who)
    w = matrix
    finess = {getattr(w, s).finess: s for s in PLAN_STRUCTURES}
    names = {getattr(w, s).name: s for s in PLAN_STRUCTURES}
    ids = {alert.pk: name for name, alert in w.alerts.items()}
    rows = ALERT_ROWS[who]

    def counts(name: str) -> tuple[int, int]:
        seen = rows[name]
        return len({s for s in seen if (name, s) in ACKNOWLEDGED}), len(seen)

    response = reader.get("/alertes/")
    if who in ALERT_READERS:
        reader.status("alert list", "list", response.status_code, 200)
        table = page_text(response)
        shown = {
            ids[int(pk)]: (int(ack), int(total))
            for pk, ack, total in re.findall(
                r'href="/alertes/(\d+)/".*?<td>(\d+) / (\d+)</td>', table, re.S
            )
        }
        reader.same("alert list", set(shown), set(rows))
        for name, figures in shown.items():
            if name in rows and figures != counts(name):
                reader.wrong.append(f"{who} alert list counts {name}: {figures}")
    else:
        reader.status("alert list", "list", response.status_code, 403)

    for name, alert in w.alerts.items():
        response = reader.get(f"/alertes/{alert.pk}/")
        reader.status("alert page", name, response.status_code, 200 if name in rows else 404)
        text = page_text(response)
        reader.check("alert page title", name, f"Alerte [{name}]" in text, name in rows)
        if name not in rows:
            continue
        own = {names[n] for n in re.findall(r'data-testid="own-row">\s*<h2[^>]*>([^<]+)<', text)}
        pending = {finess[f] for f in re.findall(r'data-finess="(\d+)"', text)}
        if who in ALERT_STAFF:
            reader.same(f"alert {name} own rows", own, set())
            unacknowledged = {s for s in rows[name] if (name, s) not in ACKNOWLEDGED}
            reader.same(f"alert {name} pending rows", pending, unacknowledged)
            match = re.search(r'data-testid="ack-count">(\d+) structures? sur (\d+)', text)
            got = (int(match[1]), int(match[2])) if match else None
            if got != counts(name):
                reader.wrong.append(f"{who} alert {name} acknowledgement count {got}")
        else:
            reader.same(f"alert {name} own rows", own, rows[name])
            reader.same(f"alert {name} pending rows", pending, set())

    # Acknowledging the Lyon hospital's row: its people only.
    row = w.alert_rows[(w.alerts["ara"].pk, w.lyon.pk)]
    response = reader.client.post(f"/alertes/{w.alerts['ara'].pk}/accuse-reception/{row.pk}/")
    expected = 302 if who in ACKNOWLEDGERS else 403 if "lyon" in rows.get("ara", ()) else 404
    reader.status("alert acknowledgement", "ara/lyon", response.status_code, expected)
    row.refresh_from_db()
    reader.check(
        "alert acknowledgement", "ara/lyon", row.acknowledged_at is not None, expected == 302
    )

    # Vendor requests: a vendor reads its own only.
    request_ids = {r.pk: name for name, r in w.requests.items()}
    response = reader.get("/demandes-editeurs/")
    if VENDOR_REQUESTS[who]:
        listed = {
            request_ids[int(pk)]
            for pk in re.findall(r'href="/demandes-editeurs/(\d+)/"', page_text(response))
        }
        reader.same("vendor request list", listed, VENDOR_REQUESTS[who])
    else:
        reader.status("vendor request list", "list", response.status_code, 403)
    for name, vendor_request in w.requests.items():
        readable = name in VENDOR_REQUESTS[who]
        response = reader.get(f"/demandes-editeurs/{vendor_request.pk}/")
        reader.status("vendor request page", name, response.status_code, 200 if readable else 404)
        text = page_text(response)
        reader.check("vendor request timeline", name, f"[{name}]." in text, readable)
    # Commenting on the other vendor's request.
    other = w.requests["other"]
    response = reader.client.post(
        f"/demandes-editeurs/{other.pk}/suivi/", {"to_status": "", "comment": "Vu."}
    )
    expected = 302 if "other" in VENDOR_REQUESTS[who] else 404
    reader.status("vendor request update", "other", response.status_code, expected)
    reader.done()


# --- SSI action plan ---------------------------------------------------------------------


@pytest.mark.parametrize("who", ROLES)
def test_each_role_reads_exactly_its_action_plans(matrix: Any, who: str) -> None:
    """Structure pages, measure pages, evidence files, regional and national views, and
    the quarterly reports (list, page, PDF/XLSX file)."""
    reader = Reader(matrix, who)
    w = matrix
    finess = {getattr(w, s).finess: s for s in PLAN_STRUCTURES}

    response = reader.get("/plan-action/")
    target = PLAN_INDEX[who]
    if target is None:
        reader.status("action plan index", "index", response.status_code, 403)
    else:
        reader.status("action plan index", "index", response.status_code, 302)
        if response.status_code == 302 and response["Location"] != target:
            reader.wrong.append(f"{who} action plan index goes to {response['Location']}")

    for name in PLAN_STRUCTURES:
        structure, readable = getattr(w, name), name in PLAN[who]
        expected = 200 if readable else 404
        response = reader.get(f"/plan-action/structures/{structure.finess}/")
        reader.status("structure plan", name, response.status_code, expected)
        response = reader.get(f"/plan-action/structures/{structure.finess}/mesures/1/")
        reader.status("measure page", name, response.status_code, expected)
        evidence = w.evidence[name]
        reader.check(
            "measure page evidence", name, f"preuve-{name}.pdf" in page_text(response), readable
        )
        response = reader.get(f"/plan-action/preuves/{evidence.pk}/")
        reader.status("evidence download", name, response.status_code, expected)
        if response.status_code == 200:
            assert body_of(response) == f"%PDF-1.4 preuve {name}".encode()

    for view, code in (*REGION_CODES.items(), ("national", None)):
        readable = view in PLAN_VIEWS[who]
        url = f"/plan-action/region/{code}/" if code else "/plan-action/national/"
        response = reader.get(url)
        reader.status("plan view", view, response.status_code, 200 if readable else 403)
        if not readable:
            continue
        text = page_text(response)
        listed = {
            finess[f] for f in re.findall(r'data-finess="(\d+)"', section(text, "structures"))
        }
        in_view = REGION_STRUCTURES.get(view, set(PLAN_STRUCTURES))
        reader.same(f"plan view {view} structures", listed, in_view & PLAN[who])
        # Incidents counted there: the reader's visible cases of those structures, but
        # never a military hospital's (kept figures must not depend on who made them).
        match = re.search(r"(\d+) des (\d+) incidents", text)
        total = sum(
            1
            for c in CASES[who]
            if (view == "national" or CASE_REGION[c] == view) and not c.startswith("military")
        )
        if match is None or int(match[2]) != total:
            reader.wrong.append(f"{who} plan view {view} incidents {match and match[0]!r}")
    reader.status(
        "plan view", "unknown region", reader.get("/plan-action/region/99/").status_code, 404
    )

    response = reader.get("/plan-action/rapports/")
    report_ids = {run.pk: name for name, run in w.reports.items()}
    if who in REPORT_PAGE:
        reader.status("report list", "list", response.status_code, 200)
        listed = {
            report_ids[int(pk)] for pk in re.findall(r'data-report="(\d+)"', page_text(response))
        }
        reader.same("report list", listed, REPORT_READERS[who])
    else:
        reader.status("report list", "list", response.status_code, 403)
    for name, run in w.reports.items():
        readable = name in REPORT_READERS[who]
        response = reader.get(f"/plan-action/rapports/{run.pk}/")
        reader.status("report page", name, response.status_code, 200 if readable else 404)
        siblings = {
            report_ids[int(pk)] for pk in re.findall(r'data-report="(\d+)"', page_text(response))
        }
        if not siblings <= REPORT_READERS[who]:
            reader.wrong.append(f"{who} report page {name} shows {sorted(siblings)}")
        response = reader.get(f"/plan-action/rapports/{run.pk}/fichier/")
        reader.status("report file", name, response.status_code, 200 if readable else 404)
        if response.status_code == 200:
            assert body_of(response)[:4] == (b"%PDF" if run.format == "pdf" else b"PK\x03\x04")
    reader.done()


def test_report_files_hold_only_their_region(matrix: Any) -> None:
    """A region's quarterly report names that region's structures only (what the ARS
    owes SG/HFDS); the national one every structure."""
    from openpyxl import load_workbook
    from pypdf import PdfReader

    w = matrix
    names = {s: getattr(w, s).name for s in PLAN_STRUCTURES}
    for name, region in (("ara_xlsx", "ara"), ("reunion_xlsx", "reunion"), ("national_xlsx", None)):
        with w.reports[name].file.open("rb") as handle:
            book = load_workbook(io.BytesIO(handle.read()))
        sheet = book.worksheets[-1]
        listed = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
        expected = REGION_STRUCTURES[region] if region else set(PLAN_STRUCTURES)
        assert listed == {getattr(w, s).finess for s in expected}, name
    with w.reports["ara_pdf"].file.open("rb") as handle:
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(handle.read())).pages)
    text = " ".join(text.split())
    for structure, label in names.items():
        assert (label in text) == (structure in REGION_STRUCTURES["ara"]), structure


# --- notifications, community -----------------------------------------------------------


@pytest.mark.parametrize("who", ROLES)
def test_each_role_reads_exactly_its_notifications_and_community(matrix: Any, who: str) -> None:
    """One's own notifications only, each leading to a page one may read; the forum and
    the portal comments for community members, hidden messages for the cell and their
    author only."""
    reader = Reader(matrix, who)
    w = matrix

    text = page_text(reader.get("/notifications/"))
    shown = {other for other in ROLES if f"Repère [{other}]" in text}
    reader.same("notification list", shown, {who})
    mine = Notification.objects.filter(user=reader.user)
    count = len(re.findall(r'data-testid="notification"', text))
    reader.status("notification list", "count", count, min(mine.count(), 25))
    for other, note in w.notes.items():
        response = reader.client.post(f"/notifications/{note.pk}/ouvrir/")
        reader.status(
            "notification open", other, response.status_code, 302 if other == who else 404
        )
    # What one is told about, one may read (a notification names what it points to).
    for url in sorted({n.url for n in mine if n.url}):
        response = reader.get(url)
        reader.status("notification target", url, response.status_code, 200)

    member = who in COMMUNITY
    response = reader.get("/communaute/")
    reader.status("forum", "list", response.status_code, 200 if member else 403)
    reader.check("forum list", "thread", "Discussion [forum]" in page_text(response), member)
    response = reader.get(f"/communaute/discussions/{w.thread.pk}/")
    reader.status("forum", "thread", response.status_code, 200 if member else 403)
    text = page_text(response)
    reader.check("forum thread", "visible reply", "Réponse visible [3]." in text, member)
    reader.check(
        "forum thread", "hidden post", "Message masqué [2]." in text, who in HIDDEN_POST_READERS
    )
    text = page_text(reader.get(f"/portail/retex/{w.publications['oiv'].slug}/"))
    reader.check("portal comments", "visible comment", "Commentaire visible [4]." in text, member)
    reader.check(
        "portal comments",
        "hidden comment",
        "Commentaire masqué [5]." in text,
        who in HIDDEN_COMMENT_READERS,
    )
    reader.done()


# --- statistics ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ROLES)
def test_each_role_reads_exactly_its_statistics(matrix: Any, who: str, settings: Any) -> None:
    """The dashboard counts and regions, a region filter that cannot widen an ARS's
    figures, the weak-signal clusters and their STIX bundle."""
    reader = Reader(matrix, who)
    w = matrix
    regions = {n: w.cases[n].structure.departement.region for n in SUBMITTED}
    reunion = Region.objects.get(code="04")

    response = reader.get("/statistiques/")
    if who in STATISTICS:
        reader.status("dashboard", "page", response.status_code, 200)
        text = page_text(response).split('data-testid="totals"', 1)[-1]
        total = re.search(r'data-testid="total">(\d+)<', text)
        reader.status("dashboard", "total", int(total[1]) if total else -1, len(CASES[who]))
        chart = re.findall(r"<svg.*?</svg>", text, re.S)[1]  # cases by region
        shown = set(re.findall(r"<text[^>]*><title>([^<]*)</title>", chart))
        reader.same("dashboard regions", shown, {regions[n].name for n in CASES[who]})
        # Another region asked for: the national roles narrow to it, an ARS stays home.
        national = who in ("acss", "hfds")
        expected = {n for n in CASES[who] if not national or regions[n] == reunion}
        text = page_text(reader.get("/statistiques/", region=reunion.pk))
        total = re.search(r'data-testid="total">(\d+)<', text)
        reader.status(
            "dashboard region filter", "total", int(total[1]) if total else -1, len(expected)
        )
        response = reader.get("/statistiques/export.csv", region=reunion.pk)
        reader.same(
            "export csv region filter",
            csv_references(response.content),
            {w.cases[n].reference for n in expected},
        )
    else:
        reader.status("dashboard", "page", response.status_code, 403)

    settings.VIGIE_CLUSTER_MIN_CASES = 2  # the two military hospital's cases form one
    response = reader.get("/statistiques/signaux-faibles/")
    if who in CLUSTERS:
        reader.status("clusters", "page", response.status_code, 200)
        links = re.findall(r'href="/dossiers/(\d+)/"', page_text(response))
        names = {c.pk: n for n, c in w.cases.items()}
        shown = {names[int(pk)] for pk in links}
        reader.same("clusters cases", shown & CLUSTERED, CASES[who] & CLUSTERED)
        # Whatever the rule (indicator, vendor, software, same type in a territory).
        reader.same("clusters cases readable", shown - CASES[who], set())
    else:
        reader.status("clusters", "page", response.status_code, 403)
    response = reader.get(f"/statistiques/signaux-faibles/{w.cluster.pk}/stix.json")
    reader.status("cluster stix", "cluster", response.status_code, 200 if who in CLUSTERS else 404)
    if response.status_code == 200:
        assert b"192.0.2.7" in response.content
    reader.done()


# --- the public ---------------------------------------------------------------------------


def test_public_pages_show_no_case_reference(matrix: Any) -> None:
    """Anonymous visitors: the portal search and public statistics reveal no reference,
    the portal only published RETEX, and every signed-in page sends them to the login."""
    w, objects = matrix, matrix.declarations
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
    body = public.content.decode()
    for name in SUBMITTED:
        assert str(objects[name].reference) not in body, name
    # Every count of this world is under 5: none is shown.
    tables = "".join(section(body, t) for t in ("public-by-type", "public-by-quarter"))
    assert tables and not re.search(r"<td>[0-4]<", tables)

    # The portal: the published RETEX and its visible comment, nothing else.
    listing = anonymous.get("/portail/retex/").content.decode()
    for name, publication in w.publications.items():
        link = f'href="/portail/retex/{publication.slug}/"'
        assert (link in listing) == (name in PUBLISHED), name
        status = anonymous.get(f"/portail/retex/{publication.slug}/").status_code
        assert status == (200 if name in PUBLISHED else 404), name
    page = anonymous.get(f"/portail/retex/{w.publications['oiv'].slug}/").content.decode()
    assert "Commentaire" not in page.split("<footer")[0].split("</h1>", 1)[1]  # members only

    # Protected pages send an anonymous visitor to the login page, nothing else.
    case = w.cases["lab"]
    for url in (
        "/declarations/",
        "/dossiers/",
        f"/dossiers/{case.pk}/",
        f"/dossiers/{case.pk}/rapport.pdf",
        "/statistiques/",
        "/statistiques/export.csv",
        "/statistiques/signaux-faibles/",
        f"/statistiques/signaux-faibles/{w.cluster.pk}/stix.json",
        "/retex/",
        f"/retex/{w.retex['oiv'].pk}/",
        f"/retex/dossier/{w.cases['oiv'].pk}/",
        f"/retex/publication/{w.publications['reunion'].pk}/relecture/",
        "/alertes/",
        f"/alertes/{w.alerts['ara'].pk}/",
        "/demandes-editeurs/",
        f"/demandes-editeurs/{w.requests['own'].pk}/",
        "/plan-action/",
        f"/plan-action/structures/{w.lyon.finess}/",
        f"/plan-action/preuves/{w.evidence['lyon'].pk}/",
        "/plan-action/region/84/",
        "/plan-action/national/",
        "/plan-action/rapports/",
        f"/plan-action/rapports/{w.reports['ara_pdf'].pk}/fichier/",
        "/notifications/",
        "/communaute/",
        f"/communaute/discussions/{w.thread.pk}/",
    ):
        response = anonymous.get(url)
        assert response.status_code == 302 and "/compte/" in response["Location"], url
    assert APIClient().get(f"/api/v1/declarations/{objects['lab'].reference}").status_code == 401
