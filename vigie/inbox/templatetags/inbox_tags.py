"""The e-mails block of the case page: `{% load inbox_tags %}{% case_emails case %}`,
without touching the cases views (this app sits above cases)."""

from __future__ import annotations

from typing import Any

from django import template

from vigie.core.scoping import scope_for
from vigie.inbox import selectors
from vigie.inbox.scopes import may_sort

register = template.Library()


@register.inclusion_tag("inbox/includes/case_block.html", takes_context=True)
def case_emails(context: template.Context, case: Any) -> dict[str, Any]:
    request = context["request"]
    return {
        "request": request,
        "case": case,
        "emails": selectors.case_messages(request.user, case),
    }


@register.simple_tag(takes_context=True)
def emails_to_sort(context: template.Context) -> int | None:
    """How many e-mails wait to be sorted, for those who sort them (None for others)."""
    user = context["request"].user
    if not may_sort(scope_for(user)):
        return None
    return selectors.messages_to_sort(user).count()
