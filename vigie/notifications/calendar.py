"""The support cell's working calendar: 9:00–18:00 Paris time, working days, French holidays.

Overseas structures declare in their own time zone, but what matters for routing is
whether the cell in Paris is at work when the declaration arrives.
"""

from __future__ import annotations

from datetime import date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

PARIS = ZoneInfo("Europe/Paris")
OPENING = time(9, 0)
CLOSING = time(18, 0)


@lru_cache(maxsize=64)
def _french_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("FR", years=year)


def is_public_holiday(day: date) -> bool:
    """A national public holiday in metropolitan France (where the cell works)."""
    return day in _french_holidays(day.year)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and not is_public_holiday(day)


def is_business_hours(moment: datetime) -> bool:
    """True when ``moment`` (aware) falls within the cell's business hours."""
    if moment.tzinfo is None:
        raise ValueError("An aware datetime is required")
    local = moment.astimezone(PARIS)
    return is_working_day(local.date()) and OPENING <= local.time() < CLOSING
