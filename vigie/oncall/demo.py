"""A demo rota (idempotent): the FSSI and the cell each have someone on call every night
and week-end day of the fortnight around the load, so that the rota page, the home page
and an urgent declaration at night show who is on call."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone

from vigie.directory.demo import DEMO_DOMAIN
from vigie.directory.models import User
from vigie.notifications.calendar import PARIS, is_working_day
from vigie.oncall.models import OnCallKind, OnCallShift

# Who takes the nights, in turn, for each rota (demo accounts' e-mail local parts).
ROTA = {OnCallKind.FSSI: ["hfds"], OnCallKind.CELL: ["acss2", "acss"]}


def demo_rota_load() -> int:
    """Shifts from 18:00 to 9:00 the next day, and whole days off work; returns how many
    were created (none when the demo rota is already there)."""
    if OnCallShift.objects.exists():
        return 0
    people = {
        kind: [User.objects.filter(email=f"{name}@{DEMO_DOMAIN}").first() for name in names]
        for kind, names in ROTA.items()
    }
    today = timezone.localtime(timezone.now(), PARIS).date()
    shifts = []
    for offset in range(-7, 8):
        day = today + timedelta(days=offset)
        start = datetime.combine(day, time(18, 0) if is_working_day(day) else time(9, 0), PARIS)
        end = datetime.combine(day + timedelta(days=1), time(9, 0), PARIS)
        for kind, persons in people.items():
            person = persons[offset % len(persons)]
            recorder = persons[0]
            if person is None or recorder is None:
                continue
            shifts.append(
                OnCallShift(
                    person=person, kind=kind, starts_at=start, ends_at=end, recorded_by=recorder
                )
            )
    OnCallShift.objects.bulk_create(shifts)
    return len(shifts)
