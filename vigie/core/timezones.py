"""French names of the time zones Vigie uses, instead of raw IANA identifiers."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# Every zone of vigie/directory/data/regions.csv (metropolitan France and the overseas
# regions). A zone not listed is shown as its identifier rather than as a wrong name.
ZONE_LABELS: dict[str, Promise] = {
    "Europe/Paris": _("Paris time"),
    "America/Guadeloupe": _("Guadeloupe time"),
    "America/Martinique": _("Martinique time"),
    "America/Cayenne": _("French Guiana time"),
    "Indian/Reunion": _("La Réunion time"),
    "Indian/Mayotte": _("Mayotte time"),
}


def zone_label(zone: str | ZoneInfo | None) -> str:
    """ "heure de La Réunion" for "Indian/Reunion"; the identifier for unknown zones."""
    if zone is None or zone == "":
        return str(ZONE_LABELS["Europe/Paris"])
    key = zone.key if isinstance(zone, ZoneInfo) else str(zone)
    label = ZONE_LABELS.get(key)
    return str(label) if label is not None else key
