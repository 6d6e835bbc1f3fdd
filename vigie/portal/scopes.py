"""Portal items: published ones are public (anonymous visitors too); drafts only for
the ACSS and the HFDS/FSSI, who prepare them."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from vigie.core.scoping import Scope, scope_rule
from vigie.portal.models import Bulletin, Guide, ProviderListEntry, PublicationState, ReflexSheet


def _published_or_editor(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    if scope.has("acss_analyst", "hfds"):
        return qs
    return qs.filter(state=PublicationState.PUBLISHED)


for _model in (Bulletin, ReflexSheet, Guide, ProviderListEntry):
    scope_rule(_model)(_published_or_editor)
