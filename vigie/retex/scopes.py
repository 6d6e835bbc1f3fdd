"""Who reads lessons learned.

- Retex (the ACSS–ARS sharing base): ACSS and HFDS/FSSI read all of them (the ACSS
  within its case visibility); an ARS officer its region's; nobody else, declarants
  included: the report speaks of the structure from the outside.
- AnonymisedRetex: published ones are public; drafts only for ACSS and HFDS/FSSI,
  who review and publish them, and only when they may read the RETEX itself (the review
  page shows the original text beside the redacted one: the cell never reviews a
  military hospital's RETEX it was not given).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from vigie.cases.scopes import case_filter
from vigie.core.scoping import Scope, scope_rule
from vigie.retex.models import AnonymisedRetex, PublicationStatus, Retex


def retex_filter(scope: Scope, prefix: str = "") -> Q | None:
    """Q selecting the RETEX ``scope`` may read; None means all of them."""
    if scope.has("hfds"):
        return None
    condition = Q(pk__in=[])
    case = f"{prefix}case__"
    if scope.has("acss_analyst"):
        condition |= Q(**{f"{case}is_military": False}) | Q(**{f"{case}shared_with_cell": True})
    if scope.ars_region_ids:
        regional = Scope(user_id=scope.user_id, ars_region_ids=scope.ars_region_ids)
        ars_cases = case_filter(regional, case)
        if ars_cases is not None:
            condition |= ars_cases
    return condition


@scope_rule(Retex)
def _retex(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    condition = retex_filter(scope)
    return qs if condition is None else qs.filter(condition)


@scope_rule(AnonymisedRetex)
def _anonymised(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    published = Q(status=PublicationStatus.PUBLISHED)
    if scope.has("acss_analyst", "hfds"):
        readable = retex_filter(scope, "retex__")
        return qs if readable is None else qs.filter(published | readable)
    return qs.filter(published)
