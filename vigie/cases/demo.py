"""Demo cases: move the demo declarations' cases along (after demo_declarations_load) so
that queues show every state, one weekly update late."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from vigie.cases.models import Case, CaseStatus
from vigie.cases.services import case_qualify
from vigie.declarations.demo import DEMO
from vigie.directory.demo import DEMO_DOMAIN
from vigie.directory.models import User


@transaction.atomic
def demo_cases_progress() -> int:
    """Qualify the demo cases that the demo data says are qualified (idempotent);
    returns how many were qualified now."""
    analyst = User.objects.get(email=f"acss@{DEMO_DOMAIN}")
    done = 0
    for item in DEMO:
        qualification = item.get("qualify")
        if not qualification:
            continue
        case = (
            Case.objects.filter(declaration__external_id=item["key"])
            .select_related("declaration", "region")
            .first()
        )
        if case is None or case.status != CaseStatus.AWAITING_QUALIFICATION:
            continue
        # Qualified two hours after the declaration, as the timeline says (and a week
        # later the weekly update to the ARS is due: the oldest demo case is late).
        case_qualify(
            case=case,
            by=analyst,
            version=None,
            criticity=qualification["criticity"],  # type: ignore[index]
            outcomes=qualification["outcomes"],  # type: ignore[index]
            note=qualification["note"],  # type: ignore[index]
            at=min(case.opened_at + timedelta(hours=2), timezone.now()),
        )
        done += 1
    return done
