"""Dates written by vigie/core/dates.py are the date filter's (django.utils.dateformat),
for the formats it writes itself and those it hands to dateformat."""

from __future__ import annotations

from functools import partial
from zoneinfo import ZoneInfo

import pytest
from django.utils import dateformat, timezone, translation

from vigie.core.dates import _compile, date_text

FORMATS = [
    "d/m/Y H:i",
    "Y-m-d H:i:s",
    "d.m.y",
    "j F Y H:i",
    "{d} [m] y%",
    "H\\hi",
    "m/d/Y P",
    "j N Y",
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("language", ["fr", "en"])
def test_dates_written_here_are_djangos(fmt: str, language: str) -> None:
    with translation.override(language):
        by_dateformat = isinstance(_compile(fmt), partial)
        assert by_dateformat == (fmt in ("H\\hi", "m/d/Y P", "j N Y"))
        for at in (
            timezone.now(),
            timezone.now().replace(month=1, day=2, hour=3, minute=4, second=5),
            timezone.now().replace(year=2024, month=8, day=31, hour=23, minute=59),
        ):
            local = at.astimezone(ZoneInfo("Indian/Reunion"))
            assert date_text(local, fmt) == dateformat.format(local, fmt)
