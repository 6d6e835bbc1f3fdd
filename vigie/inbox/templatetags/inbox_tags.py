"""The e-mails block of the case page: `{% load inbox_tags %}{% case_emails case %}`,
without touching the cases views (this app sits above cases)."""

from __future__ import annotations

from typing import Any

from django import template

from vigie.inbox import selectors

register = template.Library()


@register.inclusion_tag("inbox/includes/case_block.html", takes_context=True)
def case_emails(context: template.Context, case: Any) -> dict[str, Any]:
    request = context["request"]
    return {
        "request": request,
        "case": case,
        "emails": selectors.case_messages(request.user, case),
    }
