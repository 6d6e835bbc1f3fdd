"""Reads on the portal; each one starts from visible_to(user)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.utils.translation import gettext as _

from vigie.portal.editorial import kind_of
from vigie.portal.models import (
    Bulletin,
    DocumentKind,
    EditorialEvent,
    Guide,
    ProviderListEntry,
    PublicationState,
    ReflexSheet,
    Revision,
    RevisionState,
)
from vigie.retex.models import AnonymisedRetex

# The public pages show what is published, to everybody alike: editors read their drafts
# and withdrawn documents in the editorial space (the selectors at the end of this file).
PUBLISHED = PublicationState.PUBLISHED


def bulletins(user: Any) -> QuerySet[Bulletin]:
    return Bulletin.objects.visible_to(user).filter(state=PUBLISHED).prefetch_related("vendors")


def sheets(user: Any) -> QuerySet[ReflexSheet]:
    return (
        ReflexSheet.objects.visible_to(user).filter(state=PUBLISHED).select_related("incident_type")
    )


def guides(user: Any) -> QuerySet[Guide]:
    return Guide.objects.visible_to(user).filter(state=PUBLISHED)


def providers(user: Any) -> QuerySet[ProviderListEntry]:
    return ProviderListEntry.objects.visible_to(user).filter(state=PUBLISHED)


def versions(user: Any) -> QuerySet[Revision]:
    """Published versions the user may read (one is found by document and number)."""
    return Revision.objects.visible_to(user).filter(state=RevisionState.PUBLISHED)


def providers_version(user: Any) -> Revision | None:
    """The providers list as last published."""
    return versions(user).filter(kind=DocumentKind.PROVIDERS).order_by("-number").first()


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


# --- the editorial space (its pages check rules.Action.READ first) ----------------------

OPEN_STATES = [RevisionState.DRAFT, RevisionState.IN_REVIEW]


def revisions(user: Any) -> QuerySet[Revision]:
    return Revision.objects.visible_to(user).select_related(
        "bulletin", "sheet", "guide", "edited_by", "submitted_by", "reviewed_by", "based_on"
    )


def open_revisions(user: Any) -> QuerySet[Revision]:
    """Drafts in progress and drafts awaiting review, the most recently changed first."""
    return revisions(user).filter(state__in=OPEN_STATES).order_by("-edited_at", "-pk")


def documents(user: Any, kind: str) -> QuerySet[Any]:
    """The rows of one kind (published, withdrawn, never published), each with its open
    draft's id and state, the most recently changed first."""
    spec = kind_of(kind)
    assert spec.model is not None and spec.field is not None
    drafts = Revision.objects.filter(
        **{spec.field: OuterRef("pk")}, state__in=OPEN_STATES
    ).order_by()
    return (
        spec.model.objects.visible_to(user)
        .annotate(
            draft_id=Subquery(drafts.values("pk")[:1]),
            draft_state=Subquery(drafts.values("state")[:1]),
        )
        .order_by(F("revised_at").desc(nulls_last=True), "-updated_at", "-pk")
    )


def document_versions(user: Any, kind: str, document: Any) -> QuerySet[Revision]:
    """The published versions of a document, the latest first."""
    spec = kind_of(kind)
    qs = revisions(user).filter(kind=kind, state=RevisionState.PUBLISHED)
    if spec.field is not None:
        qs = qs.filter(**{spec.field: document})
    return qs.order_by("-number")


def journal(user: Any, revision_ids: list[int]) -> QuerySet[EditorialEvent]:
    return (
        EditorialEvent.objects.visible_to(user)
        .filter(revision_id__in=revision_ids)
        .select_related("by", "revision")
        .order_by("-at", "-pk")
    )
