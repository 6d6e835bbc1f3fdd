"""Who may read the action plan (SPEC section 7).

- the catalogue is public reference data for signed-in users;
- a structure's declarants and SSI correspondents: their structure's assessments (and edit);
- ARS officers: their region's, read-only; ACSS and HFDS/FSSI: every structure, read-only;
- anybody else (DGS, ANSM, defence chain, administrators...): nothing.
Quarterly snapshots and reports: the ARS its region's; ACSS and HFDS every one.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db.models import Q, QuerySet

from vigie.actionplan.models import (
    Evidence,
    Measure,
    MeasureAssessment,
    Plan,
    QuarterSnapshot,
    ReportRun,
    StructurePlan,
    Theme,
)
from vigie.core.scoping import Scope, scope_rule

NATIONAL_READERS = ("acss_analyst", "hfds")


def plan_structure_filter(scope: Scope, prefix: str = "") -> Q | None:
    """Q selecting the structures whose plan ``scope`` may read; None means all.

    Restated in SQL by the case page's action plan block (vigie/actionplan/selectors.py
    ``_not_done_sql``), held to this rule by tests/actionplan/test_at_incident_sql.py."""
    if not scope.is_authenticated:
        return Q(pk__in=[])
    if scope.has(*NATIONAL_READERS):
        return None
    condition = Q(pk__in=[])
    if scope.structure_ids:
        condition |= Q(**{f"{prefix}pk__in": scope.structure_ids})
    if scope.ars_region_ids:
        condition |= Q(**{f"{prefix}departement__region_id__in": scope.ars_region_ids})
    return condition


def can_read_region(scope: Scope, region_id: int | None) -> bool:
    """The regional (region_id) or national (None) view and its reports."""
    if scope.has(*NATIONAL_READERS):
        return True
    return region_id is not None and region_id in scope.ars_region_ids


def _by_structure(qs: QuerySet[Any], scope: Scope, prefix: str) -> QuerySet[Any]:
    condition = plan_structure_filter(scope, prefix)
    return qs if condition is None else qs.filter(condition)


def _by_region(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    if not scope.is_authenticated:
        return qs.none()
    if scope.has(*NATIONAL_READERS):
        return qs
    return qs.filter(region_id__in=scope.ars_region_ids)


def _catalogue(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    return qs if scope.is_authenticated else qs.none()


scope_rule(Plan)(_catalogue)
scope_rule(Theme)(_catalogue)
scope_rule(Measure)(_catalogue)


@scope_rule(StructurePlan)
def _structure_plans(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    return _by_structure(qs, scope, "structure__")


@scope_rule(MeasureAssessment)
def _assessments(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    return _by_structure(qs, scope, "structure__")


@scope_rule(apps.get_model("actionplan", "MeasureAssessmentEvent"))
def _assessment_events(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    return _by_structure(qs, scope, "structure__")


@scope_rule(Evidence)
def _evidence(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    return _by_structure(qs, scope, "assessment__structure__")


@scope_rule(QuarterSnapshot)
def _snapshots(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    return _by_region(qs, scope)


@scope_rule(ReportRun)
def _reports(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    return _by_region(qs, scope)
