"""Reads of the insights app, always from visible_to(user)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from vigie.cases.display import timeline_rows
from vigie.cases.header import Deadline
from vigie.cases.models import Case, CaseStatus
from vigie.cases.selectors import page_rows
from vigie.core.durations import duration_text
from vigie.insights import stats
from vigie.insights.clock import owed_by_declaration, structure_zone
from vigie.insights.models import Indicator, Obligation, ObligationKind


def indicators_visible(user: Any) -> QuerySet[Indicator]:
    return Indicator.objects.visible_to(user).select_related("added_by")


def case_indicators(user: Any, case: Case) -> list[Indicator]:
    read = page_rows(case, user, "indicators")  # read with the case page's case
    return read if read is not None else list(indicators_visible(user).filter(case=case))


def _label(kind: str, case: Case) -> str:
    if kind == ObligationKind.ARS_CELL and case.is_military:
        # A military hospital declares to the defence chain (and to the ARS only when
        # care is affected): not to the support cell.
        if case.care_affected:
            return _("Defence chain and ARS (declaration)")
        return _("Defence chain (declaration)")
    return str(ObligationKind(kind).label)


# case_obligations' rows, per reader, on the case object: the case page asks three times
# (header deadlines, insights block, what is pending before closing) for one request.
_MEMO = "_vigie_obligations"


def obligations_forget(case: Case) -> None:
    """Drop the rows memoised on ``case`` (after its obligations were written), and those
    read with it by the case page's selector."""
    vars(case).pop(_MEMO, None)
    getattr(case, "_prefetched_objects_cache", {}).pop("obligations", None)


def case_obligations(user: Any, case: Case) -> list[dict[str, Any]]:
    """What the clock says the case owes, with what was recorded (rows appear with the
    periodic task or the first record; until then the clock alone is shown). Computed once
    per case object and reader; each caller gets its own copies of the rows."""
    memo = vars(case).setdefault(_MEMO, {})
    key = getattr(user, "pk", None)
    if key not in memo:
        memo[key] = _case_obligations(user, case)
    return [dict(row) for row in memo[key]]


def _case_obligations(user: Any, case: Case) -> list[dict[str, Any]]:
    owed = owed_by_declaration(case.declaration, health_products=case.involves_health_products)
    read = page_rows(case, user, "obligations")  # read with the case page's case
    if read is None:
        read = list(Obligation.objects.visible_to(user).filter(case=case).select_related("done_by"))
    stored = {o.kind: o for o in read}
    now = timezone.now()
    rows = []
    for item in owed:
        row = stored.get(item.kind)
        done_at = row.done_at if row is not None and row.done_at else item.done_at
        status = "done" if done_at else ("overdue" if item.due_at < now else "due")
        rows.append(
            {
                "kind": item.kind,
                "label": _label(item.kind, case),
                "due_at": item.due_at,
                "without_delay": item.due_at == owed[0].due_at,
                "done_at": done_at,
                "done_by": row.done_by if row is not None else None,
                "status": status,
            }
        )
    return rows


def obligation_deadlines(user: Any, case: Case) -> list[Deadline]:
    """The notifications the case still owes, for its page's header."""
    return [
        Deadline(
            label=str(row["label"]),
            due_at=row["due_at"],
            overdue=row["status"] == "overdue",
            anchor="obligations",
        )
        for row in case_obligations(user, case)
        if row["status"] != "done"
    ]


def case_delays(case: Case) -> list[dict[str, Any]]:
    delays = stats.figures(Case.objects.filter(pk=case.pk))["delays"]
    return [{"label": phase["label"], "value": duration_text(phase["median"])} for phase in delays]


def case_report_context(user: Any, case: Case) -> dict[str, Any]:
    zone = structure_zone(case.structure)
    return {
        "case": case,
        "declaration": case.declaration,
        "structure": case.structure,
        "zone": zone.key,
        "obligations": case_obligations(user, case),
        "indicators": list(indicators_visible(user).filter(case=case)),
        "delays": case_delays(case),
        "timeline": timeline_rows(case, user),
        "generated_at": timezone.now(),
    }


def deadlines_due(user: Any, *, within: timedelta = timedelta(hours=24)) -> list[Obligation]:
    """Notifications not yet made whose deadline falls within ``within`` (or is past), on
    the open cases the user reads: the regulatory clock's next steps, soonest first."""
    return list(
        Obligation.objects.visible_to(user)
        .exclude(case__status=CaseStatus.CLOSED)
        .filter(done_at__isnull=True, due_at__lte=timezone.now() + within)
        .select_related("case__structure")
        .order_by("due_at")[:10]
    )
