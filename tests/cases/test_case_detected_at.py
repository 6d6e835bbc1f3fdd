"""The case carries its declaration's detection time (Case.detected_at): the action plan's
incidents of the year read it from the case's region index rather than a declaration per
case, so it must follow the declaration from opening through completion."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db.models import F
from django.utils import timezone

from vigie.cases.models import Case
from vigie.declarations.models import IncidentType
from vigie.declarations.services import declaration_complete_step, declaration_quick_submit

pytestmark = pytest.mark.django_db


def test_a_submitted_declarations_case_has_its_detection_time(world: Any, make_case: Any) -> None:
    detected = timezone.now() - timedelta(hours=7)
    case = make_case(world.lyon, world.declarant_lyon, detected_at=detected)
    case.refresh_from_db()
    assert case.detected_at == case.declaration.detected_at == detected


def test_the_case_follows_the_detection_time_completed_later(world: Any) -> None:
    first = timezone.now() - timedelta(hours=2)
    declaration = declaration_quick_submit(
        structure=world.lyon_lab,
        by=world.declarant_lyon_lab,
        values={
            "declarant_name": "Inès Garnier",
            "declarant_phone": "06 12 34 56 78",
            "detected_at": first,
            "incident_type": IncidentType.objects.get(code="ransomware"),
            "description": "Serveurs chiffrés",
            "care_impact": "none",
            "urgent_help": False,
        },
    )
    case = Case.objects.get(declaration=declaration)
    assert case.detected_at == first
    corrected = first - timedelta(days=1)
    declaration_complete_step(
        declaration=declaration,
        by=world.declarant_lyon_lab,
        step="identite",
        values={
            "declarant_name": "Inès Garnier",
            "declarant_email": "ines.garnier@labo.test",
            "declarant_phone": "06 12 34 56 78",
            "detected_at": corrected,
            "incident_type": IncidentType.objects.get(code="ransomware"),
        },
    )
    case.refresh_from_db()
    assert case.detected_at == corrected
    # Every case of the test world's declarations agrees with its declaration.
    assert not Case.objects.exclude(detected_at=F("declaration__detected_at")).exists()
