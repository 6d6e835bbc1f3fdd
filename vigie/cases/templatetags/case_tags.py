"""Case links for pages of the apps below cases (`{% load case_tags %}`), so that those
apps never import cases; the case page's dates (`{% when at %}`, which the reference
templates of tests/cases/ use; the page itself is written by vigie/cases/page.py)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from vigie.cases.models import Case
from vigie.cases.render import moment_html
from vigie.cases.selectors import case_of_declaration

register = template.Library()


@register.simple_tag(takes_context=True)
def case_of(context: template.Context, declaration: Any) -> Case | None:
    """The case opened for ``declaration``, when the signed-in user may read it."""
    return case_of_declaration(context["request"].user, declaration)


@register.simple_tag(takes_context=True)
def when(context: template.Context, at: Any) -> SafeString:
    """A moment of the case page: Paris time, then the structure's local time when it
    differs (``paris_tz`` and ``structure_tz`` from the page)."""
    return moment_html(at, context.get("paris_tz"), context.get("structure_tz"))
