"""``{% unread_notifications as count %}``: the header's unread counter, capped at
UNREAD_BADGE_CAP (the header shows "99+" from there)."""

from __future__ import annotations

from typing import Any

from django import template

from vigie.notifications.selectors import unread_badge_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context: dict[str, Any]) -> int:
    request = context.get("request")
    user = getattr(request, "user", None)
    return unread_badge_count(user) if user is not None else 0
