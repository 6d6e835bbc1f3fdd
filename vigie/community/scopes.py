"""Who may read the community space.

Members of the community: structures' declarants and SSI correspondents, the cell (ACSS),
ARS officers and HFDS/FSSI. Vendor contacts and anonymous users have no access. Hidden
(moderated) messages are read by the cell and by their author only.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from vigie.community.models import Comment, Post, Thread
from vigie.core.scoping import Scope, scope_rule

MODERATOR_ROLES = ("acss_analyst",)
STAFF_MEMBER_ROLES = ("acss_analyst", "ars_officer", "hfds")


def is_community_member(scope: Scope) -> bool:
    return scope.is_authenticated and (bool(scope.structure_ids) or scope.has(*STAFF_MEMBER_ROLES))


def is_moderator(scope: Scope) -> bool:
    return scope.is_authenticated and scope.has(*MODERATOR_ROLES)


@scope_rule(Thread)
def _threads(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    return qs if is_community_member(scope) else qs.none()


def _moderated(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    if not is_community_member(scope):
        return qs.none()
    if is_moderator(scope):
        return qs
    return qs.filter(Q(hidden_at__isnull=True) | Q(author_id=scope.user_id))


@scope_rule(Post)
def _posts(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    return _moderated(qs, scope)


@scope_rule(Comment)
def _comments(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    return _moderated(qs, scope)
