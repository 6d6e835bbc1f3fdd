"""The insights block of the case page: `{% load insights_tags %}{% case_insights case %}`
(notifications owed, indicators, exports) without touching the cases views."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from vigie.cases import workflow
from vigie.core.scoping import scope_for
from vigie.insights import render, selectors
from vigie.insights.clock import structure_zone

register = template.Library()


@register.simple_tag(takes_context=True)
def case_insights(context: template.Context, case: Any) -> SafeString:
    """The block, written by vigie/insights/render.py (its former template is
    tests/insights/reference_templates/case_block.html)."""
    user = context["request"].user
    # The case page worked out what this person may do now (once per request).
    available = context.get("case_actions")
    if available is None or context.get("case") is not case:
        available = workflow.available_actions(scope_for(user), case)
    obligations = selectors.case_obligations(user, case)
    if "obligation" in available:
        for row in obligations:
            if row["status"] != "done":
                row["fields"] = render.blank_obligation_fields(row["kind"])
    return render.case_block(
        case_pk=case.pk,
        zone=structure_zone(case.structure).key,
        obligations=obligations,
        indicators=selectors.case_indicators(user, case),
        indicator_fields=render.blank_indicator_fields() if "indicator" in available else None,
        csrf_token=context.get("csrf_token"),
    )


@register.simple_tag(takes_context=True)
def pending_notifications(context: template.Context, case: Any) -> list[str]:
    """The labels of the notifications the case still owes (shown before closing)."""
    user = context["request"].user
    return [
        str(row["label"])
        for row in selectors.case_obligations(user, case)
        if row["status"] != "done"
    ]
