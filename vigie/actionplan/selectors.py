"""Every read of the action plan starts from ``visible_to(user)``."""

from __future__ import annotations

import json
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple

from django.apps import apps
from django.core.exceptions import EmptyResultSet
from django.db import connection
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
    Theme,
)
from vigie.actionplan.scopes import plan_structure_filter
from vigie.core.scoping import scope_for
from vigie.core.sql import col, planned_cursor
from vigie.directory.models import Departement, Region, Structure, StructureKind
from vigie.directory.scopes import structure_filter


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
    """None when ``user`` may not read the structure's action plan, else the measures not
    done at the incident: the ORM's reads, which the case page's one statement
    (``measures_not_done_rows``) answers for (tests/actionplan/test_at_incident_sql.py)."""
    if not structures_for_plan(user).filter(pk=case.structure_id).exists():
        return None
    return measures_not_done_at(case.structure, incident_moment(case))


class NotDoneRow(NamedTuple):
    """A measure not done at the incident, as the case page shows it."""

    number: int
    priority: int
    theme: str  # the theme's code
    title: str
    status: str  # the status recorded at that moment
    deadline: date
    overdue: bool  # already past its deadline at that moment


_NOT_DONE_SQL: str | None = None


def _not_done_sql() -> str:
    """``case_measures_not_done`` as one fixed statement, written once from the models'
    tables (the ORM compiled its two statements, one with three subqueries, on every
    request; planned once per connection, ``planned_cursor``): the structure, if the
    reader may read its plan, joined to the measures of the plan published last at the
    moment, each with ``measures_not_done_at``'s reads (its status recorded last at the
    moment, whether it was achieved by then, the structure's start date); no plan
    published by then: one row without a measure.

    The rule is ``structures_for_plan``'s for that structure: an active structure the
    reader sees (vigie/directory/scopes.py ``structure_filter``: every one, the military
    hospitals for the defence chain, the ARS's region, one's own) whose plan they may read
    (vigie/actionplan/scopes.py ``plan_structure_filter``: every one, one's own, the ARS's
    region), with the parameters of ``_plan_rule_params``."""
    global _NOT_DONE_SQL
    if _NOT_DONE_SQL is None:
        structure, departement = Structure._meta, Departement._meta
        plan, theme, measure = Plan._meta, Theme._meta, Measure._meta
        start, assessment = StructurePlan._meta, MeasureAssessment._meta
        event = assessment_event_model()._meta
        _NOT_DONE_SQL = f"""
            SELECT m.{col(measure, "number")}, m.{col(measure, "priority")},
                   t.{col(theme, "code")}, m.{col(measure, "title")},
                   m.{col(measure, "deadline_months")},
                   COALESCE((
                       SELECT e.{col(event, "status")} FROM "{event.db_table}" e
                        WHERE e.{col(event, "structure")} = s.{col(structure, "id")}
                          AND e.{col(event, "measure")} = m.{col(measure, "id")}
                          AND e.{col(event, "pgh_created_at")} <= %(moment)s
                        ORDER BY e.{col(event, "pgh_created_at")} DESC,
                                 e.{col(event, "pgh_id")} DESC
                        LIMIT 1), %(not_started)s),
                   EXISTS (
                       SELECT 1 FROM "{assessment.db_table}" a
                        WHERE a.{col(assessment, "structure")} = s.{col(structure, "id")}
                          AND a.{col(assessment, "measure")} = m.{col(measure, "id")}
                          AND a.{col(assessment, "status")} = %(done)s
                          AND a.{col(assessment, "achieved_on")} <= %(local_day)s),
                   COALESCE((
                       SELECT sp.{col(start, "start_date")} FROM "{start.db_table}" sp
                        WHERE sp.{col(start, "structure")} = s.{col(structure, "id")}
                          AND sp.{col(start, "plan")} = m.{col(measure, "plan")}),
                       p.{col(plan, "published_on")})
              FROM "{structure.db_table}" s
              JOIN "{departement.db_table}" d
                ON d.{col(departement, "id")} = s.{col(structure, "departement")}
              LEFT JOIN ("{measure.db_table}" m
                         JOIN "{plan.db_table}" p
                           ON p.{col(plan, "id")} = m.{col(measure, "plan")}
                         JOIN "{theme.db_table}" t
                           ON t.{col(theme, "id")} = m.{col(measure, "theme")})
                ON m.{col(measure, "plan")} = (
                       SELECT l.{col(plan, "id")} FROM "{plan.db_table}" l
                        WHERE l.{col(plan, "published_on")} <= %(day)s
                        ORDER BY l.{col(plan, "published_on")} DESC, l.{col(plan, "code")} ASC
                        LIMIT 1)
             WHERE s.{col(structure, "id")} = %(structure)s AND s.{col(structure, "is_active")}
               AND (%(every_structure)s
                    OR (%(defence)s AND s.{col(structure, "kind")} = %(military)s)
                    OR d.{col(departement, "region")} = ANY(%(regions)s)
                    OR s.{col(structure, "id")} = ANY(%(structures)s))
               AND (%(every_plan)s
                    OR s.{col(structure, "id")} = ANY(%(structures)s)
                    OR d.{col(departement, "region")} = ANY(%(regions)s))
             ORDER BY m.{col(measure, "priority")}, m.{col(measure, "number")}
        """  # noqa: S608 (identifiers from the models' metadata; every value is bound)
    return _NOT_DONE_SQL


def _plan_rule_params(user: Any) -> dict[str, Any] | None:
    """The parameters of ``_not_done_sql``'s rule for ``user`` (None: an anonymous reader,
    who reads no structure). Whether the reader sees every structure, every plan, is the
    rules' own answer (their condition is None)."""
    scope = scope_for(user)
    if not scope.is_authenticated:
        return None
    return {
        "every_structure": structure_filter(scope) is None,
        "defence": scope.has("defence"),
        "military": StructureKind.MILITARY_HOSPITAL.value,
        "every_plan": plan_structure_filter(scope) is None,
        "structures": sorted(scope.structure_ids),
        "regions": sorted(scope.ars_region_ids),
    }


def measures_not_done_rows(
    user: Any, structure_id: int, moment: datetime
) -> list[NotDoneRow] | None:
    """``case_measures_not_done`` in one fixed statement, for the case page (``moment``:
    ``incident_moment(case)``): None when ``user`` may not read the action plan of the
    structure ``structure_id``, else the measures of ``measures_not_done_at(structure,
    moment)``, by priority and number."""
    params = _plan_rule_params(user)
    if params is None:
        return None
    day = moment.date()
    params.update(
        structure=structure_id,
        moment=moment,
        day=day,
        local_day=timezone.localdate(moment),
        not_started=AssessmentStatus.NOT_STARTED.value,
        done=AssessmentStatus.DONE.value,
    )
    with planned_cursor() as cursor:
        cursor.execute(_not_done_sql(), params)
        rows = cursor.fetchall()
    if not rows:
        return None  # not a structure whose plan the reader may read
    result = []
    for number, priority, theme, title, months, status, achieved, start in rows:
        if number is None or achieved or status in CLOSED_STATUSES:
            continue  # no plan then; done (as the structure dated it) or not applicable
        deadline = add_months(start, months)
        result.append(NotDoneRow(number, priority, theme, title, status, deadline, deadline < day))
    return result


# --- regional and national views -----------------------------------------------------


def region_for_view(user: Any, code: str) -> Region | None:
    return Region.objects.visible_to(user).filter(code=code).first()


def snapshots_of(user: Any, plan: Plan, region: Region | None) -> QuerySet[QuarterSnapshot]:
    return QuarterSnapshot.objects.visible_to(user).filter(plan=plan, region=region)


def snapshot_before(
    user: Any, plan: Plan, region: Region | None, year: int, quarter: int, among: int = 8
) -> QuarterSnapshot | None:
    """The latest snapshot of a quarter before ``year``/``quarter`` among the ``among``
    latest ones (the regional view compares with it), its figures without
    ``per_structure`` (a region's thousands of rows, which the pages never show). Only
    that one's figures are read: PostgreSQL reads a snapshot's whole jsonb, list
    included, to take anything from it."""
    latest = (
        snapshots_of(user, plan, region)
        .order_by("-year", "-quarter")
        .values_list("pk", "year", "quarter", "figures")[:among]
    )
    try:
        sql, params = latest.query.sql_with_params()
    except EmptyResultSet:  # a reader who sees no snapshot
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pk, year, quarter, figures - 'per_structure' FROM ("  # noqa: S608 (ORM's)
            f"  SELECT * FROM ({sql}) t(pk, year, quarter, figures)"
            "  WHERE (year, quarter) < (%s, %s) ORDER BY year DESC, quarter DESC LIMIT 1"
            ") u",
            [*params, year, quarter],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    pk, year, quarter, figures = row
    return QuarterSnapshot(
        pk=pk,
        plan=plan,
        region=region,
        year=year,
        quarter=quarter,
        figures=json.loads(figures) if isinstance(figures, str) else figures,
    )


def reports_list(user: Any) -> QuerySet[ReportRun]:
    return ReportRun.objects.visible_to(user).select_related("region", "plan", "requested_by")


def report_get(user: Any, report_id: int) -> ReportRun | None:
    return reports_list(user).filter(pk=report_id).first()
