"""Reads on lessons learned; each one starts from visible_to(user)."""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db.models import Q, QuerySet

from vigie.cases.models import Case, CaseStatus
from vigie.retex.models import AnonymisedRetex, Retex, RetexStatus


def sharing_base(
    user: Any, *, query: str = "", incident_type: str = "", shared_only: bool = True
) -> QuerySet[Retex]:
    """The ACSS–ARS sharing base: RETEX in the user's scope, searchable in French."""
    qs = Retex.objects.visible_to(user).select_related(
        "case__structure__departement__region", "case__declaration__incident_type", "author"
    )
    if shared_only:
        qs = qs.filter(status=RetexStatus.SHARED)
    if incident_type:
        qs = qs.filter(case__declaration__incident_type__code=incident_type)
    if query.strip():
        vector = SearchVector(
            "causes",
            "aggravating_factors",
            "difficulties",
            "measures_taken",
            "recommendations",
            config="french",
        )
        terms = SearchQuery(query, config="french", search_type="websearch")
        matching = qs.annotate(search=vector).filter(
            Q(search=terms) | Q(case__reference__iexact=query.strip())
        )
        qs = qs.filter(pk__in=matching.values("pk"))
    return qs.order_by("-shared_at", "-created_at")


def retex_for_case(user: Any, case: Case) -> Retex | None:
    return Retex.objects.visible_to(user).filter(case=case).first()


def similar_cases_suggest(user: Any, case: Case, limit: int = 10) -> QuerySet[Case]:
    """Earlier closed cases the user may read, of the same incident type or sharing a
    vendor: candidates to link in the RETEX (phase 6, task A)."""
    declaration = case.declaration
    vendor_ids = list(declaration.vendors.values_list("pk", flat=True))
    related = Q(pk__in=[])
    if declaration.incident_type_id:
        related |= Q(declaration__incident_type_id=declaration.incident_type_id)
    if vendor_ids:
        related |= Q(declaration__vendors__in=vendor_ids)
    return (
        Case.objects.visible_to(user)
        .filter(related, status=CaseStatus.CLOSED, opened_at__lt=case.opened_at)
        .exclude(pk=case.pk)
        .select_related("structure", "declaration__incident_type")
        .distinct()
        .order_by("-opened_at")[:limit]
    )


def publications_to_review(user: Any) -> QuerySet[AnonymisedRetex]:
    return AnonymisedRetex.objects.visible_to(user).exclude(status="published")
