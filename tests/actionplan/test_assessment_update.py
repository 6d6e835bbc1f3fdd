"""The assessment rules: a reason for N/A, a date (not in the future) for done, only the
structure's own people write, and every change stays on record (pghistory)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from django.utils.translation import gettext

from vigie.actionplan.models import MeasureAssessment
from vigie.actionplan.selectors import assessment_event_model, assessment_history
from vigie.actionplan.services import assessment_update, evidence_add

pytestmark = pytest.mark.django_db

REASON_EN = "Explain why this measure does not apply to your structure."


def _update(world: Any, plan: Any, **values: Any) -> MeasureAssessment:
    return assessment_update(
        structure=world.lyon, measure=plan.measures.get(number=7), by=world.member_lyon, **values
    )


def _codes(error: ValidationError, field: str) -> list[str]:
    return [e.code for e in error.error_dict[field]]  # type: ignore[misc]


def test_not_applicable_requires_a_reason(world: Any, plan: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        _update(world, plan, status="not_applicable", not_applicable_reason="   ")
    assert _codes(caught.value, "not_applicable_reason") == ["reason_required"]
    assert not MeasureAssessment.objects.exists()
    saved = _update(world, plan, status="not_applicable", not_applicable_reason="Pas de serveur.")
    assert saved.not_applicable_reason == "Pas de serveur."


def test_the_reason_message_is_french() -> None:
    with translation.override("fr"):
        french = gettext(REASON_EN)
    if french == REASON_EN:
        pytest.skip("French catalogue not compiled yet for this message")
    assert "applique" in french or "pourquoi" in french.lower()


def test_done_requires_a_date_not_in_the_future(world: Any, plan: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        _update(world, plan, status="done")
    assert _codes(caught.value, "achieved_on") == ["date_required"]
    tomorrow = timezone.localdate() + timedelta(days=2)
    with pytest.raises(ValidationError) as caught:
        _update(world, plan, status="done", achieved_on=tomorrow)
    assert _codes(caught.value, "achieved_on") == ["date_in_future"]
    saved = _update(world, plan, status="done", achieved_on=date(2024, 5, 2))
    assert saved.status == "done" and saved.achieved_on == date(2024, 5, 2)


def test_leaving_done_clears_the_date(world: Any, plan: Any) -> None:
    _update(world, plan, status="done", achieved_on=date(2024, 5, 2))
    saved = _update(world, plan, status="in_progress", achieved_on=date(2024, 5, 2))
    assert saved.achieved_on is None


@pytest.mark.parametrize("role", ["ars_ara", "acss", "hfds", "declarant_lyon_lab", "nobody"])
def test_only_the_structure_writes(world: Any, plan: Any, role: str) -> None:
    with pytest.raises(PermissionDenied):
        assessment_update(
            structure=world.lyon,
            measure=plan.measures.get(number=1),
            by=getattr(world, role),
            status="in_progress",
        )


def test_declarants_write_too(world: Any, plan: Any) -> None:
    assessment_update(
        structure=world.lyon,
        measure=plan.measures.get(number=1),
        by=world.declarant_lyon,
        status="in_progress",
    )
    assert MeasureAssessment.objects.get().updated_by == world.declarant_lyon


def test_history_is_kept(world: Any, plan: Any) -> None:
    _update(world, plan, status="in_progress", comment="Tests de restauration planifiés")
    _update(world, plan, status="in_progress", comment="Tests de restauration planifiés")  # same
    _update(world, plan, status="done", achieved_on=date(2024, 6, 1))
    events = assessment_event_model().objects.filter(structure=world.lyon)
    assert list(events.order_by("pgh_id").values_list("status", flat=True)) == [
        "in_progress",
        "done",
    ]
    # Readable by the structure and its ARS, not by another region's ARS.
    measure = plan.measures.get(number=7)
    assert assessment_history(world.ars_ara, world.lyon, measure).count() == 2
    assert assessment_history(world.ars_idf, world.lyon, measure).count() == 0


def test_evidence_checked_like_attachments(world: Any, plan: Any) -> None:
    assessment = _update(world, plan, status="in_progress")
    pdf = SimpleUploadedFile("rapport.pdf", b"%PDF-1.4 test de restauration")
    evidence = evidence_add(assessment=assessment, by=world.member_lyon, upload=pdf)
    assert evidence.content_type == "application/pdf" and "rapport" not in evidence.file.name
    fake = SimpleUploadedFile("photo.png", b"not a png at all")
    with pytest.raises(ValidationError):
        evidence_add(assessment=assessment, by=world.member_lyon, upload=fake)
    with pytest.raises(PermissionDenied):
        evidence_add(assessment=assessment, by=world.ars_ara, upload=pdf)
