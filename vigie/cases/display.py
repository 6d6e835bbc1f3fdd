"""How a case's timeline reads on its page: labels for the recorded codes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from vigie.cases.models import (
    Case,
    CaseStatus,
    Criticity,
    EventKind,
    Outcome,
    Party,
    StructureOpinion,
    SupportMode,
    TimelineEvent,
    TrackingKind,
)
from vigie.cases.taken import received_line
from vigie.core.choices import label
from vigie.core.prepared import Marks, Prepared, prepared
from vigie.declarations.steps import STEP_BY_SLUG
from vigie.directory.models import User


@dataclass
class TimelineRow:
    event: TimelineEvent
    at: datetime
    actor: str
    kind: str
    from_status: str = ""
    to_status: str = ""
    reason: str = ""
    details: list[str] = field(default_factory=list)
    # Other cases the event refers to, only those the reader may read.
    related: list[Case] = field(default_factory=list)


def _details(event: TimelineEvent, names: dict[int, str]) -> list[str]:
    data = event.data or {}
    kind = event.kind
    details: list[str] = []
    if kind in (EventKind.TAKEN, EventKind.RELEASED) and data.get("party"):
        details.append(_("On behalf of: %(party)s") % {"party": label(Party, data["party"])})
        if data.get("previous") in names:
            details.append(_("Takes over from %(who)s") % {"who": names[data["previous"]]})
    if kind == EventKind.QUALIFIED:
        if data.get("criticity"):
            details.append(
                _("Criticity: %(value)s") % {"value": label(Criticity, data["criticity"])}
            )
        if data.get("outcomes"):
            details.append(
                _("Outcomes: %(value)s")
                % {"value": "; ".join(label(Outcome, o) for o in data["outcomes"])}
            )
    elif kind == EventKind.SUPPORT_MODE and data.get("mode"):
        details.append(label(SupportMode, data["mode"]))
    elif kind == EventKind.TRACKING and data.get("tracking"):
        details.append(label(TrackingKind, data["tracking"]))
    elif kind == EventKind.AGREEMENT:
        if data.get("party"):
            details.append(_("On behalf of: %(party)s") % {"party": label(Party, data["party"])})
        if data.get("opinion"):
            details.append(
                _("Opinion of the help received: %(opinion)s")
                % {"opinion": label(StructureOpinion, data["opinion"])}
            )
    elif kind == EventKind.DECLARATION:
        step = STEP_BY_SLUG.get(data.get("step", ""))
        if step is not None:
            details.append(_("Step: %(step)s") % {"step": step.title})
        if data.get("completed"):
            details.append(_("The declaration is now complete."))
    elif kind == EventKind.CRISIS:
        details.append(_("Crisis mode on") if data.get("on") else _("Crisis mode off"))
    elif kind == EventKind.REMINDER and data.get("days") is not None:
        details.append(
            _("No progress reported to the ARS for %(days)s days.") % {"days": data["days"]}
        )
    return details


def _people(ids: set[Any]) -> list[User]:
    """The people whom a case was taken over from, by a statement compiled once per
    number of them (vigie/core/prepared.py)."""
    if not ids:
        return []
    marks = Marks(len(ids))
    id_marks = [marks.int(pk) for pk in sorted(ids)]

    def build() -> Any:
        return User.objects.filter(pk__in=id_marks).only("first_name", "last_name", "email")

    if not marks.enabled:  # more than marks: compiled for this request only
        return Prepared(build()).rows()
    return prepared(("cases.timeline_people", len(id_marks)), build).rows(*marks.values)


def timeline_rows(case: Case, reader: Any) -> list[TimelineRow]:
    """The case's events, oldest first (the timeline only ever grows at the end). Events
    that refer to other cases store their ids: ``reader`` sees only those it may read."""
    events = list(case.timeline.all())
    related_ids = {pk for event in events for pk in (event.data or {}).get("related", [])}
    readable = (
        {c.pk: c for c in Case.objects.visible_to(reader).filter(pk__in=related_ids)}
        if related_ids
        else {}
    )
    previous_ids = {
        (event.data or {}).get("previous") for event in events if event.kind == EventKind.TAKEN
    } - {None}
    names = {user.pk: user.get_full_name() or user.email for user in _people(previous_ids)}
    # A declaration taken for the structure says so where the case opens.
    declaration = case.declaration
    received = [received_line(declaration)] if declaration.taken_by_id else []
    rows = []
    for event in events:
        actor = event.actor
        rows.append(
            TimelineRow(
                event=event,
                at=event.at,
                actor=(actor.get_full_name() or actor.email) if actor else _("Vigie (automatic)"),
                kind=label(EventKind, event.kind),
                from_status=label(CaseStatus, event.from_status) if event.from_status else "",
                to_status=label(CaseStatus, event.to_status) if event.to_status else "",
                reason=event.reason,
                details=(received if event.kind == EventKind.OPENED else [])
                + _details(event, names),
                related=[
                    readable[pk] for pk in (event.data or {}).get("related", []) if pk in readable
                ],
            )
        )
    return rows
