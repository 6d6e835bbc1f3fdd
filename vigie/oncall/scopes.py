"""Who may read the rota (see vigie.core.scoping): the support cell and the HFDS/FSSI,
who keep it; a person also sees their own shifts. Who was on call when a declaration
arrived: the cell and the HFDS/FSSI, for the declarations they may read."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from vigie.core.scoping import Scope, scope_rule
from vigie.declarations.scopes import declaration_filter
from vigie.oncall.models import OnCallAtArrival, OnCallShift

ROTA_ROLES = ("acss_analyst", "hfds")


@scope_rule(OnCallShift)
def _shifts(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    if not scope.is_authenticated:
        return qs.none()
    if scope.has(*ROTA_ROLES):
        return qs
    return qs.filter(person_id=scope.user_id)


@scope_rule(OnCallAtArrival)
def _arrivals(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    if not scope.is_authenticated or not scope.has(*ROTA_ROLES):
        return qs.none()
    return qs.filter(declaration_filter(scope, prefix="declaration__"))
