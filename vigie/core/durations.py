"""Durations as French readers write them, one rule everywhere (statistics, reports):

- under a minute: "moins d’une minute"; under an hour: "50 min";
- under a day, to the minute: "2 h", "2 h 05";
- from a day, to the hour: "1 jour", "48 jours", "2 jours 3 h".

Spaces are non-breaking: a duration never splits across two lines.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR


def duration_text(value: float | timedelta | None) -> str:
    """``value`` in seconds (or a timedelta); "—" when there is none."""
    if value is None:
        return "—"
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    seconds = max(seconds, 0.0)
    if seconds < MINUTE:
        text = _("less than a minute")
    elif round(seconds / MINUTE) * MINUTE < DAY:
        hours, minutes = divmod(round(seconds / MINUTE), 60)
        if not hours:
            text = _("%(minutes)d min") % {"minutes": minutes}
        elif not minutes:
            text = _("%(hours)d h") % {"hours": hours}
        else:
            text = _("%(hours)d h %(minutes)02d") % {"hours": hours, "minutes": minutes}
    else:
        days, hours = divmod(round(seconds / HOUR), 24)
        if hours:
            text = ngettext("%(days)d day %(hours)d h", "%(days)d days %(hours)d h", days) % {
                "days": days,
                "hours": hours,
            }
        else:
            text = ngettext("%(days)d day", "%(days)d days", days) % {"days": days}
    return text.replace(" ", "\u00a0")
