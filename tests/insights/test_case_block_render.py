"""The insights block of the case page, written in Python (vigie/insights/render.py), gives
the markup of its former template (kept in reference_templates/case_block.html, with the
former tag below): whitespace compared as the browser reads it, as the golden comparison
of the case page does. Checked on whole pages for every reader of cases that show each
branch (notifications made, owed, late, without delay; indicators or none; the forms
shown or not; refused posts), and on the renderer alone for what pages do not show here
(forms refused with errors, no clock, English, odd values, more zones)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django import template
from django.db import connection
from django.http import HttpResponse
from django.template import Context, engines
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from tests.core.test_scope_sql import world_users
from tests.factories import client_for
from vigie.cases import views as case_views
from vigie.cases import workflow
from vigie.cases.models import Case
from vigie.core.scoping import scope_for
from vigie.directory.models import Role
from vigie.insights import render, selectors, services
from vigie.insights.clock import structure_zone
from vigie.insights.forms import IndicatorForm, ObligationForm
from vigie.insights.models import Indicator, ObligationKind

pytestmark = pytest.mark.django_db

REFERENCE = Path(__file__).parent / "reference_templates"
DETAIL = Path(case_views.__file__).parent / "templates" / "cases" / "detail.html"
TYPED = '<b>"Bonjour"</b> & l\'équipe'
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def normalised(html: Any) -> str:
    """As the golden comparison of the case page: runs of whitespace as one space, none
    between two tags."""
    return re.sub(r"> <", "><", re.sub(r"\s+", " ", str(html))).strip()


def reference_block() -> Any:
    return engines["django"].from_string((REFERENCE / "case_block.html").read_text())


def reference_library() -> template.Library:
    """``{% case_insights case %}`` as it was: the tag filling the former template."""
    library = template.Library()

    @library.inclusion_tag(reference_block(), takes_context=True)
    def case_insights(context: template.Context, case: Any) -> dict[str, Any]:
        request = context["request"]
        user = request.user
        available = context.get("case_actions")
        if available is None or context.get("case") is not case:
            available = workflow.available_actions(scope_for(user), case)
        zone = structure_zone(case.structure)
        obligations = selectors.case_obligations(user, case)
        if "obligation" in available:
            for row in obligations:
                if row["status"] != "done":
                    row["form"] = ObligationForm(zone=zone, auto_id=f"id_{row['kind']}_%s")
        return {
            "request": request,
            "case": case,
            "zone": zone.key,
            "obligations": obligations,
            "indicators": selectors.case_indicators(user, case),
            "indicator_form": IndicatorForm() if "indicator" in available else None,
            "csrf_token": context.get("csrf_token"),
        }

    return library


def both_ways(client: Any, method: str, url: str, data: Any = None) -> tuple[str, str]:
    """The page with the block written in Python, then with the former tag and template
    (the rest of the page alike)."""
    tag = "{% case_insights case %}"
    source = DETAIL.read_text()
    assert source.count(tag) == 1
    django_engine = engines["django"]
    with mock.patch.dict(
        django_engine.engine.template_libraries, {"insights_reference": reference_library()}
    ):
        old = django_engine.from_string(
            source.replace(tag, "{% load insights_reference %}{% case_insights case %}")
        )
    real = case_views.render

    def by_reference(request: Any, name: str, context: Any, status: int = 200) -> Any:
        if name != "cases/detail.html":
            return real(request, name, context, status=status)
        return HttpResponse(old.render(context, request), status=status)

    pages = []
    for variant in (real, by_reference):
        with mock.patch.object(case_views, "render", variant):
            response = getattr(client, method)(url, data) if data else client.get(url)
        pages.append(
            normalised(CSRF.sub("", f"{response.status_code} {response.content.decode()}"))
        )
    return pages[0], pages[1]


@pytest.fixture
def cases(world: Any, dated_case: Any, make_user: Any) -> dict[str, Case]:
    """Lyon (essential entity, OIV) detected 30 hours ago with personal data breached:
    made at submission, recorded, late, due, without delay; indicators. Réunion: no
    indicator, overseas time. A closed case; a military hospital's case (its own label);
    (A submitted declaration has a date, so the page always has a clock: the renderer's
    test shows the block without one.)"""
    now = timezone.now()
    detected = now - timedelta(hours=30)
    lyon = dated_case(
        world.lyon,
        world.declarant_lyon,
        detected=detected,
        submitted=detected + timedelta(hours=1),
        data_confidentiality=True,
    )
    services.obligations_sync(case=lyon)
    services.obligation_record(
        case=lyon, by=world.acss, kind=ObligationKind.CNIL, done_at=now - timedelta(hours=2)
    )
    services.indicator_add(case=lyon, by=world.acss, kind="ip", value="203.0.113.7")
    services.indicator_add(
        case=lyon, by=world.acss, kind="software", value=f"DPI {TYPED}", comment=TYPED
    )
    reunion = dated_case(
        world.reunion, world.declarant_reunion, detected=now - timedelta(days=3, minutes=7)
    )
    closed = dated_case(world.lyon, world.declarant_lyon, detected=now - timedelta(days=40))
    services.indicator_add(case=closed, by=world.acss, kind="hash", value="ab" * 32)
    Case.objects.filter(pk=closed.pk).update(status="closed", closed_at=now)
    declarant_military = make_user(Role.DECLARANT, structure=world.military)
    military = dated_case(
        world.military, declarant_military, detected=now - timedelta(hours=5), care_impact="actual"
    )
    return {
        "lyon": lyon,
        "reunion": reunion,
        "closed": closed,
        "military": military,
    }


def test_the_case_page_is_its_former_block_for_every_reader(
    world: Any, cases: dict[str, Case]
) -> None:
    seen: set[str] = set()
    for name, user in world_users(world).items():
        client = client_for(user)
        for key, case in cases.items():
            requests: list[tuple[str, str, Any]] = [("get", f"/dossiers/{case.pk}/", None)]
            if name in ("acss", "declarant_lyon", "ars_ara"):
                # Refused: errors shown, a stale version (409).
                requests += [
                    ("post", f"/dossiers/{case.pk}/suivi/", {"version": 1, "text": TYPED}),
                    ("post", f"/dossiers/{case.pk}/qualifier/", {"version": 999, "note": "x"}),
                ]
            for method, url, data in requests:
                tree, expected = both_ways(client, method, url, data)
                assert tree == expected, (name, case.pk, url)
                for branch in (
                    'data-status="done"',
                    'data-status="overdue"',
                    'data-status="due"',
                    'data-testid="obligation-form-',
                    'data-testid="indicator-form"',
                    'data-testid="indicator"',
                    "heure de La Réunion",
                    "Chaîne de défense",
                    "Sans délai",
                    "Aucun indicateur",
                ):
                    if branch in tree:
                        seen.add(branch)
                if "obligation-form-" in tree or "indicator-form" in tree:
                    seen.add(f"forms:{name}:{key}")
                elif 'id="obligations"' in tree:
                    seen.add(f"no forms:{name}:{key}")
    assert len([b for b in seen if ":" not in b]) == 10, seen  # every branch shown
    assert {"forms:acss:lyon", "no forms:acss:closed", "no forms:member_lyon:lyon"} <= seen


def test_the_block_reads_nothing_of_its_own(world: Any, cases: dict[str, Case]) -> None:
    """The notifications and indicators come with the page's case (case_detail)."""
    for user in (world.acss, world.declarant_lyon, world.hfds):
        client = client_for(user)
        for case in cases.values():
            with CaptureQueriesContext(connection) as queries:
                response = client.get(f"/dossiers/{case.pk}/")
            if response.status_code != 200:
                continue
            own = [
                q["sql"]
                for q in queries.captured_queries
                if "insights_" in q["sql"] and "json_build_object" not in q["sql"]
            ]
            assert own == [], own


# --- the renderer alone ------------------------------------------------------------------


def rows(zone: str) -> list[dict[str, Any]]:
    """case_obligations' rows: each status, odd labels, around the change of time."""
    at = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    return [
        {"kind": "ars_cell", "label": "ARS & cellule", "due_at": at, "without_delay": True,
         "done_at": at + timedelta(minutes=5), "done_by": None, "status": "done"},
        {"kind": "anssi", "label": "ANSSI", "due_at": at, "without_delay": True,
         "done_at": None, "done_by": None, "status": "overdue"},
        {"kind": "cnil", "label": TYPED, "due_at": at + timedelta(hours=72),
         "without_delay": False, "done_at": None, "done_by": None, "status": "due"},
        {"kind": "nis2_early_warning", "label": "NIS 2", "due_at": at + timedelta(hours=1),
         "without_delay": False, "done_at": datetime(2027, 1, 1, 23, 59, tzinfo=UTC),
         "done_by": None, "status": "done"},
        {"kind": "nis2_notification", "label": "NIS 2 <notification>",
         "due_at": at + timedelta(hours=2), "without_delay": False, "done_at": None,
         "done_by": None, "status": "overdue"},
    ]  # fmt: skip


def indicators() -> list[Indicator]:
    return [
        Indicator(kind="ip", value="203.0.113.7", tlp="amber", comment=""),
        Indicator(kind="domain", value=TYPED, tlp="red", comment=TYPED),
        Indicator(kind="url", value="https://x.test/?a=1&b=2", tlp="", comment="vu"),
        Indicator(kind="other-kind", value="v", tlp="not-a-tlp", comment=""),
    ]


def refused_obligation(kind: str, zone: ZoneInfo) -> ObligationForm:
    form = ObligationForm({"done_at": TYPED}, zone=zone, auto_id=f"id_{kind}_%s")
    assert not form.is_valid()
    return form


def refused_indicator() -> IndicatorForm:
    form = IndicatorForm({"kind": "nope", "value": "", "tlp": "x", "comment": TYPED})
    assert not form.is_valid()
    return form


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("zone", ["Europe/Paris", "Indian/Reunion", "Pacific/Noumea"])
def test_the_block_is_its_former_template(language: str, zone: str) -> None:
    old = reference_block().template
    variants: list[tuple[list[dict[str, Any]], list[Indicator], str | None, bool]] = [
        (rows(zone), indicators(), "blank", True),
        (rows(zone), indicators(), "refused", True),
        (rows(zone), [], None, False),
        ([], [], "blank", False),
        ([], indicators()[:1], "refused", True),
    ]
    compared = 0
    with translation.override(language), timezone.override(ZoneInfo("Asia/Tokyo")):
        for owed, found, forms, record in variants:
            for token in ("tok<en>", None, ""):
                context: dict[str, Any] = {
                    "case": Case(pk=41),
                    "zone": zone,
                    "indicators": found,
                    "csrf_token": token,
                    "indicator_form": None,
                }
                new_rows = []
                old_rows = []
                for row in owed:
                    new, former = dict(row), dict(row)
                    if record and row["status"] != "done":
                        if forms == "refused":
                            form = refused_obligation(row["kind"], ZoneInfo(zone))
                            new["fields"] = render.obligation_fields(form)
                        else:
                            form = ObligationForm(
                                zone=ZoneInfo(zone), auto_id=f"id_{row['kind']}_%s"
                            )
                            new["fields"] = render.blank_obligation_fields(row["kind"])
                        former["form"] = form
                    new_rows.append(new)
                    old_rows.append(former)
                fields = None
                if forms == "refused":
                    context["indicator_form"] = refused_indicator()
                    fields = render.indicator_fields(context["indicator_form"])
                elif forms == "blank":
                    context["indicator_form"] = IndicatorForm()
                    fields = render.blank_indicator_fields()
                expected = old.render(Context({**context, "obligations": old_rows}))
                got = render.case_block(
                    case_pk=41,
                    zone=zone,
                    obligations=new_rows,
                    indicators=found,
                    indicator_fields=fields,
                    csrf_token=token,
                )
                assert normalised(got) == normalised(expected), (forms, token)
                compared += 1
    assert compared == 15


def test_the_blank_forms_are_the_forms_in_each_language() -> None:
    """Kept per language: the same markup as forms built on each request, in the language
    of the request."""
    for language in ("fr", "en", "fr"):
        with translation.override(language):
            for kind in ObligationKind.values:
                form = ObligationForm(zone=ZoneInfo("Indian/Reunion"), auto_id=f"id_{kind}_%s")
                assert render.blank_obligation_fields(kind) == render.obligation_fields(form)
            assert render.blank_indicator_fields() == render.indicator_fields(IndicatorForm())
    with translation.override("en"):
        english = render.blank_indicator_fields()
    with translation.override("fr"):
        assert render.blank_indicator_fields() != english
