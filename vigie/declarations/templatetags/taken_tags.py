"""What a person may do with a declaration taken for a structure, for the templates of
declarations and of the apps above (`{% load taken_tags %}`)."""

from __future__ import annotations

from typing import Any

from django import template

from vigie.declarations.models import Declaration
from vigie.declarations.taken import may_confirm, may_take

register = template.Library()


def _user(context: template.Context) -> Any:
    request = context.get("request")
    return getattr(request, "user", None)


@register.simple_tag(takes_context=True)
def can_confirm(context: template.Context, declaration: Declaration) -> bool:
    """The signed-in person confirms this declaration taken for their structure."""
    return may_confirm(_user(context), declaration)


@register.simple_tag(takes_context=True)
def can_take_declarations(context: template.Context) -> bool:
    """The signed-in person records declarations received by phone or e-mail."""
    return may_take(_user(context))
