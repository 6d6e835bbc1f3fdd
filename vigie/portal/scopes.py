"""Who reads the portal's documents.

- Bulletins, reflex sheets, guides, provider entries: published ones are public
  (anonymous visitors too); drafts and withdrawn ones only for those who read the
  editorial space, the ACSS and the HFDS/FSSI (``rules.READERS``).
- Revisions: the editorial space's readers read them all; everybody else reads the
  versions of what is published now (a version is a public record), and the versions a
  tracking-sheet entry they may read carries (the structure keeps reading the reflex
  sheet it was sent after the cell withdrew it).
- The editorial journal: the editorial space's readers only.
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from vigie.cases.models import TrackingEntry
from vigie.cases.scopes import case_filter
from vigie.core.scoping import Scope, scope_rule
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
from vigie.portal.rules import READERS

PUBLISHED = PublicationState.PUBLISHED


def _published_or_editor(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    if scope.has(*READERS):
        return qs
    return qs.filter(state=PUBLISHED)


for _model in (Bulletin, ReflexSheet, Guide, ProviderListEntry):
    scope_rule(_model)(_published_or_editor)


def public_versions() -> Q:
    """The versions of the documents published now (the providers list always is)."""
    return Q(state=RevisionState.PUBLISHED) & (
        Q(kind=DocumentKind.PROVIDERS)
        | Q(bulletin__state=PUBLISHED)
        | Q(sheet__state=PUBLISHED)
        | Q(guide__state=PUBLISHED)
    )


def sent_versions(scope: Scope) -> Q:
    """The versions attached to the tracking-sheet entries ``scope`` may read."""
    entries = TrackingEntry.objects.filter(
        document_type=ContentType.objects.get_for_model(Revision), document_id__isnull=False
    )
    cases = case_filter(scope, "case__")
    if cases is not None:
        entries = entries.filter(cases)
    return Q(state=RevisionState.PUBLISHED, pk__in=entries.values("document_id"))


@scope_rule(Revision)
def _revisions(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    if scope.has(*READERS):
        return qs
    if not scope.is_authenticated:
        return qs.filter(public_versions())
    return qs.filter(public_versions() | sent_versions(scope))


@scope_rule(EditorialEvent)
def _journal(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    return qs if scope.has(*READERS) else qs.none()
