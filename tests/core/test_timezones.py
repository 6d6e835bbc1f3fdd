"""Time zones are named in French for people, never by their IANA identifier."""

from __future__ import annotations

import csv
from pathlib import Path
from zoneinfo import ZoneInfo

from django.template import Context, Template
from django.utils import translation

from vigie.core.timezones import ZONE_LABELS, zone_label

REGIONS = Path(__file__).resolve().parents[2] / "vigie" / "directory" / "data" / "regions.csv"


def test_every_zone_of_the_reference_data_has_a_french_name() -> None:
    with REGIONS.open(encoding="utf-8") as handle:
        zones = {row["timezone"] for row in csv.DictReader(handle, delimiter=";")}
    assert zones <= set(ZONE_LABELS)
    with translation.override("fr"):
        assert zone_label("Indian/Reunion") == "heure de La Réunion"
        assert zone_label(ZoneInfo("Europe/Paris")) == "heure de Paris"
        assert zone_label("America/Cayenne") == "heure de Guyane"
        assert zone_label(None) == "heure de Paris"
        for zone in zones:
            assert "/" not in zone_label(zone)
    assert zone_label("Pacific/Noumea") == "Pacific/Noumea"  # unknown: never a wrong name


def test_template_filter() -> None:
    with translation.override("fr"):
        rendered = Template("{% load vigie_tz %}{{ zone|zone_label }}").render(
            Context({"zone": "America/Martinique"})
        )
    assert rendered == "heure de la Martinique"
