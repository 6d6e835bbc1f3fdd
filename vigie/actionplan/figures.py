"""Progress figures of a region (or the country): the regional view and the quarterly report.

Figures are a plain JSON-able dict so a quarter's figures can be kept (QuarterSnapshot) and
compared with the next quarter's. Every read starts from ``visible_to(user)``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone

from vigie.actionplan.deadlines import add_months
from vigie.actionplan.models import CLOSED_STATUSES, AssessmentStatus, MeasureAssessment, Plan
from vigie.actionplan.selectors import (
    incident_moment,
    start_dates,
    statuses_at,
    structures_for_plan,
)
from vigie.directory.models import Region, StructureKind

# Column and bar order: the good news first.
STATUSES = ["done", "in_progress", "not_started", "not_applicable"]
BAR_ORDER = STATUSES


def _counter() -> dict[str, int]:
    return {
        "done": 0,
        "in_progress": 0,
        "not_started": 0,
        "not_applicable": 0,
        "overdue": 0,
        "total": 0,
    }


def _add(counter: dict[str, int], status: str, overdue: bool) -> None:
    counter[status] += 1
    counter["total"] += 1
    counter["overdue"] += overdue


def compute_figures(
    *, user: Any, plan: Plan, region: Region | None, today: date, now: datetime | None = None
) -> dict[str, Any]:
    """Counts of (structure, measure) pairs by status, overall and by priority/theme/kind."""
    now = now or timezone.now()
    structures = structures_for_plan(user)
    if region is not None:
        structures = structures.filter(departement__region=region)
    structure_rows = list(structures.order_by("name").values("pk", "finess", "name", "kind"))
    ids = [row["pk"] for row in structure_rows]
    measures = list(plan.measures.select_related("theme").order_by("priority", "number"))
    starts = start_dates(user, plan, ids)
    statuses = {
        (s, m): status
        for s, m, status in MeasureAssessment.objects.visible_to(user)
        .filter(measure__plan=plan, structure_id__in=ids)
        .values_list("structure_id", "measure_id", "status")
    }
    overall = _counter()
    by_priority = {str(p): _counter() for p in sorted({m.priority for m in measures})}
    themes = sorted({m.theme for m in measures}, key=lambda t: (t.order, t.code))
    by_theme = {t.code: _counter() for t in themes}
    by_kind: dict[str, dict[str, int]] = {}
    per_structure = []
    for row in structure_rows:
        counter = _counter()
        overdue_p1 = []
        kind = by_kind.setdefault(row["kind"], _counter())
        for measure in measures:
            status = statuses.get((row["pk"], measure.pk), AssessmentStatus.NOT_STARTED)
            deadline = add_months(starts[row["pk"]], measure.deadline_months)
            overdue = status not in CLOSED_STATUSES and deadline < today
            for target in (
                overall,
                counter,
                kind,
                by_priority[str(measure.priority)],
                by_theme[measure.theme.code],
            ):
                _add(target, status, overdue)
            if overdue and measure.priority == 1:
                overdue_p1.append(measure.number)
        per_structure.append(
            {
                "id": row["pk"],
                "finess": row["finess"],
                "name": row["name"],
                "kind": row["kind"],
                "start_date": starts[row["pk"]].isoformat(),
                "overdue_p1": overdue_p1,
                **counter,
            }
        )
    return {
        "plan": plan.code,
        "region": region.code if region else None,
        "as_of": today.isoformat(),
        "computed_at": now.isoformat(),
        "structures": len(structure_rows),
        "overall": overall,
        "by_priority": by_priority,
        "by_theme": by_theme,
        "theme_names": {t.code: t.name for t in themes},
        "by_kind": dict(sorted(by_kind.items())),
        "per_structure": per_structure,
        "incidents": incidents_with_overdue_p1(user=user, plan=plan, structure_ids=ids, now=now),
    }


def incidents_with_overdue_p1(
    *, user: Any, plan: Plan, structure_ids: list[int], now: datetime
) -> dict[str, int]:
    """Cases opened in the last 12 months, and how many struck a structure whose
    priority-1 measures were overdue at the time (per the assessment history)."""
    from vigie.cases.models import Case

    cases = (
        Case.objects.visible_to(user)
        .filter(structure_id__in=structure_ids, opened_at__gte=now - timedelta(days=365))
        .select_related("declaration", "structure")
    )
    p1 = list(plan.measures.filter(priority=1))
    starts = start_dates(user, plan, structure_ids)
    total = with_overdue = 0
    for case in cases:
        total += 1
        moment = incident_moment(case)
        recorded = statuses_at(case.structure, plan, moment)
        start = starts[case.structure_id]
        if any(
            recorded.get(m.pk, AssessmentStatus.NOT_STARTED) not in CLOSED_STATUSES
            and add_months(start, m.deadline_months) < moment.date()
            for m in p1
        ):
            with_overdue += 1
    return {"total_12_months": total, "with_overdue_priority_1": with_overdue}


# --- presentation --------------------------------------------------------------------


def share(counter: dict[str, int], status: str) -> float:
    total = counter.get("total", 0)
    return round(100 * counter.get(status, 0) / total, 1) if total else 0.0


def _row(key: str, label: str, counter: dict[str, int], previous: dict[str, int] | None) -> dict:
    shares = {status: share(counter, status) for status in STATUSES}
    change = None
    if previous is not None and previous.get("total"):
        change = round(shares["done"] - share(previous, "done"), 1)
    return {"key": key, "label": label, "counts": counter, "shares": shares, "change": change}


def tables(figures: dict[str, Any], previous: dict[str, Any] | None = None) -> dict[str, Any]:
    """Rows ready for templates, charts and spreadsheets, with the change in points of
    "done" share since ``previous`` (the previous quarter's figures), when given."""
    from django.utils.translation import gettext as _

    prev = previous or {}

    def group(name: str, labels: dict[str, str]) -> list[dict]:
        before = prev.get(name, {})
        return [
            _row(key, labels.get(key, key), counter, before.get(key) if previous else None)
            for key, counter in figures[name].items()
        ]

    priority_labels = {key: _("Priority %(n)s") % {"n": key} for key in figures["by_priority"]}
    theme_labels = {
        code: f"{name} [{code}]" for code, name in figures.get("theme_names", {}).items()
    }
    kind_labels = {k.value: str(k.label) for k in StructureKind}
    return {
        "overall": _row(
            "all",
            _("All measures"),
            figures["overall"],
            prev.get("overall") if previous else None,
        ),
        "by_priority": group("by_priority", priority_labels),
        "by_theme": group("by_theme", theme_labels),
        "by_kind": group("by_kind", kind_labels),
        "kind_labels": kind_labels,
        "overdue_p1": [s for s in figures["per_structure"] if s["overdue_p1"]],
        "structures_change": (figures["structures"] - prev["structures"] if previous else None),
    }
