"""{{ region.timezone|zone_label }} → "heure de La Réunion"."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django import template

from vigie.core.timezones import zone_label as _zone_label

register = template.Library()


@register.filter
def zone_label(zone: str | ZoneInfo | None) -> str:
    return _zone_label(zone)
