"""{% if user|mfa_mandatory %}: the second factor is compulsory for this account (staff
roles), so the pages offer no way to switch it off (vigie.directory.adapters refuses)."""

from __future__ import annotations

from typing import Any

from django import template

from vigie.core.mfa import requires_mfa

register = template.Library()


@register.filter
def mfa_mandatory(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and requires_mfa(user)
