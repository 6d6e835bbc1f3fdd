"""Durations read as French people write them, by one rule everywhere."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.template import Context, Template
from django.utils import translation

from vigie.core.durations import duration_text

H = 3600
NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (None, "—"),
        (0, "moins d’une minute"),
        (59, "moins d’une minute"),
        (50 * 60, "50 min"),
        (2 * H, "2 h"),
        (2 * H + 5 * 60, "2 h 05"),
        (2 * H + 4 * 60 + 40, "2 h 05"),  # to the minute
        (23 * H + 59 * 60 + 50, "1 jour"),  # rounding never prints "24 h" nor "0 jour"
        (24 * H, "1 jour"),
        (25 * H, "1 jour 1 h"),
        (51 * H, "2 jours 3 h"),
        (51 * H + 20 * 60, "2 jours 3 h"),  # to the hour from a day on
        (48 * 24 * H, "48 jours"),
        (timedelta(days=2, hours=3), "2 jours 3 h"),
    ],
)
def test_french_durations(seconds: float | timedelta | None, expected: str) -> None:
    with translation.override("fr"):
        text = duration_text(seconds)
    assert text == expected.replace(" ", NBSP)  # never split across two lines
    assert "min" not in text or "h" not in text  # no "2 h 00 min"


def test_english_and_the_template_filter() -> None:
    with translation.override("en"):
        assert duration_text(3 * H).replace(NBSP, " ") == "3 h"
        assert duration_text(26 * H).replace(NBSP, " ") == "1 day 2 h"
    with translation.override("fr"):
        rendered = Template("{% load vigie_tz %}{{ s|duration }}").render(Context({"s": 7500}))
    assert rendered == f"2{NBSP}h{NBSP}05"
