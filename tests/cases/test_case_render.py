"""The case page's parts rendered in Python (vigie/cases/render.py) give the markup of the
templates they replace (the same text, tags and attributes; whitespace compared as the
browser reads it): the declaration's content (declarations/includes/sections.html), the
action forms (cases/includes/action_form.html), the timeline (its loop as it was in
cases/detail.html, kept in reference_templates/) and the dates (Django's date filter)."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.template.loader import render_to_string
from django.utils import translation

from vigie.cases import forms as case_forms
from vigie.cases import render
from vigie.declarations import selectors as declaration_selectors

REFERENCE = Path(__file__).parent / "reference_templates"
# Typed by a user: markup and quotes must come back escaped, and kept.
TYPED = '<b>"Bonjour"</b> & l\'équipe\n\nsuite'
ZONES = ["Europe/Paris", "Indian/Reunion", "America/Cayenne", "Pacific/Noumea", "Asia/Tokyo"]


def normalised(html: Any) -> str:
    """As the golden comparison of the case page: runs of whitespace as one space, none
    between two tags."""
    return re.sub(r"> <", "><", re.sub(r"\s+", " ", str(html))).strip()


def reference(name: str, context: dict[str, Any]) -> str:
    source = "{% load i18n case_tags %}" + (REFERENCE / name).read_text()
    return Template(source).render(Context(context))


@pytest.mark.parametrize("language", ["fr", "en"])
def test_moments_are_written_as_the_date_filter_writes_them(language: str) -> None:
    rng = random.Random(18)
    start = datetime(2019, 1, 1, tzinfo=UTC)
    moments = [start + timedelta(seconds=rng.randrange(10**9)) for _ in range(400)]
    # Around the changes of time in Paris, and a naive value.
    moments += [
        datetime(2026, 3, 29, 0, 30, tzinfo=UTC) + timedelta(minutes=20 * n) for n in range(9)
    ]
    moments += [
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC) + timedelta(minutes=20 * n) for n in range(9)
    ]
    with translation.override(language):
        for at in moments:
            for zone in ZONES:
                assert render.moment_html(
                    at, "Europe/Paris", zone
                ) == render.moment_html_by_filters(at, "Europe/Paris", zone), (at, zone)
        naive = datetime(2026, 5, 1, 12, 0)
        assert render.moment_html(naive, "Europe/Paris", "Europe/Paris") == (
            render.moment_html_by_filters(naive, "Europe/Paris", "Europe/Paris")
        )
        # Another Paris zone object, or none at all: the filters, as before.
        paris = ZoneInfo("Europe/Paris")
        assert render.moment_html(moments[0], paris, paris) == render.moment_html_by_filters(
            moments[0], paris, paris
        )


def sections_of(declaration: Any) -> list[Any]:
    return declaration_selectors.declaration_sections(declaration)


@pytest.mark.django_db
def test_the_declarations_content_is_the_includes(world: Any, make_declaration: Any) -> None:
    full = make_declaration(
        world.lyon, world.declarant_lyon, description=TYPED, sites_affected="<i>Urgences</i>"
    )
    variants = [sections_of(full)]
    # Fields left empty, odd labels and values, sections without rows.
    step = SimpleNamespace(slug="a&b", title='Étape "1" <x>')
    rows = [
        SimpleNamespace(name="n", label="<Label>", value="", problem="", anchor="id_n"),
        SimpleNamespace(name="m", label="L'autre", value=TYPED, problem="", anchor="id_m"),
    ]
    variants.append([SimpleNamespace(step=step, number=7, rows=rows, step_problem="")])
    variants.append([SimpleNamespace(step=step, number=1, rows=[], step_problem="")])
    variants.append([])
    for sections in variants:
        for level in (4, 2, None):
            context = {"sections": sections, "editable": False}
            if level is not None:
                context["heading_level"] = level
            expected = render_to_string("declarations/includes/sections.html", context)
            assert normalised(render.declaration_sections(sections, level or 2)) == normalised(
                expected
            )


def event_rows() -> list[Any]:
    at = datetime(2026, 11, 30, 23, 45, tzinfo=UTC)
    other = SimpleNamespace(pk=41, reference="INC-2026-0041")
    strange = SimpleNamespace(pk=42, reference="<INC & 42>")
    return [
        SimpleNamespace(
            event=SimpleNamespace(kind="opened"),
            at=at,
            actor="Vigie (automatic)",
            kind="Dossier ouvert",
            from_status="",
            to_status="En attente",
            reason="",
            details=["Reçue le 1er", "Déclarée <par> l'ARS"],
            related=[],
        ),
        SimpleNamespace(
            event=SimpleNamespace(kind="significant"),
            at=at + timedelta(days=3, hours=5),
            actor='Anne "A" <Martin>',
            kind="Bascule",
            from_status="À traiter",
            to_status="",
            reason=TYPED,
            details=[],
            related=[other, strange],
        ),
        SimpleNamespace(
            event=SimpleNamespace(kind="note"),
            at=at,
            actor="B",
            kind="Note",
            from_status="",
            to_status="",
            reason="",
            details=[],
            related=[other],
        ),
    ]


@pytest.mark.parametrize("local", ["Europe/Paris", "Indian/Reunion"])
def test_the_timeline_is_its_templates(local: str) -> None:
    rows = event_rows()
    for subset in (rows, rows[:1], []):
        context = {"timeline": subset, "paris_tz": "Europe/Paris", "structure_tz": local}
        expected = reference("timeline.html", context)
        assert normalised(render.timeline(subset, "Europe/Paris", local)) == normalised(expected)


def action_form_variants(world: Any) -> list[Any]:
    """Blank, refused (field and form errors) forms of the case page, with odd values."""
    built = []
    for name, kwargs in [
        ("AskForm", {}),
        ("QualifyForm", {}),
        ("CloseForm", {}),
        ("TakeForm", {}),
        ("AgreeForm", {"party": "structure"}),
    ]:
        form_class = getattr(case_forms, name)
        blank = form_class(initial={"version": 3}, key=name.lower(), **kwargs)
        refused = form_class({"version": "3", "text": TYPED}, key=name.lower(), **kwargs)
        refused.is_valid()
        refused.add_error(None, 'Le dossier a changé <entre> "temps"')
        built += [blank, refused]
    return built


@pytest.mark.django_db
def test_the_action_forms_are_the_include(world: Any) -> None:
    for form in action_form_variants(world):
        for secondary in ("", "1", True, False):
            for token in ("t0k&n", "NOTPROVIDED", None):
                context = {
                    "form": form,
                    "action": "/dossiers/3/questions/?a=1&b=<2>",
                    "submit": 'Envoyer "la" <réponse>',
                    "legend": "",
                    "hint": "",
                    "secondary": secondary,
                }
                if token is not None:
                    context["csrf_token"] = token
                expected = render_to_string("cases/includes/action_form.html", context)
                got = render.action_form(
                    form,
                    action=context["action"],
                    submit=context["submit"],
                    secondary=secondary,
                    csrf_token=token,
                )
                assert normalised(got) == normalised(expected), (form.key, secondary, token)


class Document:
    """A document sent with a tracking entry: its link and its name."""

    def get_absolute_url(self) -> str:
        return "/portail/1/?v=2&x=<y>"

    def __str__(self) -> str:
        return "Fiche <1> d'urgence"


def entries() -> list[Any]:
    at = datetime(2026, 6, 30, 21, 59, tzinfo=UTC)
    document = Document()
    person = SimpleNamespace(get_full_name=lambda: "", email="a<b>@example.org")
    named = SimpleNamespace(get_full_name=lambda: "Anne O'Neil", email="anne@example.org")
    return [
        SimpleNamespace(
            kind="note",
            at=at,
            get_kind_display=lambda: "Note",
            text=TYPED,
            document=None,
            by=person,
        ),
        SimpleNamespace(
            kind="information",
            at=at + timedelta(days=40),
            get_kind_display=lambda: "Information <envoyée>",
            text="",
            document=document,
            by=named,
        ),
        SimpleNamespace(
            kind="analysis",
            at=at,
            get_kind_display=lambda: "Analyse",
            text="Vu.",
            document=document,
            by=named,
        ),
    ]


@pytest.mark.parametrize("local", ["Europe/Paris", "Pacific/Noumea"])
def test_the_tracking_sheet_is_its_template(local: str) -> None:
    rows = entries()
    for subset in (rows, rows[1:2], []):
        all_ = SimpleNamespace(all=lambda subset=subset: subset)
        context = {
            "case": SimpleNamespace(tracking=all_),
            "paris_tz": "Europe/Paris",
            "structure_tz": local,
        }
        expected = reference("tracking.html", context)
        assert normalised(render.tracking(subset, "Europe/Paris", local)) == normalised(expected)


# --- the whole page: the tree's templates against the reference page ----------------------

CSRF = [
    (
        re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"'),
        'name="csrfmiddlewaretoken" value="X"',
    ),
    (re.compile(r'nonce="[^"]*"'), 'nonce="X"'),
    (re.compile(r'"csrfToken": "[^"]*"'), '"csrfToken": "X"'),
]


def both_ways(client: Any, method: str, url: str, data: Any = None) -> tuple[str, str]:
    """The page rendered by cases/detail.html, then by the reference template."""
    from django.http import HttpResponse
    from django.template import engines

    from vigie.cases import views

    source = (REFERENCE / "detail.html").read_text()
    old = engines["django"].from_string(source)
    real = views.render

    def by_reference(request: Any, name: str, context: Any, status: int = 200) -> Any:
        if name != "cases/detail.html":
            return real(request, name, context, status=status)
        context = {**context, **former_reads(request, context)}
        return HttpResponse(old.render(context, request), status=status)

    pages = []
    for variant in ("tree", "reference"):
        with mock.patch.object(views, "render", real if variant == "tree" else by_reference):
            response = getattr(client, method)(url, data) if data else client.get(url)
        body = f"{response.status_code} {response.content.decode()}"
        for pattern, replacement in CSRF:
            body = pattern.sub(replacement, body)
        pages.append(normalised(body))
    return pages[0], pages[1]


def former_reads(request: Any, context: Any) -> dict[str, Any]:
    """What the reference page read through the rules that the page now reads itself (or
    knows): the declaration's files and the case's e-mails, with the e-mails block's
    former template (tests/inbox/reference_templates/)."""
    from django.template import engines

    from vigie.inbox import selectors as inbox_selectors

    block = Path(__file__).parents[1] / "inbox" / "reference_templates" / "case_block.html"
    return {
        "attachments": declaration_selectors.attachments_of(request.user, context["declaration"]),
        "emails": inbox_selectors.case_messages(request.user, context["case"]),
        "emails_block": engines["django"].from_string(block.read_text()),
    }


def worked_case(world: Any, make_case: Any) -> Any:
    """An open case with what the page lists: handlers, qualification, questions (one
    answered, one asking to preserve evidence), tracking entries, a report to the ARS, a
    file joined to the declaration, an e-mail with its own."""
    from vigie.cases import services
    from vigie.declarations.models import Attachment
    from vigie.inbox.models import InboundMessage, MessageAttachment

    case = make_case(world.lyon, world.declarant_lyon, urgent_help=True, description=TYPED)
    services.case_take(case=case, by=world.acss)
    case.refresh_from_db()
    services.case_qualify(
        case=case,
        by=world.acss,
        version=case.version,
        criticity="serious",
        outcomes=["b2", "b3"],
        note=TYPED,
    )
    questions = [
        services.case_ask(case=case, by=world.acss, text=f"{TYPED} {n}", preserve_evidence=n == 1)
        for n in range(3)
    ]
    services.case_answer(question=questions[0], by=world.declarant_lyon, answer=TYPED)
    for kind, text in [("analysis", TYPED), ("note", "Appel avec le RSSI.")]:
        services.case_track(case=case, by=world.acss, kind=kind, text=text)
    services.case_report_to_ars(case=case, by=world.acss, text="Confinement fait.")
    case.refresh_from_db()
    services.case_take(case=case, by=world.ars_ara)
    files = {"content_type": "application/pdf", "size": 2048, "sha256": "ab" * 32}
    Attachment.objects.create(
        declaration=case.declaration,
        file="declarations/x",
        original_name=TYPED,
        uploaded_by=world.declarant_lyon,
        **files,
    )
    email = InboundMessage.objects.create(
        mailbox="acss",
        dedupe_key="worked",
        sender=TYPED,
        subject=TYPED,
        body=TYPED,
        raw="inbox/x.eml",
        status="attached",
        case=case,
        handled_by=world.acss,
    )
    MessageAttachment.objects.create(message=email, file="inbox/x", original_name=TYPED, **files)
    return case


@pytest.mark.django_db
def test_the_case_page_is_its_reference_template(world: Any, make_case: Any) -> None:
    from tests.factories import client_for

    worked = worked_case(world, make_case)
    fresh = make_case(world.reunion, world.declarant_reunion)
    roles = ["acss", "ars_ara", "hfds", "dgs", "declarant_lyon", "member_lyon", "admin"]
    compared = 0
    similar_shown = False
    blocks_shown = {'data-testid="attachment"': 0, 'data-testid="case-email"': 0}
    for role in roles:
        client = client_for(getattr(world, role))
        for case in (worked, fresh):
            requests: list[tuple[str, str, Any]] = [("get", f"/dossiers/{case.pk}/", None)]
            if role in ("acss", "declarant_lyon"):
                # Refused: errors shown, what was typed kept, a stale version (409).
                requests += [
                    ("post", f"/dossiers/{case.pk}/questions/", {"version": case.version}),
                    (
                        "post",
                        f"/dossiers/{case.pk}/suivi/",
                        {"version": case.version, "text": TYPED},
                    ),
                    ("post", f"/dossiers/{case.pk}/qualifier/", {"version": 999, "note": TYPED}),
                ]
                question = case.questions.filter(answered_at=None).first()
                if question is not None:
                    answer = f"/dossiers/{case.pk}/questions/{question.pk}/repondre/"
                    requests.append(("post", answer, {"version": case.version, "answer": ""}))
            for method, url, data in requests:
                tree, expected = both_ways(client, method, url, data)
                assert tree == expected, (role, case.pk, url)
                compared += 1
                similar_shown = similar_shown or 'data-testid="similar"' in tree
                for shown in ('data-testid="attachment"', 'data-testid="case-email"'):
                    blocks_shown[shown] += shown in tree
    assert compared >= 14
    assert similar_shown  # the fresh case is like the worked one (type, vendors)
    # The worked case's file and e-mail, to their readers (the DGS reads no declaration).
    assert min(blocks_shown.values()) >= 5, blocks_shown


@pytest.mark.django_db
def test_the_case_page_is_its_reference_template_in_every_state(world: Any, make_case: Any) -> None:
    """The states the worked and fresh cases do not reach, each branch of the page's own
    markup (vigie/cases/page.py) against the reference: closed with everything the
    closure report holds, waiting for agreements (the closer sees who is awaited), late
    for its weekly update, significant in crisis mode, shared by a military hospital, a
    quick declaration taken on the structure's behalf, every TLP marking."""
    from django.utils import timezone

    from tests.factories import client_for
    from vigie.cases.models import Case, ClosureAgreement
    from vigie.declarations.models import Declaration

    now = timezone.now()
    states: dict[str, dict[str, Any]] = {
        "closed": {
            "status": "closed",
            "closed_at": now,
            "closed_by": world.acss,
            "closure_synthesis": TYPED,
            "residual_vulnerabilities": TYPED,
            "residual_risks": TYPED,
            "structure_opinion": "useful",
            "structure_opinion_comment": TYPED,
            "support_mode": "shared",
            "support_ended_at": now,
        },
        "to_close": {"status": "to_close", "support_mode": "cell", "support_ended_at": now},
        "overdue": {"status": "to_process", "ars_update_due_at": now - timedelta(days=2)},
        "crisis": {
            "status": "to_process",
            "criticity": "significant",
            "outcomes": ["b2", "b3"],
            "qualified_at": now,
            "qualified_by": world.acss,
            "qualification_note": "",
            "piloted_by_hfds": True,
            "crisis_mode": True,
            "shared_with_cell": True,
            "is_military": True,
            "care_affected": True,
        },
        "quick": {},
    }
    tlps = ["red", "amber_strict", "green", "clear", "amber"]
    cases = {}
    for (name, fields), tlp in zip(states.items(), tlps, strict=True):
        case = make_case(world.lyon, world.declarant_lyon, urgent_help=True, tlp=tlp)
        Case.objects.filter(pk=case.pk).update(**fields)
        cases[name] = case
    for party, by in (("cell", world.acss), ("ars", world.ars_ara)):
        for name in ("closed", "to_close"):
            ClosureAgreement.objects.create(
                case=cases[name], party=party, by=by, comment=TYPED if party == "cell" else ""
            )
    Declaration.objects.filter(pk=cases["quick"].declaration_id).update(
        completed_at=None, taken_by=world.acss, incident_type=None
    )
    compared = 0
    seen: set[str] = set()
    for role in ("acss", "ars_ara", "hfds", "dgs", "declarant_lyon"):
        client = client_for(getattr(world, role))
        for case in cases.values():
            tree, expected = both_ways(client, "get", f"/dossiers/{case.pk}/")
            assert tree == expected, (role, case.pk)
            compared += 1
            seen |= {
                testid
                for testid in (
                    "closure-report",
                    "structure-opinion",
                    "missing-agreement",
                    "close-missing",
                    "overdue",
                    "crisis",
                    "hfds",
                    "military",
                    "shared",
                    "care-badge",
                    "taken-badge",
                    "declaration-incomplete",
                    "complete-link",
                    "closed-notice",
                )
                if f'data-testid="{testid}"' in tree
            }
    assert compared == 25
    # Every branch above was drawn by someone.
    assert len(seen) == 14, seen


@pytest.mark.django_db
def test_the_case_page_draws_few_nodes_of_its_own_template(world: Any, make_case: Any) -> None:
    """The page's own markup is written in Python (vigie/cases/page.py): cases/detail.html
    itself only places it around the later apps' blocks, a few dozen nodes whatever the case
    holds (it drew some 480 for a worked case, growing with each event, question, entry and
    form, then some 120 once its loops were in Python)."""
    from django.template import base

    from tests.factories import client_for

    case = worked_case(world, make_case)
    drawn: list[str] = []
    real = base.Node.render_annotated

    def counted(node: Any, context: Any) -> Any:
        origin = getattr(node, "origin", None)
        drawn.append(getattr(origin, "template_name", "") or "")
        return real(node, context)

    with mock.patch.object(base.Node, "render_annotated", counted):
        response = client_for(world.acss).get(f"/dossiers/{case.pk}/")
    assert response.status_code == 200
    own = drawn.count("cases/detail.html")
    assert 10 < own <= 40, own
