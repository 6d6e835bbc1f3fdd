"""The e-mails block of the case page: `{% load inbox_tags %}{% case_emails case %}`,
without touching the cases views (this app sits above cases)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from vigie.core.scoping import scope_for
from vigie.inbox import render, selectors
from vigie.inbox.scopes import may_sort

register = template.Library()


@register.simple_tag(takes_context=True)
def case_emails(context: template.Context, case: Any) -> SafeString:
    """The messages of ``case`` its reader may read, written in Python (vigie/inbox/
    render.py; the former template is tests/inbox/reference_templates/case_block.html)."""
    return render.case_emails(selectors.case_messages_of_loaded(context["request"].user, case))


@register.simple_tag(takes_context=True)
def emails_to_sort(context: template.Context) -> int | None:
    """How many e-mails wait to be sorted, for those who sort them (None for others)."""
    user = context["request"].user
    if not may_sort(scope_for(user)):
        return None
    return selectors.messages_to_sort(user).count()
