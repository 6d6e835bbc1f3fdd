"""The case queue's rows: one page read in one fixed statement, rendered in Python.

The queue showed 25 cases through the template engine (a dozen nodes, four included
badge templates and the handlers' loop per row) from Case objects read with their
declaration, structure, département, region and incident type, then their handlers:
two thirds of the page's cost for a table (issue 18). Here the cases to show are still
chosen by the queue's scoped, filtered and sorted queryset (selectors.case_queue: only
their ids are compiled by the ORM, within this statement); what the rows show is read
by a statement written once, and each row is the markup the template produced, byte
for byte (tests/cases/test_queue_rows.py compares it with the template and its badges).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import get_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from vigie.cases.models import Case, CaseHandler, CaseStatus, Criticity, Party
from vigie.core.dates import date_text
from vigie.core.dsfr_render import e
from vigie.core.sql import col
from vigie.declarations.models import Declaration, IncidentType
from vigie.directory.models import Departement, Region, Structure, User

PARIS = "Europe/Paris"


@dataclass(frozen=True)
class QueueStructure:
    name: str
    departement: str  # as str(Departement): "69 Rhône"
    timezone: str  # its region's


@dataclass(frozen=True)
class QueueHandler:
    name: str  # the full name, else the e-mail address
    party: str


@dataclass(frozen=True)
class QueueRow:
    """What a row of the queue shows of a case."""

    pk: int
    reference: str
    status: str
    criticity: str
    opened_at: datetime
    ars_update_due_at: datetime | None
    care_affected: bool
    crisis_mode: bool
    is_military: bool
    urgent_help: bool  # the declaration's: help needed now
    taken_unconfirmed: bool  # taken on the structure's behalf, not yet confirmed
    incident_type: str | None
    structure: QueueStructure
    handlers: tuple[QueueHandler, ...]

    @property
    def is_closed(self) -> bool:
        return self.status == CaseStatus.CLOSED

    @property
    def is_overdue(self) -> bool:  # as Case.is_overdue
        return (
            self.status == CaseStatus.TO_PROCESS
            and self.ars_update_due_at is not None
            and self.ars_update_due_at < timezone.now()
        )


_ROWS_SQL: dict[bool, str] = {}


def _rows_sql(with_handlers: bool) -> str:
    """The statement around the page's ids (``{ids}``, compiled by the ORM): the ids in
    their order, each case with what its row shows, and its handlers when asked."""
    if with_handlers not in _ROWS_SQL:
        case, declaration = Case._meta, Declaration._meta
        structure, departement, region = Structure._meta, Departement._meta, Region._meta
        kind, handler, user = IncidentType._meta, CaseHandler._meta, User._meta
        # Who is on the case, by party as CaseHandler's ordering; (party, first name, last
        # name, e-mail) each.
        handlers = (
            f"""ARRAY(SELECT ARRAY[h.{col(handler, "party")}, u.{col(user, "first_name")},
                                   u.{col(user, "last_name")}, u.{col(user, "email")}]
                        FROM "{handler.db_table}" h
                        JOIN "{user.db_table}" u ON u.{col(user, "id")} = h.{col(handler, "user")}
                       WHERE h.{col(handler, "case")} = c.{col(case, "id")}
                       ORDER BY h.{col(handler, "party")})"""  # noqa: S608 (as below)
            if with_handlers
            else "NULL"
        )
        _ROWS_SQL[with_handlers] = f"""
            SELECT c.{col(case, "id")}, c.{col(case, "reference")}, c.{col(case, "status")},
                   c.{col(case, "criticity")}, c.{col(case, "opened_at")},
                   c.{col(case, "ars_update_due_at")}, c.{col(case, "care_affected")},
                   c.{col(case, "crisis_mode")}, c.{col(case, "is_military")},
                   d.{col(declaration, "urgent_help")},
                   d.{col(declaration, "taken_by")} IS NOT NULL
                       AND d.{col(declaration, "confirmed_at")} IS NULL,
                   t.{col(kind, "label")}, s.{col(structure, "name")},
                   dep.{col(departement, "code")}, dep.{col(departement, "name")},
                   r.{col(region, "timezone")}, {handlers}
              FROM unnest(ARRAY({{ids}})) WITH ORDINALITY AS page (id, n)
              JOIN "{case.db_table}" c ON c.{col(case, "id")} = page.id
              JOIN "{declaration.db_table}" d
                ON d.{col(declaration, "id")} = c.{col(case, "declaration")}
              LEFT JOIN "{kind.db_table}" t
                ON t.{col(kind, "id")} = d.{col(declaration, "incident_type")}
              JOIN "{structure.db_table}" s ON s.{col(structure, "id")} = c.{col(case, "structure")}
              JOIN "{departement.db_table}" dep
                ON dep.{col(departement, "id")} = s.{col(structure, "departement")}
              JOIN "{region.db_table}" r ON r.{col(region, "id")} = dep.{col(departement, "region")}
             ORDER BY page.n
        """  # noqa: S608 (identifiers from the models' metadata; every value is bound)
    return _ROWS_SQL[with_handlers]


def queue_rows(cases: QuerySet[Case], *, with_handlers: bool) -> list[QueueRow]:
    """The rows of ``cases``: a slice of the queue's scoped queryset (selectors.case_queue),
    in its order. ``with_handlers``: who is on each case too (staff)."""
    try:
        ids_sql, params = cases.values("pk").query.sql_with_params()
    except EmptyResultSet:  # a filter that matches nothing, compiled away
        return []
    with connection.cursor() as cursor:
        cursor.execute(_rows_sql(with_handlers).replace("{ids}", ids_sql), params)
        fetched = cursor.fetchall()
    return [
        QueueRow(
            pk=pk,
            reference=reference,
            status=status,
            criticity=criticity,
            opened_at=opened_at,
            ars_update_due_at=due,
            care_affected=care_affected,
            crisis_mode=crisis_mode,
            is_military=is_military,
            urgent_help=urgent_help,
            taken_unconfirmed=taken,
            incident_type=incident_type,
            structure=QueueStructure(name, f"{code} {departement}", tz),
            handlers=tuple(
                QueueHandler(f"{first} {last}".strip() or email, party)
                for party, first, last, email in handlers or ()
            ),
        )
        for (
            pk,
            reference,
            status,
            criticity,
            opened_at,
            due,
            care_affected,
            crisis_mode,
            is_military,
            urgent_help,
            taken,
            incident_type,
            name,
            code,
            departement,
            tz,
            handlers,
        ) in fetched
    ]


# --- the rows' markup ----------------------------------------------------------------------
# Each piece says which template it stands for; tests/cases/test_queue_rows.py renders the
# template and its includes for the same cases and compares.


_STATUS_CLASSES = {
    CaseStatus.AWAITING_QUALIFICATION.value: " fr-badge--new",
    CaseStatus.TO_PROCESS.value: " fr-badge--info",
    CaseStatus.TO_CLOSE.value: " fr-badge--success",
}


def _status_badge(value: str, label: Any, *, small: bool = True) -> str:
    """cases/includes/status_badge.html (with small=True unless told)."""
    size = " fr-badge--sm" if small else ""
    return (
        f'\n<span class="fr-badge fr-badge--no-icon{size}'
        f'{_STATUS_CLASSES.get(value, "")}" data-testid="status" data-status="{e(value)}">'
        f"{e(label)}</span>\n"
    )


class _Page:
    """What the rows of a page share: translated (the request's language) and escaped once."""

    def __init__(self) -> None:
        self.short_datetime = get_format("SHORT_DATETIME_FORMAT")
        self.paris = ZoneInfo(PARIS)
        self.statuses = {value: _status_badge(value, label) for value, label in CaseStatus.choices}
        self.criticities = {value: e(label) for value, label in Criticity.choices}
        self.parties = {value: e(label) for value, label in Party.choices}
        # cases/includes/urgency_badges.html with small=True
        self.urgent = (
            '<span class="fr-badge fr-badge--error fr-badge--no-icon fr-badge--sm" '
            f'data-testid="urgent-badge">{e(_("Urgent help requested"))}</span>'
        )
        self.care = (
            '<span class="fr-badge fr-badge--error fr-badge--no-icon fr-badge--sm" '
            f'data-testid="care-badge">{e(_("Care affected"))}</span>'
        )
        # declarations/includes/taken_badge.html with small=True
        self.taken = (
            '<span class="fr-badge fr-badge--new fr-badge--no-icon fr-badge--sm" '
            f'data-testid="taken-badge">{e(_("Declaration taken on behalf of the structure"))}'
            "</span>\n"
        )
        # cases/includes/overdue_badge.html: {% blocktranslate %} leaves its text as is.
        self.overdue = _("Weekly update late (due %(due)s)")
        self.crisis = (
            '<span class="fr-badge fr-badge--error fr-badge--sm" data-testid="crisis-badge">'
            f"{e(_('Crisis mode'))}</span>"
        )
        self.significant = (
            '<span class="fr-badge fr-badge--warning fr-badge--sm fr-badge--no-icon" '
            f'data-testid="significant-badge">{e(_("Significant"))}</span>'
        )
        self.military = (
            f'<span class="fr-badge fr-badge--sm fr-badge--no-icon">{e(_("Military hospital"))}'
            "</span>"
        )
        self.nobody = f'<span class="vigie-muted">{e(_("Nobody yet"))}</span>'

    def moment(self, at: datetime, zone: Any) -> str:
        """``at|timezone:zone|date:"SHORT_DATETIME_FORMAT"``."""
        return e(date_text(at.astimezone(zone), self.short_datetime))

    def urgency(self, row: QueueRow) -> str:
        if row.is_closed:
            return "\n"
        return (
            (self.urgent if row.urgent_help else "")
            + (self.care if row.care_affected else "")
            + "\n"
        )

    def overdue_badge(self, row: QueueRow) -> str:
        if not row.is_overdue:
            return "\n"
        try:
            zone = ZoneInfo(row.structure.timezone)
        except ZoneInfoNotFoundError:  # as the |timezone filter: no date
            due = ""
        else:
            due = self.moment(cast(datetime, row.ars_update_due_at), zone)
        # cases/includes/overdue_badge.html: {% blocktranslate %} leaves its text as is.
        text = self.overdue % {"due": due}
        return (
            '<span class="fr-badge fr-badge--error fr-badge--sm" data-testid="overdue-badge">'
            f"{text}</span>\n"
        )

    def handlers(self, row: QueueRow) -> str:
        """The "Who is on it" cell."""
        names = (
            "<br>".join(
                f'{e(handler.name)} <span class="fr-text--xs">'
                f"({self.parties.get(handler.party) or e(handler.party)})</span>"
                for handler in row.handlers
            )
            or self.nobody
        )
        return f'<td data-testid="case-handlers">{names}</td>'

    def row(self, row: QueueRow, staff: bool, url: str) -> str:
        """One iteration of the rows' loop of cases/queue.html, its whitespace included."""
        reference = e(row.reference)
        structure = row.structure
        incident_type = "—" if row.incident_type is None else e(row.incident_type)
        criticity = self.criticities.get(row.criticity) or e(row.criticity) or "—"
        status = self.statuses.get(row.status) or _status_badge(row.status, row.status)
        taken = self.taken if row.taken_unconfirmed else "\n"
        significant = self.significant if row.criticity == Criticity.SIGNIFICANT else ""
        return (
            f'\n            <tr data-testid="case-row" data-reference="{reference}">'
            f'\n              <td class="vigie-nowrap"><a href="{e(url)}">{reference}</a></td>'
            f"\n              <td>{e(structure.name)}<br>"
            f'<span class="fr-text--xs">{e(structure.departement)}</span></td>'
            f"\n              <td>{incident_type}</td>"
            f"\n              <td>{status}</td>"
            f"\n              <td>{criticity}</td>"
            f"\n              <td>{self.moment(row.opened_at, self.paris)}</td>"
            f"\n              {self.handlers(row) if staff else ''}"
            "\n              <td>"
            f"\n                {self.urgency(row)}"
            f"\n                {taken}"
            f"\n                {self.overdue_badge(row)}"
            f"\n                {self.crisis if row.crisis_mode else ''}"
            f"\n                {significant}"
            f"\n                {self.military if row.is_military else ''}"
            "\n              </td>"
            "\n            </tr>\n          "
        )


def case_urls() -> Callable[[int], str]:
    """``{% url 'cases:detail' pk %}`` for many cases: the pattern resolved once."""
    prefix = reverse("cases:detail", args=[0])[:-2]  # ".../dossiers/0/" less "0/"
    return lambda pk: f"{prefix}{int(pk)}/"


def queue_rows_html(rows: list[QueueRow], *, staff: bool) -> SafeString:
    """The queue's table rows (``staff``: with the "Who is on it" column)."""
    page = _Page()
    url = case_urls()
    # Every value is escaped; the translations of {% blocktranslate %} are the app's own.
    return mark_safe(  # noqa: S308
        "".join(page.row(row, staff, url(row.pk)) for row in rows)
    )
