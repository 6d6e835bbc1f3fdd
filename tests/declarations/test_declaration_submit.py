"""Submission: numbering, routing table, recipients' e-mails and the acknowledgement."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied

from vigie.declarations.models import Declaration, DeclarationStatus
from vigie.declarations.services import DeclarationIncomplete, declaration_submit
from vigie.notifications.models import Notification, OutgoingEmail

PARIS = ZoneInfo("Europe/Paris")
# A Tuesday, mid-morning in Paris: within the cell's business hours.
TUESDAY_10H = datetime(2026, 11, 24, 10, 0, tzinfo=PARIS)

pytestmark = pytest.mark.django_db


def routed(declaration: Declaration) -> dict[str, list[str]]:
    return {r.kind: r.reasons for r in declaration.recipients.all()}


def mailboxes(declaration: Declaration) -> dict[str, list[str]]:
    """purpose -> recipients of the e-mails queued for ``declaration``."""
    return {
        e.purpose: e.to for e in OutgoingEmail.objects.filter(topic=f"declaration:{declaration.pk}")
    }


def test_ordinary_structure_alerts_its_ars_and_the_cell(
    world: Any, make_declaration: Callable[..., Declaration], settings: Any
) -> None:
    draft = make_declaration(world.lyon_lab, world.declarant_lyon_lab)
    declaration = declaration_submit(declaration=draft, by=world.declarant_lyon_lab, at=TUESDAY_10H)

    assert declaration.status == DeclarationStatus.SUBMITTED
    assert declaration.reference.startswith("SSI-2026-")
    assert routed(declaration) == {"ars": ["territory"], "acss": ["support_cell"]}
    sent = mailboxes(declaration)
    assert sent["routed:ars"] == ["ssi-auvergne-rhone-alpes@ars.sante.fr"]
    assert sent["routed:acss"] == [settings.VIGIE_MAILBOXES["acss"]]
    assert sent["acknowledgement"] == sorted(
        {"claire.martin@chu.example.test", world.declarant_lyon_lab.email}
    )
    ack = OutgoingEmail.objects.get(purpose="acknowledgement", topic=f"declaration:{draft.pk}")
    assert declaration.reference in ack.subject
    assert "ARS Auvergne-Rhône-Alpes" in ack.body
    assert "Cellule" in ack.body or "ACSS" in ack.body
    # In-app: the region's ARS officer and the analysts, not the other regions.
    notified = set(Notification.objects.values_list("user_id", flat=True))
    assert {world.ars_ara.pk, world.acss.pk, world.declarant_lyon_lab.pk} <= notified
    assert world.ars_idf.pk not in notified


def test_incomplete_declaration_is_refused_field_by_field(
    world: Any, make_declaration: Callable[..., Declaration]
) -> None:
    draft = make_declaration(world.lyon_lab, world.declarant_lyon_lab, description="", malicious="")
    with pytest.raises(DeclarationIncomplete) as refused:
        declaration_submit(declaration=draft, by=world.declarant_lyon_lab)
    assert set(refused.value.problems) == {"description", "malicious"}
    draft.refresh_from_db()
    assert draft.status == DeclarationStatus.DRAFT and draft.reference is None


def test_only_the_author_submits(world: Any, make_declaration: Callable[..., Declaration]) -> None:
    draft = make_declaration(world.lyon, world.declarant_lyon)
    with pytest.raises(PermissionDenied):
        declaration_submit(declaration=draft, by=world.acss)
