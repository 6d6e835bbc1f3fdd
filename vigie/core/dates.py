"""Dates written in Python as Django's date filter writes them, for the pages that write
dozens per request (the case page, the queue): the format is read once per language, not
parsed for each date."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Any

from django.templatetags.tz import do_timezone
from django.utils import dateformat
from django.utils.dates import MONTHS
from django.utils.translation import get_language

# Django's format characters written here alike (django.utils.dateformat's definitions),
# as str.format fields over (the value, its month's name, its year's last two digits);
# "F", the month's name, is read from the catalogue when a format is compiled.
_FIELDS: dict[str, str] = {
    "d": "{0.day:02d}",
    "j": "{0.day}",
    "m": "{0.month:02d}",
    "Y": "{0.year:04d}",
    "y": "{2:02d}",
    "H": "{0.hour:02d}",
    "i": "{0.minute:02d}",
    "s": "{0.second:02d}",
    "F": "{1}",
}
Formatter = Callable[[date], str]
_compiled: dict[tuple[str | None, str], Formatter] = {}


def _compile(django_format: str) -> Formatter:
    """The format as one str.format template, or django.utils.dateformat when it uses a
    character not above (or an escape)."""
    template = []
    for char in django_format:
        if char in _FIELDS:
            template.append(_FIELDS[char])
        elif char.isalpha() or char == "\\":
            return partial(dateformat.format, format_string=django_format)
        else:
            template.append(char.replace("{", "{{").replace("}", "}}"))
    text = "".join(template)
    months = [str(MONTHS[n]) for n in range(1, 13)] if "F" in django_format else None
    if months is None:
        return lambda value: text.format(value, "", value.year % 100)
    return lambda value: text.format(value, months[value.month - 1], value.year % 100)


def date_formatter(django_format: str) -> Formatter:
    """``|date:django_format`` in the active language, as a function of the value (already
    in the zone to show): for a page that writes many dates, looked up once."""
    key = (get_language(), django_format)
    formatter = _compiled.get(key)
    if formatter is None:
        formatter = _compiled[key] = _compile(django_format)
    return formatter


def date_text(value: date, django_format: str) -> str:
    """``value|date:django_format`` (``value`` already in the zone to show), unescaped."""
    return date_formatter(django_format)(value)


def zoned_text(value: Any, zone: Any, django_format: str) -> str:
    """``value|timezone:zone|date:django_format``, unescaped."""
    return date_text(do_timezone(value, zone), django_format)
