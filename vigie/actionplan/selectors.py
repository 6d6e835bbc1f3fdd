"""Every read of the action plan starts from ``visible_to(user)``."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.apps import apps
from django.db.models import Exists, F, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from vigie.actionplan.deadlines import add_months
from vigie.actionplan.models import (
    CLOSED_STATUSES,
    AssessmentStatus,
    Evidence,
    Measure,
    MeasureAssessment,
    Plan,
    QuarterSnapshot,
    ReportRun,
    StructurePlan,
)
from vigie.actionplan.scopes import plan_structure_filter
from vigie.core.scoping import scope_for
from vigie.directory.models import Region, Structure


def assessment_event_model() -> Any:
    return apps.get_model("actionplan", "MeasureAssessmentEvent")


def plan_current(user: Any, code: str | None = None) -> Plan | None:
    """The plan named ``code``, else the most recently published one."""
    plans = Plan.objects.visible_to(user)
    if code:
        return plans.filter(code=code).first()
    return plans.first()


def plans_list(user: Any) -> QuerySet[Plan]:
    return Plan.objects.visible_to(user)


def structures_for_plan(user: Any) -> QuerySet[Structure]:
    """Structures whose action plan ``user`` may read."""
    structures = Structure.objects.visible_to(user).filter(is_active=True)
    condition = plan_structure_filter(scope_for(user))
    return structures if condition is None else structures.filter(condition)


def structure_for_plan(user: Any, finess: str) -> Structure | None:
    return (
        structures_for_plan(user)
        .select_related("departement__region", "legal_entity")
        .filter(finess=finess)
        .first()
    )


def start_date_of(structure: Structure, plan: Plan) -> date:
    """Deadlines run from the structure's start date, by default the plan's publication."""
    row = StructurePlan.objects.filter(structure=structure, plan=plan).first()
    return row.start_date if row else plan.published_on


def start_dates(user: Any, plan: Plan, structure_ids: list[int], among: Any) -> dict[int, date]:
    """Start date of each structure (the plan's publication when none was set). ``among``,
    a query of the same structures' ids, filters in SQL instead of a list of thousands."""
    rows = StructurePlan.objects.visible_to(user).filter(plan=plan, structure_id__in=among)
    found = dict(rows.values_list("structure_id", "start_date"))
    return {pk: found.get(pk, plan.published_on) for pk in structure_ids}


def is_overdue(status: str, deadline: date, today: date) -> bool:
    return status not in CLOSED_STATUSES and deadline < today


@dataclass
class MeasureRow:
    measure: Measure
    assessment: MeasureAssessment | None
    status: str
    deadline: date
    overdue: bool
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return str(AssessmentStatus(self.status).label)


def measure_rows(user: Any, structure: Structure, plan: Plan, today: date) -> list[MeasureRow]:
    """The plan's measures with the structure's status, deadline and overdue flag."""
    start = start_date_of(structure, plan)
    assessments = {
        a.measure_id: a
        for a in MeasureAssessment.objects.visible_to(user)
        .filter(structure=structure, measure__plan=plan)
        .prefetch_related("evidence")
    }
    rows = []
    # By number within each priority (1, 2, 3… not grouped by theme: 5, 6, 7, 1…).
    for measure in plan.measures.select_related("theme").order_by("priority", "number"):
        assessment = assessments.get(measure.pk)
        status = assessment.status if assessment else AssessmentStatus.NOT_STARTED
        deadline = add_months(start, measure.deadline_months)
        rows.append(
            MeasureRow(
                measure=measure,
                assessment=assessment,
                status=status,
                deadline=deadline,
                overdue=is_overdue(status, deadline, today),
                evidence=list(assessment.evidence.all()) if assessment else [],
            )
        )
    return rows


def measure_get(user: Any, plan: Plan, number: int) -> Measure | None:
    return (
        Measure.objects.visible_to(user).select_related("theme").filter(plan=plan, number=number)
    ).first()


def assessment_history(user: Any, structure: Structure, measure: Measure) -> QuerySet[Any]:
    """The assessment's successive states, newest first (pghistory event rows)."""
    from vigie.core.scoping import visible_to

    events = assessment_event_model().objects.all()
    return (
        visible_to(events, user)
        .filter(structure=structure, measure=measure)
        .select_related("updated_by")
        .order_by("-pgh_created_at", "-pgh_id")
    )


def evidence_get(user: Any, evidence_id: int) -> Evidence | None:
    return (
        Evidence.objects.visible_to(user)
        .select_related("assessment__structure", "assessment__measure__plan")
        .filter(pk=evidence_id)
        .first()
    )


# --- incidents meet measures ---------------------------------------------------------


@dataclass(frozen=True)
class NotDone:
    measure: Measure
    status: str  # the status recorded at that moment
    deadline: date
    overdue: bool  # already past its deadline at that moment

    @property
    def status_label(self) -> str:
        return str(AssessmentStatus(self.status).label)


def status_histories(
    structure_ids: Any, measure_ids: Any, until: datetime, *, stream: bool = True
) -> dict[tuple[int, int], tuple[list[datetime], list[str]]]:
    """(structure, measure) → the times and statuses recorded up to ``until``, in order:
    the status at many moments at once (bisect the times), in one query.
    ``structure_ids``, ``measure_ids``: lists, or queries of ids. ``stream``: read through
    a server-side cursor (thousands of structures); one structure's rows are few, and a
    plain query saves the cursor's round trips."""
    histories: dict[tuple[int, int], tuple[list[datetime], list[str]]] = {}
    rows = (
        assessment_event_model()
        .objects.filter(
            structure_id__in=structure_ids, measure_id__in=measure_ids, pgh_created_at__lte=until
        )
        .order_by("pgh_created_at", "pgh_id")
        .values_list("structure_id", "measure_id", "pgh_created_at", "status")
    )
    for structure_id, measure_id, at, status in rows.iterator(chunk_size=5000) if stream else rows:
        times, statuses = histories.setdefault((structure_id, measure_id), ([], []))
        times.append(at)
        statuses.append(status)
    return histories


def status_in_history(
    histories: dict[tuple[int, int], tuple[list[datetime], list[str]]],
    structure_id: int,
    measure_id: int,
    moment: datetime,
) -> str:
    """The status recorded last at or before ``moment`` (unlisted: not started)."""
    times, statuses = histories.get((structure_id, measure_id), ([], []))
    index = bisect_right(times, moment)
    return statuses[index - 1] if index else AssessmentStatus.NOT_STARTED


def measures_not_done_at(
    structure: Structure, moment: datetime, *, plan: Plan | None = None
) -> list[NotDone]:
    """The plan's measures neither done nor not applicable at ``moment``, per the history.

    Internal: callers have already checked that the structure's plan may be read (see
    ``case_measures_not_done``). A measure is done from the date it was achieved, as the
    structure recorded it, even when that was typed later: a structure that fills in its
    plan after the fact did not leave its measures undone until then.

    One statement: the plan (the one published last at ``moment`` unless given), each
    measure with its status recorded last at ``moment`` (none recorded: not started),
    whether it was achieved by then and the structure's start date (the case page read
    them in five).
    """
    event = assessment_event_model()
    last_status = (
        event.objects.filter(
            structure_id=structure.pk, measure_id=OuterRef("pk"), pgh_created_at__lte=moment
        )
        .order_by("-pgh_created_at", "-pgh_id")
        .values("status")[:1]
    )
    achieved = MeasureAssessment.objects.filter(
        structure_id=structure.pk,
        measure_id=OuterRef("pk"),
        status=AssessmentStatus.DONE,
        achieved_on__lte=timezone.localdate(moment),
    )
    start = StructurePlan.objects.filter(structure_id=structure.pk, plan_id=OuterRef("plan_id"))
    plans = Plan.objects.filter(published_on__lte=moment.date()).values("pk")[:1]
    plan_id: Any = plan.pk if plan is not None else Subquery(plans)
    measures = (
        Measure.objects.filter(plan_id=plan_id)
        .select_related("theme")
        .annotate(
            status_then=Coalesce(Subquery(last_status), Value(AssessmentStatus.NOT_STARTED.value)),
            achieved=Exists(achieved),
            start=Coalesce(Subquery(start.values("start_date")[:1]), F("plan__published_on")),
        )
        .order_by("priority", "number")
    )
    result = []
    for measure in measures:
        status = AssessmentStatus.DONE if measure.achieved else measure.status_then
        if status in CLOSED_STATUSES:
            continue
        deadline = add_months(measure.start, measure.deadline_months)
        result.append(NotDone(measure, status, deadline, deadline < moment.date()))
    return result


def incident_moment(case: Any) -> datetime:
    declaration = getattr(case, "declaration", None)
    detected = getattr(declaration, "detected_at", None)
    return detected or case.opened_at


def case_measures_not_done(user: Any, case: Any) -> list[NotDone] | None:
    """For the case page: None when ``user`` may not read the structure's action plan."""
    if not structures_for_plan(user).filter(pk=case.structure_id).exists():
        return None
    return measures_not_done_at(case.structure, incident_moment(case))


# --- regional and national views -----------------------------------------------------


def region_for_view(user: Any, code: str) -> Region | None:
    return Region.objects.visible_to(user).filter(code=code).first()


def snapshots_of(user: Any, plan: Plan, region: Region | None) -> QuerySet[QuarterSnapshot]:
    return QuarterSnapshot.objects.visible_to(user).filter(plan=plan, region=region)


def reports_list(user: Any) -> QuerySet[ReportRun]:
    return ReportRun.objects.visible_to(user).select_related("region", "plan", "requested_by")


def report_get(user: Any, report_id: int) -> ReportRun | None:
    return reports_list(user).filter(pk=report_id).first()
