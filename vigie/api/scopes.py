"""Who may read API tokens (see vigie.core.scoping): administrators all, a user their own."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from vigie.api.models import ApiToken, RateWindow
from vigie.core.scoping import Scope, scope_rule


@scope_rule(ApiToken)
def _api_tokens(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    if not scope.is_authenticated:
        return qs.none()
    if scope.is_administrator:
        return qs
    return qs.filter(user_id=scope.user_id)


@scope_rule(RateWindow)
def _rate_windows(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    return qs.none()  # internal counting state
