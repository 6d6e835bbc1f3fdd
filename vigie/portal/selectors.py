"""Reads on the portal; each one starts from visible_to(user)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from vigie.portal.models import Bulletin, Guide, ProviderListEntry, ReflexSheet
from vigie.retex.models import AnonymisedRetex


def bulletins(user: Any) -> QuerySet[Bulletin]:
    return Bulletin.objects.visible_to(user).prefetch_related("vendors")


def sheets(user: Any) -> QuerySet[ReflexSheet]:
    return ReflexSheet.objects.visible_to(user).select_related("incident_type")


def guides(user: Any) -> QuerySet[Guide]:
    return Guide.objects.visible_to(user)


def providers(user: Any) -> QuerySet[ProviderListEntry]:
    return ProviderListEntry.objects.visible_to(user)


def retex_published(user: Any) -> QuerySet[AnonymisedRetex]:
    """The portal shows published anonymised RETEX only, whoever reads it."""
    return (
        AnonymisedRetex.objects.visible_to(user)
        .filter(status="published")
        .select_related("incident_type")
    )


@dataclass(frozen=True)
class Hit:
    kind: str
    title: str
    url: str
    excerpt: str
    rank: float


def search(user: Any, query: str, limit: int = 50) -> list[Hit]:
    """French full-text search (stemming: "rançongiciels" finds "rançongiciel")."""
    if not query.strip():
        return []
    terms = SearchQuery(query, config="french", search_type="websearch")
    sources: list[tuple[str, QuerySet[Any], tuple[str, ...], str]] = [
        (_("Bulletin"), bulletins(user), ("title", "summary", "remediation"), "summary"),
        (_("Reflex sheet"), sheets(user), ("title", "body"), "body"),
        (_("Guide"), guides(user), ("title", "summary", "body"), "summary"),
        (
            _("Lessons learned"),
            retex_published(user),
            (
                "title",
                "causes",
                "aggravating_factors",
                "difficulties",
                "measures_taken",
                "recommendations",
            ),
            "recommendations",
        ),
    ]
    hits: list[Hit] = []
    for kind, qs, fields, excerpt_field in sources:
        vector = SearchVector(*fields, config="french")
        found = (
            qs.annotate(search=vector, rank=SearchRank(vector, terms))
            .filter(search=terms)
            .order_by("-rank")[:limit]
        )
        for item in found:
            url = item.get_absolute_url() if hasattr(item, "get_absolute_url") else _retex_url(item)
            hits.append(Hit(kind, item.title, url, getattr(item, excerpt_field), item.rank))
    return sorted(hits, key=lambda h: -h.rank)[:limit]


def _retex_url(item: AnonymisedRetex) -> str:
    from django.urls import reverse

    return reverse("portal:retex_detail", args=[item.slug])
