"""The holes of issue 14 on cases, each tried over HTTP as an attacker would."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.factories import client_for
from tests.security.case_world import case_in, military_declarant
from vigie.cases.models import Case, CaseStatus, Criticity
from vigie.insights.models import Obligation
from vigie.insights.services import obligation_record, obligations_sync

pytestmark = pytest.mark.django_db


def _post(user: Any, case: Case, path: str, data: dict[str, Any]) -> Any:
    fresh = Case.objects.get(pk=case.pk)
    return client_for(user).post(f"/dossiers/{case.pk}/{path}", {"version": fresh.version, **data})


@pytest.mark.parametrize("state", [CaseStatus.TO_PROCESS, CaseStatus.TO_CLOSE])
def test_requalifying_cannot_close_a_case_nor_drop_the_hfds(
    world: Any, make_user: Any, make_case: Callable[..., Case], state: str
) -> None:
    """#5: re-qualifying as B1 closed with no agreement; as serious it dropped the HFDS."""
    military_declarant(world, make_user)
    case = case_in(world, make_case, "civil", state)
    Case.objects.filter(pk=case.pk).update(criticity=Criticity.SIGNIFICANT, piloted_by_hfds=True)
    for data in (
        {"criticity": "not_incident", "outcomes": ["b1"]},
        {"criticity": "serious", "outcomes": ["b2"]},
    ):
        response = _post(world.acss, case, "qualifier/", data)
        assert response.status_code == 200
        assert 'data-testid="action-error"' in response.content.decode()
    case.refresh_from_db()
    assert case.status == state and case.criticity == Criticity.SIGNIFICANT
    assert case.piloted_by_hfds


def test_a_closed_case_takes_no_indicator_nor_notification(
    world: Any, make_user: Any, make_case: Callable[..., Case]
) -> None:
    """#8: indicators and notifications were still recorded on a closed case."""
    military_declarant(world, make_user)
    case = case_in(world, make_case, "civil", CaseStatus.CLOSED)
    obligations_sync(case=case)
    kind = Obligation.objects.filter(case=case).values_list("kind", flat=True).first()
    events = case.timeline.count()
    indicator = client_for(world.acss).post(
        f"/dossiers/{case.pk}/indicateurs/", {"kind": "ip", "value": "192.0.2.1"}
    )
    assert indicator.status_code == 400
    recorded = client_for(world.acss).post(
        f"/dossiers/{case.pk}/obligations/{kind}/", {"done_at": "01/12/2026 10:00"}
    )
    assert recorded.status_code == 400
    assert "clôturé" in recorded.content.decode()
    assert not case.indicators.exists()
    assert not Obligation.objects.filter(case=case, done_by__isnull=False).exists()
    assert case.timeline.count() == events


def test_a_recorded_notification_is_dated_after_detection_and_on_the_timeline(
    world: Any, make_case: Callable[..., Case]
) -> None:
    """#8: back-dated before detection, with no timeline event."""
    case = make_case(world.lyon, world.declarant_lyon)
    kind = obligations_sync(case=case)[0].kind
    detected = case.declaration.detected_at
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="avant la détection"):
        obligation_record(case=case, by=world.acss, kind=kind, done_at=detected - timedelta(days=3))
    obligation_record(case=case, by=world.acss, kind=kind, done_at=timezone.now())
    event = case.timeline.get(kind="obligation")
    assert event.actor == world.acss and event.data["obligation"] == kind


def test_the_ssi_correspondent_reads_but_does_not_write(
    world: Any, make_user: Any, make_case: Callable[..., Case]
) -> None:
    """#9: the SSI correspondent (read-only) added tracking entries."""
    military_declarant(world, make_user)
    case = case_in(world, make_case, "civil", CaseStatus.TO_PROCESS)
    assert client_for(world.member_lyon).get(f"/dossiers/{case.pk}/").status_code == 200
    for kind in ("structure_action", "containment"):
        response = _post(world.member_lyon, case, "suivi/", {"kind": kind, "text": "x"})
        assert response.status_code == 403
    assert not case.tracking.exists()
