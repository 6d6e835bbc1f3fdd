"""What the case page's header says first: the deadlines that run and who is on the case.

Deadlines come from the case itself (the weekly update to the ARS) and from later apps
that register a source (the regulatory clock of vigie.insights): the cases app never
imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from vigie.cases import workflow
from vigie.cases.models import Case, CaseHandler, CaseStatus, Party


@dataclass(frozen=True)
class Deadline:
    label: str
    due_at: datetime
    overdue: bool
    anchor: str  # the section of the case page that says more


DeadlineSource = Callable[[Any, Case], list[Deadline]]
_SOURCES: list[DeadlineSource] = []


def deadline_source(source: DeadlineSource) -> DeadlineSource:
    """Register a source of deadlines (called by a later app's ``ready()``)."""
    if source not in _SOURCES:
        _SOURCES.append(source)
    return source


def _weekly_update(case: Case) -> list[Deadline]:
    if case.status != CaseStatus.TO_PROCESS or case.ars_update_due_at is None:
        return []
    if not workflow.ars_informed(case):
        return []
    return [
        Deadline(
            label=_("Weekly update to the ARS"),
            due_at=case.ars_update_due_at,
            overdue=case.ars_update_due_at < timezone.now(),
            anchor="tracking",
        )
    ]


def case_deadlines(reader: Any, case: Case) -> list[Deadline]:
    """The deadlines still running on an open case, most pressing first (overdue ones,
    then by due date). ``reader`` sees only what its sources let it read."""
    if case.is_closed:
        return []
    deadlines = _weekly_update(case)
    for source in _SOURCES:
        deadlines += source(reader, case)
    return sorted(deadlines, key=lambda d: d.due_at)


@dataclass(frozen=True)
class OnTheCase:
    party: str
    label: str
    handler: CaseHandler | None


def expected_parties(case: Case) -> list[str]:
    """The parties someone should be on the case for."""
    if case.is_military:
        parties = [Party.DEFENCE.value]
        if case.shared_with_cell:
            parties.append(Party.CELL.value)
    else:
        parties = [Party.CELL.value]
        if workflow.ars_informed(case):
            parties.append(Party.ARS.value)
    if case.is_significant or case.piloted_by_hfds:
        parties.append(Party.HFDS.value)
    return parties


def on_the_case(case: Case) -> list[OnTheCase]:
    """Each party expected on the case, with who holds it (or nobody yet); a party that
    took the case without being expected (the HFDS on a serious case) is listed too."""
    handlers = {h.party: h for h in case.handlers.all()}
    parties = expected_parties(case)
    parties += [party for party in handlers if party not in parties]
    return [
        OnTheCase(party=party, label=str(Party(party).label), handler=handlers.get(party))
        for party in parties
    ]
