"""The case carries copies of its declaration's facts: the detection time (Case.detected_at:
the action plan's incidents of the year read it from the case's region index), the
submission time, incident type and malicious origin (the statistics count them without a
declaration per case); they must follow the declaration from opening through completion.
It also carries its structure's type at opening, like its region."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from vigie.cases.models import Case
from vigie.declarations.models import IncidentType
from vigie.declarations.services import declaration_complete_step, declaration_quick_submit

pytestmark = pytest.mark.django_db


COPIED = ("detected_at", "submitted_at", "incident_type_id", "malicious")


def facts(case: Case) -> tuple[Any, ...]:
    case.refresh_from_db()
    return tuple(getattr(case, name) for name in COPIED)


def declaration_facts(case: Case) -> tuple[Any, ...]:
    case.declaration.refresh_from_db()
    return tuple(getattr(case.declaration, name) for name in COPIED)


def test_a_submitted_declarations_case_has_its_facts(world: Any, make_case: Any) -> None:
    detected = timezone.now() - timedelta(hours=7)
    phishing = IncidentType.objects.get(code="phishing")
    case = make_case(world.lyon, world.declarant_lyon, detected_at=detected, incident_type=phishing)
    assert facts(case) == declaration_facts(case)
    assert case.detected_at == detected and case.incident_type == phishing
    assert case.submitted_at is not None and case.malicious
    # The structure's type at opening, like the region.
    assert (case.structure_kind, case.region_id) == (
        world.lyon.kind,
        world.lyon.departement.region_id,
    )


def test_the_case_follows_its_declaration_completed_later(world: Any) -> None:
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
    assert (case.incident_type.code, case.malicious) == ("ransomware", "")
    assert facts(case) == declaration_facts(case)
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
            "incident_type": IncidentType.objects.get(code="phishing"),
        },
    )
    declaration_complete_step(
        declaration=declaration,
        by=world.declarant_lyon_lab,
        step="origine",
        values={"malicious": "yes", "can_handle_alone": "no"},
    )
    case.refresh_from_db()
    assert case.detected_at == corrected
    assert (case.incident_type.code, case.malicious) == ("phishing", "yes")
    assert facts(case) == declaration_facts(case)
    # Every case of the test world's declarations agrees with its declaration.
    cases = Case.objects.select_related("declaration")
    assert all(getattr(c, name) == getattr(c.declaration, name) for c in cases for name in COPIED)
