# ruff: noqa: E402 (Django is set up before the app is imported)
"""Before/after of issue 18's cuts, in process: `make bench-cuts` (bench/cuts.sh).

On a throwaway database (tests.factories.world_build plus notices and a case), each cut
is timed against the code it replaced, swapped in for the "before" rounds: the rounds
alternate (before, after, after, before, ...) and each figure is the median over rounds
of the mean per call. Requests go through Django's WSGI stack with the test client
(DEBUG off, persistent connection, warm). Per call: wall time, web CPU (process_time)
and PostgreSQL CPU (the backend's utime + stime from /proc); SQL statements are counted
with CaptureQueriesContext in a separate, untimed pass.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack, nullcontext
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.template import engines
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone
from dsfr.forms import DsfrDjangoTemplates

from bench import inproc  # sets Django up, DEBUG off
from bench.inproc import Variant, patched
from tests.core.scoping_reference import scope_rows_orm
from tests.factories import UserMaker, declaration_draft, login_with_mfa, world_build
from vigie.actionplan import selectors as actionplan_selectors
from vigie.actionplan.catalogue import SHIPPED_PLANS, plan_load
from vigie.actionplan.deadlines import add_months
from vigie.actionplan.models import CLOSED_STATUSES, AssessmentStatus, MeasureAssessment
from vigie.actionplan.models import Plan as ActionPlan
from vigie.actionplan.services import assessment_update, structure_plan_start
from vigie.cases import forms as case_forms
from vigie.cases import selectors as case_selectors
from vigie.cases import services as case_services
from vigie.cases import workflow
from vigie.cases.forms import CaseActionForm
from vigie.cases.models import Case, SupportMode
from vigie.cases.templatetags import case_tags
from vigie.core import scoping
from vigie.core.scoping import forget_scope, scope_for
from vigie.declarations.services import declaration_submit
from vigie.insights import selectors as insights_selectors
from vigie.insights import services as insights_services
from vigie.insights.forms import IndicatorForm, ObligationForm
from vigie.insights.models import Obligation
from vigie.notifications import selectors as notification_selectors
from vigie.notifications.models import Notification
from vigie.notifications.templatetags import notification_tags

ROUNDS = int(os.environ.get("BENCH_CUT_ROUNDS", "15"))
PER_ROUND = int(os.environ.get("BENCH_CUT_CALLS", "30"))
# BENCH_CUTS_ONLY=case: only the case page's section (4).
ONLY = os.environ.get("BENCH_CUTS_ONLY", "")


def compare(label: str, call: Callable[[], Any], before: Variant, after: Variant) -> None:
    inproc.compare(label, call, before, after, rounds=ROUNDS, calls=PER_ROUND)


def unread_uncapped(user: Any) -> int:
    """The counter before issue 18: COUNT(*) over every unread notice."""
    return notification_selectors.unread_count(user)


def setup() -> Any:
    call_command("migrate", verbosity=0)
    call_command("load_reference", verbosity=0)
    call_command("createcachetable", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    world = world_build(UserMaker("bench"))
    world.acss_client = login_with_mfa(Client(), world.acss)
    world.ars_client = login_with_mfa(Client(), world.ars_ara)
    for client in (world.acss_client, world.ars_client):
        assert client.get("/compte/profil/").status_code == 200
    return world


def notices(user: Any, unread: int) -> None:
    Notification.objects.filter(user=user).delete()
    Notification.objects.bulk_create(
        (Notification(user=user, title=f"Avis {n}") for n in range(unread)), batch_size=5000
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE notifications_notification")


# The manifest storage as in production ({% static %} looks each file up in it), without
# whitenoise's compression, which would only make collectstatic slow here.
@override_settings(
    STORAGES={
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
)
def main() -> None:
    assert not settings.DEBUG
    world = setup()
    print(f"{ROUNDS} alternating rounds of {PER_ROUND} calls; medians of the round means.\n")
    print("| measured | wall ms | web CPU ms | PostgreSQL CPU ms | SQL statements |")
    print("|---|---|---|---|---|")
    if ONLY != "case":
        earlier_cuts(world)
    case_page(world)
    print(f"\nmeasured {timezone.now():%Y-%m-%d %H:%M} UTC")


def earlier_cuts(world: Any) -> None:
    # 1. The header's unread counter: the layout page, with a growing backlog.
    def uncapped() -> AbstractContextManager[None]:
        return patched(notification_tags, "unread_badge_count", unread_uncapped)

    profile = world.ars_client
    for unread in (3, 1_000, 20_000):
        notices(world.ars_ara, unread)
        compare(
            f"/compte/profil/, {unread:,} unread notices: counter uncapped → capped",
            lambda: profile.get("/compte/profil/"),
            uncapped,
            nullcontext,
        )
        compare(
            f"the counter alone, {unread:,} unread notices",
            lambda: notification_tags.unread_badge_count(world.ars_ara),
            uncapped,
            nullcontext,
        )
    notices(world.ars_ara, 3)

    # 2. scope_for: the ORM query it was built with → one fixed SQL statement.
    def orm_scope() -> AbstractContextManager[None]:
        return patched(scoping, "_scope_rows", scope_rows_orm)

    for name in ("acss", "ars_ara", "director_paris"):
        user = getattr(world, name)
        compare(
            f"scope_for({name}) alone",
            lambda user=user: (forget_scope(user), scope_for(user)),
            orm_scope,
            nullcontext,
        )
    # No page row: a request now reads the scope with its user (scoping.user_with_scope,
    # vigie/core/backends.py), so swapping _scope_rows back would not touch a page.

    # 3. The case page: the regulatory clock once per request, not once per block.
    def obligations_each_time() -> AbstractContextManager[None]:
        return patched(insights_selectors, "case_obligations", insights_selectors._case_obligations)

    draft = declaration_draft(world.lyon, world.declarant_lyon, data_confidentiality=True)
    declaration = declaration_submit(declaration=draft, by=world.declarant_lyon)
    case = Case.objects.get(declaration=declaration)
    assert world.acss_client.get(f"/dossiers/{case.pk}/").status_code == 200
    compare(
        "/dossiers/<id>/ (ACSS, open case): obligations per block → once",
        lambda: world.acss_client.get(f"/dossiers/{case.pk}/"),
        obligations_each_time,
        nullcontext,
    )


# --- 4. the case page's own cost ---------------------------------------------------------

# cases/includes/when.html, which the page included for each of its dates.
WHEN_TEMPLATE = engines["django"].from_string(
    "{% load i18n tz vigie_tz %}<time datetime=\"{{ at|date:'c' }}\">"
    '{{ at|timezone:paris_tz|date:"DATETIME_FORMAT" }}</time>{% if structure_tz != paris_tz %}'
    ' ({% translate "Paris time" %}) — {{ at|timezone:structure_tz|date:"DATETIME_FORMAT" }}'
    " ({% blocktranslate with tz=structure_tz|zone_label %}structure's local time, {{ tz }}"
    "{% endblocktranslate %}){% endif %}\n"
)


def moment_by_template(at: Any, paris: Any, local: Any) -> Any:
    return WHEN_TEMPLATE.render({"at": at, "paris_tz": paris, "structure_tz": local})


def dsfr_templates() -> AbstractContextManager[Any]:
    """The case page's forms rendered by django-dsfr's templates."""
    renderer = DsfrDjangoTemplates()
    stack = ExitStack()
    for form_class in (CaseActionForm, IndicatorForm, ObligationForm):
        stack.enter_context(patched(form_class, "default_renderer", renderer))
    return stack


def people_joined() -> AbstractContextManager[Any]:
    """case_detail with the five people joined to the case (11 tables), as before."""
    original = case_selectors.case_detail
    visible = case_selectors.cases_visible

    def joined(user: Any) -> Any:
        return visible(user).select_related(
            "structure__director",
            "declaration__submitted_by",
            "declaration__created_by",
            "qualified_by",
            "closed_by",
        )

    def case_detail(user: Any, pk: int) -> Any:
        with (
            patched(case_selectors, "cases_visible", joined),
            patched(case_selectors, "_people_attach", lambda case: None),
        ):
            return original(user, pk)

    return patched(case_selectors, "case_detail", case_detail)


def measures_in_five(structure: Any, moment: Any, *, plan: Any = None) -> list[Any]:
    """measures_not_done_at before the second pass: the plan, the history, what was
    achieved, the start date and the measures read by five statements."""
    plan = plan or ActionPlan.objects.filter(published_on__lte=moment.date()).first()
    if plan is None:
        return []
    histories = actionplan_selectors.status_histories(
        [structure.pk], plan.measures.values("pk"), moment, stream=False
    )
    statuses = {measure_id: st[-1] for (_s, measure_id), (_t, st) in histories.items()}
    achieved = MeasureAssessment.objects.filter(
        structure=structure,
        measure__plan=plan,
        status=AssessmentStatus.DONE,
        achieved_on__lte=timezone.localdate(moment),
    ).values_list("measure_id", flat=True)
    for measure_id in achieved:
        statuses[measure_id] = AssessmentStatus.DONE
    start = actionplan_selectors.start_date_of(structure, plan)
    result = []
    for measure in plan.measures.select_related("theme").order_by("priority", "number"):
        status = statuses.get(measure.pk, AssessmentStatus.NOT_STARTED)
        if status in CLOSED_STATUSES:
            continue
        deadline = add_months(start, measure.deadline_months)
        result.append(
            actionplan_selectors.NotDone(measure, status, deadline, deadline < moment.date())
        )
    return result


def prefetches_scoped() -> AbstractContextManager[Any]:
    """case_detail with the case's filter compiled again for each prefetch, as before."""
    original = case_selectors.case_detail

    def case_detail(user: Any, pk: int) -> Any:
        with patched(case_selectors, "children_of_read_cases", lambda qs: qs.visible_to(user)):
            return original(user, pk)

    return patched(case_selectors, "case_detail", case_detail)


def second_pass_before() -> AbstractContextManager[Any]:
    """The case page before the second pass: scoped prefetches, the agreements read again
    for what closure still waits for. (It also patched the action plan block back to five
    statements; since c16e9b4 the page reads that block by its own fixed statement,
    which this does not undo: the block's cut is compared alone below.)"""
    original = workflow.missing_agreements
    stack = ExitStack()
    stack.enter_context(patched(actionplan_selectors, "measures_not_done_at", measures_in_five))
    stack.enter_context(prefetches_scoped())
    stack.enter_context(
        patched(workflow, "missing_agreements", lambda case, given=None: original(case))
    )
    return stack


def case_page_forms(world: Any, case: Case) -> list[str]:
    """The fields of the forms the ACSS sees on that page, rendered."""
    initial = {"version": case.version}
    zone = ZoneInfo("Europe/Paris")
    built: list[Any] = [
        case_forms.ArsUpdateForm(initial=initial, key="report"),
        case_forms.TrackForm(
            initial=initial,
            key="track",
            kinds=workflow.tracking_kinds(scope_for(world.acss), case),
            case=case,
        ),
        case_forms.AskForm(initial=initial, key="ask"),
        case_forms.SignificantForm(initial=initial, key="significant"),
        case_forms.EndSupportForm(initial=initial, key="end_support"),
        case_forms.TakeForm(initial=initial, key="release"),
        IndicatorForm(),
        *(ObligationForm(zone=zone, auto_id=f"id_{n}_%s") for n in range(4)),
    ]
    return [
        str(field) if field.is_hidden else str(field.as_field_group())
        for form in built
        for field in form
    ]


def case_with_history(world: Any) -> Case:
    """An open case as the cell works it: taken by the ACSS and the ARS, qualified,
    questions (one answered), tracking entries, a report to the ARS, a support mode,
    indicators, a notification recorded; the structure has an SSI action plan."""
    plan, _created = plan_load(SHIPPED_PLANS[0])
    structure_plan_start(structure=world.lyon, plan=plan, start_date=date(2024, 1, 15), by=None)
    for number, status in [(1, "done"), (2, "done"), (3, "in_progress"), (8, "done")]:
        assessment_update(
            structure=world.lyon,
            measure=plan.measures.get(number=number),
            by=None,
            status=status,
            achieved_on=date(2024, 3, 1) if status == "done" else None,
        )
    draft = declaration_draft(world.lyon, world.declarant_lyon, data_confidentiality=True)
    declaration = declaration_submit(declaration=draft, by=world.declarant_lyon)
    case = Case.objects.get(declaration=declaration)
    case_services.case_take(case=case, by=world.acss)
    case.refresh_from_db()
    case_services.case_qualify(
        case=case,
        by=world.acss,
        version=case.version,
        criticity="serious",
        outcomes=["b2", "b3"],
        note="Rançongiciel sur le DPI.\nPlusieurs services touchés.",
    )
    questions = [
        case_services.case_ask(
            case=case, by=world.acss, text=f"Question {n} ?", preserve_evidence=n == 1
        )
        for n in range(3)
    ]
    case_services.case_answer(question=questions[0], by=world.declarant_lyon, answer="Oui.")
    for kind, text in [
        ("analysis", "Vecteur : VPN sans MFA."),
        ("containment", "Isoler le segment DPI."),
        ("information", "Journaux du pare-feu demandés."),
        ("note", "Appel avec le RSSI."),
    ]:
        case_services.case_track(case=case, by=world.acss, kind=kind, text=text)
    case_services.case_report_to_ars(case=case, by=world.acss, text="Confinement fait.")
    case.refresh_from_db()
    case_services.case_choose_support(
        case=case, by=world.ars_ara, version=case.version, mode=SupportMode.values[0], reason=""
    )
    case_services.case_take(case=case, by=world.ars_ara)
    for kind, value in [
        ("ip", "203.0.113.7"),
        ("domain", "evil.example"),
        ("cve", "CVE-2024-3400"),
    ]:
        insights_services.indicator_add(case=case, by=world.acss, kind=kind, value=value)
    insights_services.obligations_sync(case=case)
    first = Obligation.objects.filter(case=case).order_by("pk").first()
    if first is not None:
        insights_services.obligation_record(
            case=case, by=world.acss, kind=first.kind, done_at=timezone.now() - timedelta(hours=1)
        )
    return case


def case_page(world: Any) -> None:
    """The case page's own cost: the fields of its forms rendered in Python, its dates by
    a tag instead of an included template, the people it names read apart from the case."""
    case = case_with_history(world)
    page = inproc.get(world.acss_client, f"/dossiers/{case.pk}/")

    def before() -> AbstractContextManager[Any]:
        stack = ExitStack()
        stack.enter_context(dsfr_templates())
        stack.enter_context(patched(case_tags, "moment_html", moment_by_template))
        stack.enter_context(people_joined())
        return stack

    compare(
        "/dossiers/<id>/ (ACSS, open case with its history): all three", page, before, nullcontext
    )
    # Each cut alone, without the rest of the page's noise.
    compare(
        "its forms alone (6 action forms, indicator, 4 notifications): templates → Python",
        lambda: case_page_forms(world, case),
        dsfr_templates,
        nullcontext,
    )
    moments = [event.at for event in case.timeline.all()][:30]
    compare(
        f"its dates alone ({len(moments)} in Paris, 5 overseas): included template → tag",
        lambda: [
            *(case_tags.moment_html(at, "Europe/Paris", "Europe/Paris") for at in moments),
            *(case_tags.moment_html(at, "Europe/Paris", "Indian/Reunion") for at in moments[:5]),
        ],
        lambda: patched(case_tags, "moment_html", moment_by_template),
        nullcontext,
    )
    compare(
        "its selector alone (case_detail): people joined → apart",
        lambda: case_selectors.case_detail(world.acss, case.pk),
        people_joined,
        nullcontext,
    )
    # The second pass (the action plan block, the prefetches, the agreements).
    compare(
        "/dossiers/<id>/ (ACSS, open case with its history): second pass",
        page,
        second_pass_before,
        nullcontext,
    )
    at = actionplan_selectors.incident_moment(case)
    compare(
        "its action plan block alone: five statements → one",
        lambda: actionplan_selectors.measures_not_done_at(case.structure, at),
        lambda: patched(actionplan_selectors, "measures_not_done_at", measures_in_five),
        nullcontext,
    )
    compare(
        "its selector alone (case_detail): prefetches scoped again → under the case's read",
        lambda: case_selectors.case_detail(world.acss, case.pk),
        prefetches_scoped,
        nullcontext,
    )
    # Against the framework's floor, in the same alternating rounds.
    floor = inproc.client_with(
        login_with_mfa(Client(), world.acss), inproc.django_only_middleware()
    )
    with inproc.bench_urls():
        costs = inproc.measure(
            {"F_session": inproc.get(floor, inproc.F_SESSION_PATH), "case page": page},
            rounds=ROUNDS,
            per_round=PER_ROUND,
        )
    f_session, case_cost = costs["F_session"], costs["case page"]
    print(
        f"\nF_session {f_session.cpu:.2f} ms web CPU ({f_session.queries} statements); "
        f"case page {case_cost.cpu:.2f} ms ({case_cost.queries} statements): "
        f"{case_cost.cpu / f_session.cpu:.1f}× F_session (target ≤ 12×)"
    )


if __name__ == "__main__":
    main()
