"""Who may read indicators, clusters and obligations.

Indicators and obligations follow their case. Clusters are the support cell's tool
(ACSS analysts and HFDS/FSSI); their cases are still filtered by the case rule.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from vigie.cases.scopes import case_filter
from vigie.core.scoping import Scope, scope_rule
from vigie.insights.models import Cluster, Indicator, Obligation


def _by_case(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    condition = case_filter(scope, "case__")
    return qs if condition is None else qs.filter(condition)


@scope_rule(Indicator)
def _indicators(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    return _by_case(qs, scope)


@scope_rule(Obligation)
def _obligations(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    return _by_case(qs, scope)


def sees_clusters(scope: Scope) -> bool:
    return scope.has("acss_analyst", "hfds")


@scope_rule(Cluster)
def _clusters(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    return qs if sees_clusters(scope) else qs.none()
