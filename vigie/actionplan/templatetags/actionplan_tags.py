from __future__ import annotations

from typing import Any

from django import template
from django.utils.formats import number_format

from vigie.actionplan.selectors import NotDone, case_measures_not_done

register = template.Library()

STATUS_BADGES = {
    "done": "fr-badge--success",
    "in_progress": "fr-badge--info",
    "not_started": "fr-badge--error",
    "not_applicable": "",
}


@register.filter
def status_badge(status: str) -> str:
    return STATUS_BADGES.get(status, "")


@register.filter
def signed(value: float | int | None) -> str:
    if value is None:
        return "—"
    shown = number_format(value)  # French decimals: 1,5
    return f"+{shown}" if value > 0 else shown


@register.simple_tag(takes_context=True)
def measures_not_done_for_case(context: dict[str, Any], case: Any) -> list[NotDone] | None:
    """None when the signed-in user may not read the structure's action plan."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return case_measures_not_done(user, case)
