"""Dates written in Python as Django's date filter writes them, for the pages that write
dozens per request (the case page, the queue): the format is read once per language, not
parsed for each date."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.utils import dateformat
from django.utils.dates import MONTHS
from django.utils.translation import get_language

# Django's format characters written here alike (django.utils.dateformat's definitions);
# "F", the month's name, is read from the catalogue when a format is compiled.
_PARTS: dict[str, Callable[[Any], str]] = {
    "d": lambda v: f"{v.day:02d}",
    "j": lambda v: str(v.day),
    "m": lambda v: f"{v.month:02d}",
    "Y": lambda v: f"{v.year:04d}",
    "y": lambda v: f"{v.year % 100:02d}",
    "H": lambda v: f"{v.hour:02d}",
    "i": lambda v: f"{v.minute:02d}",
    "s": lambda v: f"{v.second:02d}",
}
Compiled = list[str | Callable[[Any], str]]
_compiled: dict[tuple[str | None, str], Compiled | None] = {}


def _month_name(months: list[str]) -> Callable[[Any], str]:
    def part(value: Any) -> str:
        return months[value.month - 1]

    return part


def _compile(django_format: str) -> Compiled | None:
    """The format as literal text and parts, or None when it uses a character not above
    (or an escape): django.utils.dateformat writes those."""
    parts: Compiled = []
    for char in django_format:
        if char == "F":
            parts.append(_month_name([str(MONTHS[n]) for n in range(1, 13)]))
        elif char in _PARTS:
            parts.append(_PARTS[char])
        elif char.isalpha() or char == "\\":
            return None
        else:
            parts.append(char)
    return parts


def date_text(value: date, django_format: str) -> str:
    """``value|date:django_format`` (``value`` already in the zone to show), unescaped."""
    key = (get_language(), django_format)
    if key not in _compiled:
        _compiled[key] = _compile(django_format)
    parts = _compiled[key]
    if parts is None:
        return dateformat.format(value, django_format)
    return "".join(part if isinstance(part, str) else part(value) for part in parts)
