"""Case links for pages of the apps below cases (`{% load case_tags %}`), so that those
apps never import cases; the case page's dates (`{% when at %}`) and its repetitive parts
rendered in Python (vigie/cases/render.py)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from vigie.cases import render
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


@register.simple_tag
def declaration_sections(sections: Any, heading_level: int) -> SafeString:
    """declarations/includes/sections.html, read only (``editable=False``)."""
    return render.declaration_sections(sections, heading_level)


@register.simple_tag(takes_context=True)
def case_timeline(context: template.Context, rows: Any) -> SafeString:
    """The timeline's events (``paris_tz`` and ``structure_tz`` from the page)."""
    return render.timeline(rows, context.get("paris_tz"), context.get("structure_tz"))


@register.simple_tag(takes_context=True)
def action_form(
    context: template.Context, form: Any, action: str, submit: Any, secondary: Any
) -> SafeString:
    """cases/includes/action_form.html without a legend."""
    return render.action_form(
        form,
        action=action,
        submit=submit,
        secondary=secondary,
        csrf_token=context.get("csrf_token"),
    )


@register.simple_tag(takes_context=True)
def action_panel(context: template.Context, panel: Any, open_key: Any) -> SafeString:
    """The "Your actions" panel's accordions, each with its form."""
    return render.action_panel(panel, open_key, context.get("csrf_token"))


@register.simple_tag(takes_context=True)
def case_questions(context: template.Context, rows: Any, case: Any) -> SafeString:
    """The questions to the declarant, with their answers or forms."""
    return render.questions(
        rows,
        case.pk,
        context.get("paris_tz"),
        context.get("structure_tz"),
        context.get("csrf_token"),
    )


@register.simple_tag(takes_context=True)
def case_tracking(context: template.Context, case: Any) -> SafeString:
    """The tracking sheet's entries."""
    entries = list(case.tracking.all())
    return render.tracking(entries, context.get("paris_tz"), context.get("structure_tz"))


@register.simple_tag(takes_context=True)
def case_handlers(context: template.Context, rows: Any) -> SafeString:
    """Who is on the case (the side column)."""
    return render.handlers(rows, context.get("paris_tz"), context.get("structure_tz"))


@register.simple_tag(takes_context=True)
def case_deadlines(context: template.Context, rows: Any) -> SafeString:
    """The running deadlines (the side column)."""
    return render.deadlines(rows, context.get("paris_tz"), context.get("structure_tz"))


@register.simple_tag
def case_page_summary(panel: Any, unanswered: Any, elsewhere: Any, task_a: Any) -> SafeString:
    """The links of "On this page" (to the actions when the panel shows)."""
    return render.page_summary(actions=bool(panel or unanswered or elsewhere), task_a=bool(task_a))


@register.simple_tag(takes_context=True)
def case_keyfacts(
    context: template.Context, case: Any, declaration: Any, deadlines: Any, on_the_case: Any
) -> SafeString:
    """The header's key facts."""
    return render.keyfacts(
        case,
        declaration,
        deadlines,
        on_the_case,
        context.get("paris_tz"),
        context.get("structure_tz"),
    )


@register.simple_tag(takes_context=True)
def case_declaration_summary(context: template.Context, declaration: Any, case: Any) -> SafeString:
    """The declaration's summary after who was on call."""
    return render.declaration_summary(
        declaration, case, context.get("paris_tz"), context.get("structure_tz")
    )


@register.simple_tag
def case_similar(items: Any) -> SafeString:
    """The similar incidents in progress (task A)."""
    return render.similar(items)
