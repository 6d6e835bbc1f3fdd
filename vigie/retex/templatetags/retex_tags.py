from __future__ import annotations

from typing import Any

from django import template

from vigie.retex import selectors, services

register = template.Library()


@register.simple_tag(takes_context=True)
def retex_block_for_case(context: dict[str, Any], case: Any) -> dict[str, Any] | None:
    """None when the signed-in user has no part in the case's lessons learned."""
    request = context.get("request")
    user = getattr(request, "user", None)
    # Written only once the case is closed (the "retex" action's one state, and closed is
    # terminal): an open case has none to read, so the page asks no statement for it.
    retex = selectors.retex_for_case(user, case) if user is not None and case.is_closed else None
    if user is None or not services.can_write_retex(user, case):
        return {"retex": retex, "can_write": False} if retex else None
    return {"retex": retex, "can_write": True}
