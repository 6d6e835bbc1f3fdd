"""Who may read the messages fetched from the functional mailboxes.

- a message attached to a case (on arrival, by sorting, or through the declaration it
  became): the people who read that case in FULL (``cases.scopes.case_level``), never
  those who get its summary or its notice only;
- a message not attached (to sort, or dismissed): the cell and the HFDS/FSSI, whose
  mailboxes these are.
Administrators read none of them.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from vigie.cases.models import Case
from vigie.cases.scopes import Level, case_level
from vigie.core.roles import Role
from vigie.core.scoping import Scope, scope_rule
from vigie.inbox.models import InboundMessage, MailboxState, MessageAttachment

SORTERS = (Role.ACSS_ANALYST, Role.HFDS)


def may_sort(scope: Scope) -> bool:
    """The "à trier" queue is the cell's and the FSSI's."""
    return scope.has(*SORTERS)


def case_full_filter(scope: Scope, prefix: str = "") -> Q | None:
    """Q selecting the cases ``scope`` reads in FULL (``case_level``); None: all of them."""
    p = prefix
    if not scope.is_authenticated:
        return Q(pk__in=[])
    if scope.has(Role.HFDS):
        return None
    condition = Q(pk__in=[])
    if scope.structure_ids:
        condition |= Q(**{f"{p}structure_id__in": scope.structure_ids})
    if scope.has(Role.ACSS_ANALYST):
        condition |= Q(**{f"{p}is_military": False}) | Q(**{f"{p}shared_with_cell": True})
    if scope.has(Role.DGS):
        condition |= Q(**{f"{p}outcomes__contains": ["b3"]})
    if scope.has(Role.ANSM):
        condition |= Q(**{f"{p}involves_health_products": True})
    if scope.has(Role.DEFENCE):
        condition |= Q(**{f"{p}is_military": True})
    if scope.ars_region_ids:
        # The ARS of a military hospital gets its summary at most: no message.
        condition |= Q(**{f"{p}region_id__in": scope.ars_region_ids, f"{p}is_military": False})
    return condition


def reads_case_in_full(scope: Scope, case: Case) -> bool:
    return case_level(scope, case) == Level.FULL


def message_filter(scope: Scope, prefix: str = "") -> Q:
    p = prefix
    if not scope.is_authenticated:
        return Q(pk__in=[])
    full = case_full_filter(scope, f"{p}case__")
    attached = Q(**{f"{p}case__isnull": False})
    condition = attached if full is None else attached & full
    if may_sort(scope):
        condition |= Q(**{f"{p}case__isnull": True})
    return condition


@scope_rule(InboundMessage)
def _messages(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    return qs.filter(message_filter(scope))


@scope_rule(MessageAttachment)
def _attachments(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    return qs.filter(message_filter(scope, "message__"))


@scope_rule(MailboxState)
def _states(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    return qs if may_sort(scope) else qs.none()
