"""Who may read which case (SPEC section 1), and everything hanging off a case.

- the structure's declarants and SSI correspondents: their structure's cases;
- ACSS: every case except military hospitals' (unless the defence chain shared it);
- ARS: its region's cases; a military hospital's only when care is affected;
- HFDS/FSSI: every case; DGS: cases qualified with a sanitary impact (B3);
- ANSM: cases involving medical devices or prescription/dispensing software;
- defence chain: military hospitals' cases; administrators: none.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any, TypeVar

from django.db.models import Model, Q, QuerySet

from vigie.cases.models import (
    Case,
    CaseHandler,
    ClosureAgreement,
    Question,
    TimelineEvent,
    TrackingEntry,
)
from vigie.core.scoping import Scope, scope_rule

M = TypeVar("M", bound=Model)


def case_filter(scope: Scope, prefix: str = "") -> Q | None:
    """Q selecting the cases ``scope`` may read; None means all of them."""
    p = prefix
    if not scope.is_authenticated:
        return Q(pk__in=[])
    if scope.has("hfds"):
        return None
    condition = Q(pk__in=[])
    if scope.structure_ids:
        condition |= Q(**{f"{p}structure_id__in": scope.structure_ids})
    if scope.has("acss_analyst"):
        condition |= Q(**{f"{p}is_military": False}) | Q(**{f"{p}shared_with_cell": True})
    if scope.ars_region_ids:
        condition |= Q(**{f"{p}region_id__in": scope.ars_region_ids}) & (
            Q(**{f"{p}is_military": False}) | Q(**{f"{p}care_affected": True})
        )
    if scope.has("dgs"):
        condition |= Q(**{f"{p}outcomes__contains": ["b3"]})
    if scope.has("ansm"):
        condition |= Q(**{f"{p}involves_health_products": True})
    if scope.has("defence"):
        condition |= Q(**{f"{p}is_military": True})
    return condition


class Level(IntEnum):
    """How much of a case a reader (a person or a functional mailbox) may receive."""

    NONE = 0  # nothing: not even that the case exists
    NOTICE = 1  # the template notice of existence sent at declaration, nothing after it
    SUMMARY = 2  # what happens on the case, without its free text
    FULL = 3  # everything the case page shows


def case_level(scope: Scope, case: Case) -> Level:
    """The same rules as ``case_filter``, for one loaded case (tests check both agree).

    A reader who may read the case gets FULL, except the ARS for a military hospital
    whose care is affected (SPEC section 1: the case summary); the ARS of a military
    hospital whose care is not affected knows only the notice of existence.
    """
    if not scope.is_authenticated:
        return Level.NONE
    if scope.has("hfds"):
        return Level.FULL
    if case.structure_id in scope.structure_ids:
        return Level.FULL
    if scope.has("acss_analyst") and (not case.is_military or case.shared_with_cell):
        return Level.FULL
    if scope.has("dgs") and "b3" in (case.outcomes or []):
        return Level.FULL
    if scope.has("ansm") and case.involves_health_products:
        return Level.FULL
    if scope.has("defence") and case.is_military:
        return Level.FULL
    if case.region_id in scope.ars_region_ids:
        if not case.is_military:
            return Level.FULL
        return Level.SUMMARY if case.care_affected else Level.NOTICE
    return Level.NONE


def case_readable(scope: Scope, case: Case) -> bool:
    return case_level(scope, case) >= Level.SUMMARY


def _apply(qs: QuerySet[Any], scope: Scope, prefix: str = "") -> QuerySet[Any]:
    condition = case_filter(scope, prefix)
    return qs if condition is None else qs.filter(condition)


@scope_rule(Case)
def _cases(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    return _apply(qs, scope)


@scope_rule(TimelineEvent)
def _events(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    return _apply(qs, scope, "case__")


@scope_rule(Question)
def _questions(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    return _apply(qs, scope, "case__")


@scope_rule(TrackingEntry)
def _tracking(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    return _apply(qs, scope, "case__")


@scope_rule(ClosureAgreement)
def _agreements(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    return _apply(qs, scope, "case__")


@scope_rule(CaseHandler)
def _handlers(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    return _apply(qs, scope, "case__")


# What hangs off a case is read under its case's rule (the five rules above).
CASE_CHILDREN = (TimelineEvent, Question, TrackingEntry, ClosureAgreement, CaseHandler)


def children_of_read_cases(queryset: QuerySet[M]) -> QuerySet[M]:
    """``queryset`` (rows of CASE_CHILDREN) to prefetch off cases that were themselves
    read through ``visible_to``: the prefetch reads only those cases' rows, and a row's
    rule is its case's, which that read applied. Restating it per prefetch compiled the
    case's filter once more each time (five times per case page)."""
    if queryset.model not in CASE_CHILDREN:
        raise ValueError(f"{queryset.model.__name__} does not follow its case's rule")
    return queryset
