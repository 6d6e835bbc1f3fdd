"""The regulatory clock: deadlines across time zones and daylight-saving changes,
status on the case page, record of when each was made, reminders sent once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from tests.factories import client_for
from vigie.insights.clock import add_calendar_month, owed
from vigie.insights.models import Obligation, ObligationKind
from vigie.insights.services import obligations_remind, obligations_sync
from vigie.notifications.models import Notification, OutgoingEmail

pytestmark = pytest.mark.django_db
K = ObligationKind
PARIS = ZoneInfo("Europe/Paris")
REUNION = ZoneInfo("Indian/Reunion")


def deadlines(structure: Any, detected: datetime, **kw: Any) -> dict[str, datetime]:
    items = owed(
        detected_at=detected,
        submitted_at=detected + timedelta(hours=1),
        structure=structure,
        personal_data_breach=kw.get("personal", False),
        health_products=kw.get("products", False),
    )
    return {item.kind: item.due_at for item in items}


def test_paris_24_hours_before_the_october_change(world: Any) -> None:
    # Saturday 25 October 2025 10:00 CEST; clocks go back at 03:00 on the 26th.
    detected = datetime(2025, 10, 25, 10, 0, tzinfo=PARIS)
    due = deadlines(world.lyon, detected, personal=True)  # essential entity, OIV
    assert detected.astimezone(UTC) == datetime(2025, 10, 25, 8, 0, tzinfo=UTC)
    # 24 real hours: 09:00 local (CET) on the 26th, not 10:00.
    assert due[K.NIS2_EARLY_WARNING] == datetime(2025, 10, 26, 8, 0, tzinfo=UTC)
    assert due[K.NIS2_EARLY_WARNING].astimezone(PARIS).hour == 9
    assert due[K.NIS2_NOTIFICATION] == datetime(2025, 10, 28, 8, 0, tzinfo=UTC)
    assert due[K.CNIL] == due[K.NIS2_NOTIFICATION]
    # One calendar month in Paris: 25 November 10:00 CET = 09:00 UTC.
    assert due[K.NIS2_FINAL_REPORT] == datetime(2025, 11, 25, 9, 0, tzinfo=UTC)
    assert due[K.NIS2_FINAL_REPORT].astimezone(PARIS).hour == 10
    assert set(due) == {K.ARS_CELL, K.CNIL, K.NIS2_EARLY_WARNING, K.NIS2_NOTIFICATION,
                        K.NIS2_FINAL_REPORT, K.ANSSI}  # fmt: skip


def test_reunion_month_counts_in_local_calendar(world: Any) -> None:
    world.reunion.nis2_category = "important"
    world.reunion.save()
    # 1 March 02:00 in Réunion is still 28 February in UTC.
    detected = datetime(2025, 3, 1, 2, 0, tzinfo=REUNION)
    due = deadlines(world.reunion, detected)
    assert due[K.NIS2_EARLY_WARNING] == datetime(2025, 3, 1, 22, 0, tzinfo=UTC)
    assert due[K.NIS2_FINAL_REPORT] == datetime(2025, 3, 31, 22, 0, tzinfo=UTC)
    assert due[K.NIS2_FINAL_REPORT].astimezone(REUNION) == datetime(2025, 4, 1, 2, 0,
                                                                      tzinfo=REUNION)  # fmt: skip
    assert K.CNIL not in due and K.ANSSI not in due


def test_month_end_is_clamped() -> None:
    start = datetime(2025, 1, 31, 12, 0, tzinfo=PARIS)
    assert add_calendar_month(start, PARIS).astimezone(PARIS) == datetime(
        2025, 2, 28, 12, 0, tzinfo=PARIS
    )


def test_non_nis2_structure_owes_little(world: Any) -> None:
    due = deadlines(world.paris, datetime(2025, 6, 1, tzinfo=UTC), products=True)
    assert set(due) == {K.ARS_CELL, K.ANSM}


@pytest.fixture
def owing(world: Any, dated_case: Any) -> Any:
    """A Lyon case (essential entity, OIV) detected 20 hours ago, personal data breached."""
    detected = timezone.now() - timedelta(hours=20)
    return dated_case(
        world.lyon,
        world.declarant_lyon,
        detected=detected,
        submitted=detected + timedelta(hours=1),
        data_confidentiality=True,
    )


def test_case_page_shows_status_and_staff_record_them(world: Any, owing: Any) -> None:
    page = client_for(world.acss).get(f"/dossiers/{owing.pk}/").content.decode()
    assert 'data-kind="ars_cell" data-status="done"' in page
    assert 'data-kind="nis2_early_warning" data-status="due"' in page
    assert 'data-testid="obligation-form-cnil"' in page
    # Typed in the structure's local time (Paris), stored in UTC.
    made = (timezone.now() - timedelta(hours=2)).astimezone(ZoneInfo("Europe/Paris"))
    response = client_for(world.acss).post(
        f"/dossiers/{owing.pk}/obligations/cnil/", {"done_at": made.strftime("%Y-%m-%dT%H:%M")}
    )
    assert response.status_code == 302
    cnil = Obligation.objects.get(case=owing, kind=K.CNIL)
    assert cnil.done_at == made.replace(second=0, microsecond=0)
    assert cnil.done_by == world.acss
    page = client_for(world.acss).get(f"/dossiers/{owing.pk}/").content.decode()
    assert 'data-kind="cnil" data-status="done"' in page
    # The structure owes them too: its declarants record them; its SSI correspondent
    # (read-only) sees the clock and records nothing.
    page = client_for(world.declarant_lyon).get(f"/dossiers/{owing.pk}/").content.decode()
    assert 'data-testid="obligations"' in page
    assert "obligation-form-" in page
    page = client_for(world.member_lyon).get(f"/dossiers/{owing.pk}/").content.decode()
    assert 'data-testid="obligations"' in page
    assert "obligation-form-" not in page
    denied = client_for(world.member_lyon).post(
        f"/dossiers/{owing.pk}/obligations/anssi/", {"done_at": made.strftime("%Y-%m-%dT%H:%M")}
    )
    assert denied.status_code == 403
    future = client_for(world.acss).post(
        f"/dossiers/{owing.pk}/obligations/anssi/",
        {"done_at": (timezone.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")},
    )
    assert future.status_code == 400


def test_reminders_sent_once(world: Any, owing: Any) -> None:
    obligations_sync(case=owing)
    early = Obligation.objects.get(case=owing, kind=K.NIS2_EARLY_WARNING)
    # 7 h before the deadline: too early for the 24 h one; CNIL (72 h) neither. The
    # "without delay" ANSSI one (not routed in this test world) is already overdue.
    obligations_remind(now=early.due_at - timedelta(hours=7))
    assert set(
        Obligation.objects.filter(case=owing, reminded_at__isnull=False).values_list(
            "kind", flat=True
        )
    ) <= {K.ANSSI}
    sent = obligations_remind(now=early.due_at - timedelta(hours=5))
    early.refresh_from_db()
    assert early.reminded_at is not None
    assert sent >= 1
    topic = f"case:{owing.pk}"
    acss_notes = Notification.objects.filter(user=world.acss, topic=topic)
    declarant_notes = Notification.objects.filter(user=world.declarant_lyon, topic=topic)
    reminded = Obligation.objects.filter(case=owing, reminded_at__isnull=False).count()
    assert acss_notes.count() == reminded
    assert declarant_notes.count() == reminded
    assert OutgoingEmail.objects.filter(purpose="obligation:nis2_early_warning:cell").count() == 1
    # Again: nothing new.
    assert obligations_remind(now=early.due_at - timedelta(hours=4)) == 0
    assert Notification.objects.filter(user=world.acss, topic=topic).count() == reminded
    # Once made, no reminder is ever due.
    cnil = Obligation.objects.get(case=owing, kind=K.CNIL)
    cnil.done_at = timezone.now()
    cnil.save()
    obligations_remind(now=cnil.due_at)
    cnil.refresh_from_db()
    assert cnil.reminded_at is None


def test_reclassified_structure_gets_its_new_reminders(world: Any, dated_case: Any) -> None:
    # Réunion is not a NIS2 entity: its case owes the ARS/cell notification only.
    detected = timezone.now() - timedelta(hours=20)
    case = dated_case(world.reunion, world.declarant_reunion, detected=detected)
    obligations_remind()
    assert K.NIS2_EARLY_WARNING not in set(
        Obligation.objects.filter(case=case).values_list("kind", flat=True)
    )
    # Classified important while the case is open: the next run owes NIS2 and reminds the
    # early warning, due in 4 hours.
    world.reunion.nis2_category = "important"
    world.reunion.save()
    obligations_remind()
    early = Obligation.objects.get(case=case, kind=K.NIS2_EARLY_WARNING)
    assert abs(early.due_at - (detected + timedelta(hours=24))) < timedelta(seconds=1)
    assert early.reminded_at is not None
    assert Notification.objects.filter(
        user=world.declarant_reunion, topic=f"case:{case.pk}"
    ).exists()
