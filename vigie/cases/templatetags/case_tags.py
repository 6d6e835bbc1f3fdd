"""Case links for pages of the apps below cases (`{% load case_tags %}`), so that those
apps never import cases."""

from __future__ import annotations

from typing import Any

from django import template

from vigie.cases.models import Case
from vigie.cases.selectors import case_of_declaration

register = template.Library()


@register.simple_tag(takes_context=True)
def case_of(context: template.Context, declaration: Any) -> Case | None:
    """The case opened for ``declaration``, when the signed-in user may read it."""
    return case_of_declaration(context["request"].user, declaration)
