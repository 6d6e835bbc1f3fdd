"""{{ region.timezone|zone_label }} → "heure de La Réunion"; {{ seconds|duration }}."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from django import template

from vigie.core.durations import duration_text
from vigie.core.timezones import zone_label as _zone_label

register = template.Library()


@register.filter
def zone_label(zone: str | ZoneInfo | None) -> str:
    return _zone_label(zone)


@register.filter
def duration(value: float | timedelta | None) -> str:
    """{{ seconds|duration }} → "2 h 05", "3 jours 4 h" (vigie.core.durations)."""
    return duration_text(value)
