"""The regulatory clock (SPEC section 9): which notifications a case owes, and by when.

A pure function of the declaration and its structure. Deadlines are computed in UTC from
the aware detection time (24 h is 24 real hours, whatever the clocks do), except "one
month", which is a calendar month in the structure's time zone (same wall-clock time on
the same day of the next month, or that month's last day).

- ARS and support cell: without delay; made by the declaration itself, at submission.
- CNIL: 72 h after detection when personal (health) data confidentiality is breached
  (GDPR art. 33).
- NIS2 (essential and important entities): early warning 24 h, incident notification
  72 h, final report one month (the directive counts the month from the notification;
  counted here from detection, the stricter reading, like the other deadlines).
- ANSM (health products involved) and ANSSI (OIV/SIIV): without delay; made at
  submission when the declaration was routed to them.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from vigie.cases.selectors import ROUTED_TO
from vigie.declarations.models import Declaration, RecipientKind
from vigie.directory.models import Nis2Category, Structure
from vigie.insights.models import ObligationKind

K = ObligationKind


@dataclass(frozen=True)
class Owed:
    kind: str
    due_at: datetime  # aware, UTC
    done_at: datetime | None = None  # made by the declaration itself


def structure_zone(structure: Structure) -> ZoneInfo:
    return ZoneInfo(structure.departement.region.timezone or "Europe/Paris")


def add_calendar_month(moment: datetime, zone: ZoneInfo) -> datetime:
    """Same local wall-clock time one calendar month later in ``zone``, returned in UTC."""
    local = moment.astimezone(zone)
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    day = min(local.day, calendar.monthrange(year, month)[1])
    later = local.replace(year=year, month=month, day=day, tzinfo=None)
    return later.replace(tzinfo=zone).astimezone(UTC)


def owed(
    *,
    detected_at: datetime,
    submitted_at: datetime | None,
    structure: Structure,
    personal_data_breach: bool,
    health_products: bool,
    routed_to: frozenset[str] = frozenset(),
) -> list[Owed]:
    """Every notification owed, with its UTC deadline."""
    start = detected_at.astimezone(UTC)
    zone = structure_zone(structure)
    items = [Owed(K.ARS_CELL, start, submitted_at)]
    if personal_data_breach:
        items.append(Owed(K.CNIL, start + timedelta(hours=72)))
    if structure.nis2_category in (Nis2Category.ESSENTIAL, Nis2Category.IMPORTANT):
        items += [
            Owed(K.NIS2_EARLY_WARNING, start + timedelta(hours=24)),
            Owed(K.NIS2_NOTIFICATION, start + timedelta(hours=72)),
            Owed(K.NIS2_FINAL_REPORT, add_calendar_month(start, zone)),
        ]
    if health_products:
        made = submitted_at if RecipientKind.ANSM in routed_to else None
        items.append(Owed(K.ANSM, start, made))
    if structure.is_oiv or structure.is_siiv:
        made = submitted_at if RecipientKind.ANSSI in routed_to else None
        items.append(Owed(K.ANSSI, start, made))
    return items


def owed_by_declaration(
    declaration: Declaration,
    *,
    health_products: bool = False,
    routed_to: frozenset[str] | None = None,
) -> list[Owed]:
    """``routed_to``: the kinds of the declaration's recipients, when the caller has
    already read them (otherwise one query)."""
    detected = declaration.detected_at or declaration.submitted_at
    if detected is None:
        return []
    if routed_to is None:
        # The case page read them with its case (vigie/cases/selectors.py case_detail).
        routed_to = getattr(declaration, ROUTED_TO, None)
    if routed_to is None:
        routed_to = frozenset(declaration.recipients.values_list("kind", flat=True))
    return owed(
        detected_at=detected,
        submitted_at=declaration.submitted_at,
        structure=declaration.structure,
        personal_data_breach=declaration.data_confidentiality,
        health_products=health_products or bool(declaration.health_products),
        routed_to=routed_to,
    )
