"""FINESS numbers: format, territorial prefix and Luhn key.

A FINESS number has 9 characters matching ``[0-9][0-9A-Z][0-9]{7}``, displayed as
``NN NNN NNN N``. Metropolitan numbers start with the département (01…95, 2A, 2B);
overseas ones with 9701 Guadeloupe, 9702 Martinique, 9703 Guyane, 9704 La Réunion and
9805 Mayotte. The last digit is a Luhn (mod 10) key over the nine characters, Corsica's
A and B being read as 1 and 2.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

FINESS_RE = re.compile(r"^[0-9][0-9A-Z][0-9]{7}$")
OVERSEAS_PREFIXES = {"9701": "971", "9702": "972", "9703": "973", "9704": "974", "9805": "976"}
METROPOLITAN_PREFIXES = frozenset([f"{n:02d}" for n in range(1, 96) if n != 20] + ["2A", "2B"])
_LETTER_VALUES = {"A": 1, "B": 2}


def normalize_finess(value: str) -> str:
    """Strip spaces and dots typed by people, upper-case the Corsican letter."""
    return re.sub(r"[\s.\-]", "", value or "").upper()


def luhn_ok(number: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = _LETTER_VALUES[char] if char in _LETTER_VALUES else int(char)
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def departement_code(number: str) -> str | None:
    """The département (or overseas département) a FINESS number belongs to, if any."""
    number = normalize_finess(number)
    if number[:4] in OVERSEAS_PREFIXES:
        return OVERSEAS_PREFIXES[number[:4]]
    if number[:2] in METROPOLITAN_PREFIXES:
        return number[:2]
    return None


def finess_error(value: str) -> str | None:
    """The French message explaining why ``value`` is not a FINESS number, or None."""
    number = normalize_finess(value)
    if not FINESS_RE.match(number):
        return str(
            _(
                "A FINESS number has 9 characters: digits only, except a Corsican "
                "number starting with 2A or 2B (for example 01 000 001 6)."
            )
        )
    if departement_code(number) is None:
        return str(
            _(
                "The FINESS number %(number)s does not start with a known département "
                "(01 to 95, 2A, 2B) or overseas prefix (9701, 9702, 9703, 9704, 9805)."
            )
            % {"number": format_finess(number)}
        )
    if not luhn_ok(number):
        return str(
            _(
                "The FINESS number %(number)s has a wrong check key (last digit): "
                "please check it was typed correctly."
            )
            % {"number": format_finess(number)}
        )
    return None


def is_valid_finess(value: str) -> bool:
    return finess_error(value) is None


def validate_finess(value: str) -> None:
    """Django validator: raises a ValidationError with a French message."""
    message = finess_error(value)
    if message:
        raise ValidationError(message, code="invalid_finess")


def format_finess(value: str) -> str:
    """``010003820`` -> ``01 000 382 0``; anything else is returned unchanged."""
    number = normalize_finess(value)
    if len(number) != 9:
        return value
    return f"{number[:2]} {number[2:5]} {number[5:8]} {number[8]}"


def with_check_key(first_eight: str) -> str:
    """Append the Luhn key to eight FINESS characters (demo data, synthetic datasets)."""
    body = normalize_finess(first_eight)
    for key in "0123456789":
        if luhn_ok(body + key):
            return body + key
    raise ValueError(first_eight)  # unreachable: one key always fits
