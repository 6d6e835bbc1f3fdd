"""Who may read which case (SPEC section 1), and everything hanging off a case.

- the structure's declarants and SSI correspondents: their structure's cases;
- ACSS: every case except military hospitals' (unless the defence chain shared it);
- ARS: its region's cases; a military hospital's only when care is affected;
- HFDS/FSSI: every case; DGS: cases qualified with a sanitary impact (B3);
- ANSM: cases involving medical devices or prescription/dispensing software;
- defence chain: military hospitals' cases; administrators: none.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from vigie.cases.models import Case, ClosureAgreement, Question, TimelineEvent, TrackingEntry
from vigie.core.scoping import Scope, scope_rule


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
