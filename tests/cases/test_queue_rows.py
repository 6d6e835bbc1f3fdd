"""The queue's rows, rendered in Python (vigie/cases/queue_rows.py), are the markup the
template produced with its badge includes, byte for byte, for every kind of row; they are
read in one statement whatever the page holds; the tabs' counts are each status's."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.models import Prefetch
from django.template import engines
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import client_for
from vigie.cases import selectors
from vigie.cases.models import Case, CaseHandler, CaseStatus, Criticity
from vigie.cases.queue_rows import queue_rows, queue_rows_html
from vigie.cases.services import case_take
from vigie.declarations.models import Declaration

pytestmark = pytest.mark.django_db

# The rows' loop of cases/queue.html before the rows were rendered in Python (issue 18),
# with the badge includes the case page still uses.
ROWS_TEMPLATE = engines["django"].from_string(
    """{% load i18n tz %}{% for case in page_obj %}
            <tr data-testid="case-row" data-reference="{{ case.reference }}">
              <td class="vigie-nowrap"><a href="{% url 'cases:detail' case.pk %}">{{ case.reference }}</a></td>
              <td>{{ case.structure.name }}<br><span class="fr-text--xs">{{ case.structure.departement }}</span></td>
              <td>{{ case.declaration.incident_type|default:"—" }}</td>
              <td>{% include "cases/includes/status_badge.html" with small=True %}</td>
              <td>{{ case.get_criticity_display|default:"—" }}</td>
              <td>{{ case.opened_at|timezone:"Europe/Paris"|date:"SHORT_DATETIME_FORMAT" }}</td>
              {% if staff %}<td data-testid="case-handlers">{% for handler in case.handlers.all %}{{ handler.user.get_full_name|default:handler.user.email }} <span class="fr-text--xs">({{ handler.get_party_display }})</span>{% if not forloop.last %}<br>{% endif %}{% empty %}<span class="vigie-muted">{% translate "Nobody yet" %}</span>{% endfor %}</td>{% endif %}
              <td>
                {% include "cases/includes/urgency_badges.html" with small=True %}
                {% include "declarations/includes/taken_badge.html" with declaration=case.declaration small=True %}
                {% include "cases/includes/overdue_badge.html" %}
                {% if case.crisis_mode %}<span class="fr-badge fr-badge--error fr-badge--sm" data-testid="crisis-badge">{% translate "Crisis mode" %}</span>{% endif %}
                {% if case.is_significant %}<span class="fr-badge fr-badge--warning fr-badge--sm fr-badge--no-icon" data-testid="significant-badge">{% translate "Significant" %}</span>{% endif %}
                {% if case.is_military %}<span class="fr-badge fr-badge--sm fr-badge--no-icon">{% translate "Military hospital" %}</span>{% endif %}
              </td>
            </tr>
          {% endfor %}"""  # noqa: E501
)


def by_template(cases: Any, staff: bool) -> str:
    """The rows as the template rendered them, from Case objects read as the queue did."""
    read = cases.select_related(
        "structure__departement__region", "declaration__incident_type"
    ).prefetch_related(Prefetch("handlers", queryset=CaseHandler.objects.select_related("user")))
    return ROWS_TEMPLATE.render({"page_obj": list(read), "staff": staff})


@pytest.fixture
def varied(world: Any, make_case: Callable[..., Case]) -> list[Case]:
    """Cases showing every badge, empty cells, handlers with and without a name, text to
    escape and an overseas structure's overdue update."""
    now = timezone.now()
    cases = [make_case(world.lyon, world.declarant_lyon) for _ in range(6)]
    cases.append(make_case(world.reunion, world.declarant_reunion))
    urgent, care, closed, taken, plain, crisis, overseas = cases
    Declaration.objects.filter(pk__in=[urgent.declaration_id, closed.declaration_id]).update(
        urgent_help=True, incident_type=None
    )
    Case.objects.filter(pk=care.pk).update(
        care_affected=True, criticity=Criticity.SIGNIFICANT, is_military=True
    )
    Case.objects.filter(pk=closed.pk).update(
        status=CaseStatus.CLOSED, care_affected=True, criticity=Criticity.NOT_INCIDENT
    )
    Declaration.objects.filter(pk=taken.declaration_id).update(
        taken_by=world.acss, confirmed_at=None
    )
    Declaration.objects.filter(pk=plain.declaration_id).update(
        taken_by=world.acss, confirmed_at=now
    )
    Case.objects.filter(pk=crisis.pk).update(crisis_mode=True, criticity=Criticity.SERIOUS)
    Case.objects.filter(pk__in=[overseas.pk, crisis.pk]).update(
        status=CaseStatus.TO_PROCESS, ars_update_due_at=now - timedelta(days=2)
    )
    Case.objects.filter(pk=plain.pk).update(
        status=CaseStatus.TO_PROCESS, ars_update_due_at=now + timedelta(days=2)
    )
    world.lyon.name = "Hôpital <Édouard> & « Herriot » l'ancien"
    world.lyon.save()
    world.ars_ara.first_name, world.ars_ara.last_name = "", ""
    world.ars_ara.save()
    world.acss.first_name = "Zoé <b>"
    world.acss.save()
    for case in (urgent, taken):
        case_take(case=Case.objects.get(pk=case.pk), by=world.ars_ara)
        case_take(case=Case.objects.get(pk=case.pk), by=world.acss)
    case_take(case=Case.objects.get(pk=crisis.pk), by=world.hfds)
    return cases


@pytest.mark.parametrize("staff", [True, False])
def test_the_rows_are_the_templates_markup(world: Any, varied: list[Case], staff: bool) -> None:
    cases = Case.objects.filter(pk__in=[c.pk for c in varied]).order_by("-opened_at", "-pk")
    rows = queue_rows(cases, with_handlers=staff)
    assert [row.pk for row in rows] == list(cases.values_list("pk", flat=True))
    html = str(queue_rows_html(rows, staff=staff))
    assert html == by_template(cases, staff)
    # What the rows were made to show, so that the comparison compares something.
    for shown in ("urgent-badge", "care-badge", "taken-badge", "overdue-badge", "crisis-badge"):
        assert f'data-testid="{shown}"' in html
    assert "significant-badge" in html and "Hôpital des armées" in html
    assert "Hôpital &lt;Édouard&gt; &amp; « Herriot » l&#x27;ancien" in html
    assert ("Zoé &lt;b&gt;" in html) is staff


def test_the_queue_shows_its_cases_in_their_order(world: Any, varied: list[Case]) -> None:
    client = client_for(world.acss)
    for status, sort in ((selectors.OPEN, "-opened_at"), (None, "structure"), (None, "status")):
        params = {"status": status or selectors.ALL, "sort": sort}
        shown = [row.reference for row in client.get("/dossiers/", params).context["page_obj"]]
        queue = selectors.case_queue(world.acss, status=status, sort=sort)
        assert shown == [case.reference for case in queue.cases[:25]]
        assert shown


def test_the_rows_are_read_in_one_statement(world: Any, varied: list[Case]) -> None:
    client = client_for(world.acss)
    client.get("/dossiers/?status=all")

    def statements(status: str) -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/dossiers/", {"status": status}).status_code == 200
        return [q["sql"] for q in captured]

    many = statements("all")  # six cases, three with handlers
    assert len(statements(CaseStatus.CLOSED)) == len(many)  # one, nobody on it
    # session, user, the form's regions and incident types, the tabs' counts, the unread
    # notices, the rows (their handlers within)
    assert len(many) <= 7
    assert not any("cases_casehandler" in sql and "unnest" not in sql for sql in many)


def test_a_page_past_the_cases_and_an_empty_queue(world: Any, varied: list[Case]) -> None:
    client = client_for(world.acss)
    last = client.get("/dossiers/", {"status": "all", "page": "99"})
    assert last.content.decode().count('data-testid="case-row"') == len(varied) - 1
    with CaptureQueriesContext(connection) as captured:
        empty = client.get("/dossiers/", {"q": "aucun dossier"})
    assert 'data-testid="queue-empty"' in empty.content.decode()
    assert not any("unnest" in q["sql"] for q in captured)


@pytest.mark.parametrize("who", ["acss", "ars_ara", "hfds", "dgs", "member_lyon", "defence"])
def test_each_tab_counts_its_status(world: Any, varied: list[Case], who: str) -> None:
    user = getattr(world, who)
    for q in (None, "herriot"):
        queue = selectors.case_queue(user, q=q)
        visible = Case.objects.visible_to(user)
        if q:
            visible = visible.filter(structure__name__icontains=q)
        for status in CaseStatus.values:
            assert queue.counts[status] == visible.filter(status=status).count(), (status, q)
        assert queue.counts[selectors.ALL] == visible.count()
