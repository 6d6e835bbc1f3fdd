"""The weekly update owed to the ARS: due one week after the last one on the ARS's wall
clock (DST and overseas time zones included), overdue in queues, reminded by the worker."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from vigie.cases.models import Case, EventKind
from vigie.cases.services import (
    ars_update_due,
    case_qualify,
    case_remind_overdue,
    case_report_to_ars,
    case_track,
)
from vigie.notifications.models import OutgoingEmail

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
REUNION = ZoneInfo("Indian/Reunion")
UTC = ZoneInfo("UTC")


def qualified(case: Case, by: Any, at: datetime) -> Case:
    case = case_qualify(case=case, by=by, version=None, criticity="serious", outcomes=["b2"])
    # Move the qualification back in time, as if it had happened at ``at``.
    case.qualified_at = at
    case.ars_update_due_at = ars_update_due(at, case)
    case.save()
    return case


def test_due_a_week_later_on_the_paris_wall_clock_across_dst(
    world: Any, make_case: Callable[..., Case]
) -> None:
    case = make_case(world.lyon_lab, world.declarant_lyon_lab)
    # Friday 23 October 2026, 10:00 in Paris (UTC+2); clocks go back on Sunday the 25th.
    before_dst_end = datetime(2026, 10, 23, 10, 0, tzinfo=PARIS)
    due = ars_update_due(before_dst_end, case)
    assert due.astimezone(PARIS).replace(tzinfo=None) == datetime(2026, 10, 30, 10, 0)
    # That is 7 days and one hour later in absolute time.
    assert due.astimezone(UTC) - before_dst_end.astimezone(UTC) == timedelta(days=7, hours=1)


def test_overseas_case_is_due_on_the_local_wall_clock(
    world: Any, make_case: Callable[..., Case]
) -> None:
    case = make_case(world.reunion, world.declarant_reunion)
    # 22:30 in La Réunion on 23 October is 20:30 in Paris: the same wall-clock hour a week later.
    moment = datetime(2026, 10, 23, 22, 30, tzinfo=REUNION)
    due = ars_update_due(moment, case)
    assert due.astimezone(REUNION).replace(tzinfo=None) == datetime(2026, 10, 30, 22, 30)
    assert due.astimezone(UTC) - moment.astimezone(UTC) == timedelta(days=7)  # no DST there


def test_overdue_cases_show_in_the_queue_until_the_ars_is_informed(
    world: Any, make_case: Callable[..., Case]
) -> None:
    now = timezone.now()
    late = qualified(
        make_case(world.lyon_lab, world.declarant_lyon_lab), world.acss, now - timedelta(days=8)
    )
    fresh = qualified(
        make_case(world.lyon_lab, world.declarant_lyon_lab), world.acss, now - timedelta(days=6)
    )
    awaiting = make_case(world.lyon_lab, world.declarant_lyon_lab)
    overdue = set(Case.objects.visible_to(world.ars_ara).overdue().values_list("pk", flat=True))
    assert overdue == {late.pk}
    assert late.is_overdue and not fresh.is_overdue and not awaiting.is_overdue

    case_report_to_ars(case=late, by=world.acss, text="Restauration à 60 %.")
    late.refresh_from_db()
    assert not late.is_overdue
    assert late.ars_update_due_at > now + timedelta(days=6)


def test_a_tracking_entry_by_the_ars_itself_counts_as_the_update(
    world: Any, make_case: Callable[..., Case]
) -> None:
    case = qualified(
        make_case(world.lyon_lab, world.declarant_lyon_lab),
        world.acss,
        timezone.now() - timedelta(days=10),
    )
    case_track(case=case, by=world.acss, kind="analysis", text="Analyse des journaux VPN.")
    case.refresh_from_db()
    assert case.is_overdue  # the cell's own notes do not inform the ARS
    case_track(case=case, by=world.ars_ara, kind="note", text="Point téléphonique avec le DSI.")
    case.refresh_from_db()
    assert not case.is_overdue


def test_the_worker_reminds_once_a_day(world: Any, make_case: Callable[..., Case]) -> None:
    now = timezone.now()
    late = qualified(
        make_case(world.lyon_lab, world.declarant_lyon_lab), world.acss, now - timedelta(days=9)
    )
    qualified(
        make_case(world.lyon_lab, world.declarant_lyon_lab), world.acss, now - timedelta(days=2)
    )

    assert case_remind_overdue(now=now) == 1
    reminder = OutgoingEmail.objects.get(topic=f"case:{late.pk}", purpose="reminder")
    assert sorted(reminder.to) == [
        "cyberveille@sante.gouv.fr",
        "ssi-auvergne-rhone-alpes@ars.sante.fr",
    ]
    assert "9 jours" in reminder.body
    assert late.timeline.filter(kind=EventKind.REMINDER).count() == 1
    # An hour later: no second reminder the same day; the next day, again.
    assert case_remind_overdue(now=now + timedelta(hours=1)) == 0
    assert case_remind_overdue(now=now + timedelta(days=1, minutes=1)) == 1


def test_the_hourly_task_is_scheduled() -> None:
    from procrastinate.contrib.django import app

    periodic = {task.periodic_id for task in app.periodic_registry.periodic_tasks.values()}
    assert {"case_remind_overdue", "email_sweep"} <= periodic
