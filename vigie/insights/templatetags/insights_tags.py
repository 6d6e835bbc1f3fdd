"""The insights block of the case page: `{% load insights_tags %}{% case_insights case %}`
(notifications owed, indicators, exports) without touching the cases views."""

from __future__ import annotations

from typing import Any

from django import template

from vigie.cases import workflow
from vigie.core.scoping import scope_for
from vigie.insights import selectors
from vigie.insights.clock import structure_zone
from vigie.insights.forms import IndicatorForm, ObligationForm

register = template.Library()


@register.inclusion_tag("insights/includes/case_block.html", takes_context=True)
def case_insights(context: template.Context, case: Any) -> dict[str, Any]:
    request = context["request"]
    user = request.user
    # The case page worked out what this person may do now (once per request).
    available = context.get("case_actions")
    if available is None or context.get("case") is not case:
        available = workflow.available_actions(scope_for(user), case)
    zone = structure_zone(case.structure)
    obligations = selectors.case_obligations(user, case)
    if "obligation" in available:
        for row in obligations:
            if row["status"] != "done":
                row["form"] = ObligationForm(zone=zone, auto_id=f"id_{row['kind']}_%s")
    return {
        "request": request,
        "case": case,
        "zone": zone.key,
        "obligations": obligations,
        "indicators": selectors.case_indicators(user, case),
        "indicator_form": IndicatorForm() if "indicator" in available else None,
        "csrf_token": context.get("csrf_token"),
    }


@register.simple_tag(takes_context=True)
def pending_notifications(context: template.Context, case: Any) -> list[str]:
    """The labels of the notifications the case still owes (shown before closing)."""
    user = context["request"].user
    return [
        str(row["label"])
        for row in selectors.case_obligations(user, case)
        if row["status"] != "done"
    ]
