"""Every write of the action plan: one keyword-only function per action, one transaction.

History: MeasureAssessment is tracked by django-pghistory (a trigger writes an event row on
every insert and update), so the state of any measure at any past moment can be read back.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import pghistory
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from vigie.actionplan.models import (
    AssessmentStatus,
    Evidence,
    Measure,
    MeasureAssessment,
    Plan,
    ReportFormat,
    ReportRun,
    StructurePlan,
)
from vigie.actionplan.scopes import can_read_region
from vigie.core.scoping import scope_for
from vigie.declarations.attachments import check_upload, upload_store
from vigie.directory.models import Region, Structure, User


def can_assess(user: Any, structure: Structure) -> bool:
    """The structure's declarants (director included) and SSI correspondents."""
    return structure.pk in scope_for(user).structure_ids


def _check_can_assess(by: User | None, structure: Structure) -> None:
    # ``by=None`` is the system (demo loader, imports): no user to check.
    if by is not None and not can_assess(by, structure):
        raise PermissionDenied


def structure_today(structure: Structure) -> date:
    """Today where the structure is (La Réunion is a day ahead of Paris for hours)."""
    return timezone.localdate(timezone=ZoneInfo(structure.departement.region.timezone))


@transaction.atomic
def structure_plan_start(
    *, structure: Structure, plan: Plan, start_date: date, by: User | None
) -> StructurePlan:
    """Record the date from which the structure's deadlines run."""
    _check_can_assess(by, structure)
    if start_date < plan.published_on:
        raise ValidationError(
            {
                "start_date": _("The start date cannot precede the plan's publication (%(date)s).")
                % {"date": plan.published_on.strftime("%d/%m/%Y")}
            },
            code="start_before_plan",
        )
    with pghistory.context(user=by.pk if by else None, action="structure_plan_start"):
        row, _created = StructurePlan.objects.update_or_create(
            structure=structure, plan=plan, defaults={"start_date": start_date, "updated_by": by}
        )
    return row


@transaction.atomic
def assessment_update(
    *,
    structure: Structure,
    measure: Measure,
    by: User | None,
    status: str,
    achieved_on: date | None = None,
    not_applicable_reason: str = "",
    comment: str = "",
) -> MeasureAssessment:
    """Set the structure's status for ``measure``. French messages come from the catalogue."""
    _check_can_assess(by, structure)
    errors: dict[str, ValidationError] = {}
    if status not in AssessmentStatus.values:
        errors["status"] = ValidationError(_("Choose a status."), code="invalid_status")
    reason = not_applicable_reason.strip()
    if status == AssessmentStatus.NOT_APPLICABLE and not reason:
        errors["not_applicable_reason"] = ValidationError(
            _("Explain why this measure does not apply to your structure."),
            code="reason_required",
        )
    if status == AssessmentStatus.DONE:
        if achieved_on is None:
            errors["achieved_on"] = ValidationError(
                _("Give the date the measure was achieved."), code="date_required"
            )
        elif achieved_on > structure_today(structure):
            errors["achieved_on"] = ValidationError(
                _("The date achieved cannot be in the future."), code="date_in_future"
            )
    if errors:
        raise ValidationError(errors)
    assessment = (
        MeasureAssessment.objects.select_for_update()
        .filter(structure=structure, measure=measure)
        .first()
    ) or MeasureAssessment(structure=structure, measure=measure)
    values = {
        "status": status,
        "achieved_on": achieved_on if status == AssessmentStatus.DONE else None,
        "not_applicable_reason": reason if status == AssessmentStatus.NOT_APPLICABLE else "",
        "comment": comment.strip(),
    }
    if assessment.pk and all(getattr(assessment, k) == v for k, v in values.items()):
        return assessment  # nothing changed: no history row
    for key, value in values.items():
        setattr(assessment, key, value)
    assessment.updated_by = by
    assessment.updated_at = timezone.now()
    with pghistory.context(user=by.pk if by else None, action="assessment_update"):
        assessment.save()
    return assessment


@transaction.atomic
def evidence_add(*, assessment: MeasureAssessment, by: User, upload: UploadedFile) -> Evidence:
    """Attach a file to an assessment, checked like a declaration's attachments."""
    _check_can_assess(by, assessment.structure)
    existing = assessment.evidence.all()
    count = existing.count()
    if count >= settings.VIGIE_ATTACHMENT_MAX_COUNT:
        raise ValidationError(
            _("A measure can hold at most %(count)s evidence files.")
            % {"count": settings.VIGIE_ATTACHMENT_MAX_COUNT},
            code="too_many_files",
        )
    total = existing.aggregate(total=Sum("size"))["total"] or 0
    checked = check_upload(upload, already=count, total_bytes=total)
    evidence = Evidence(assessment=assessment, uploaded_by=by)
    upload_store(evidence, upload, checked)
    return evidence


@transaction.atomic
def evidence_remove(*, evidence: Evidence, by: User) -> None:
    _check_can_assess(by, evidence.assessment.structure)
    stored = evidence.file
    evidence.delete()
    transaction.on_commit(lambda: stored.delete(save=False))


@transaction.atomic
def report_request(
    *,
    plan: Plan,
    region: Region | None,
    year: int,
    quarter: int,
    formats: list[str],
    by: User,
) -> list[ReportRun]:
    """Queue one report per format; the worker computes the snapshot and renders files."""
    if not can_read_region(scope_for(by), region.pk if region else None):
        raise PermissionDenied
    if quarter not in (1, 2, 3, 4):
        raise ValidationError({"quarter": _("Choose a quarter.")})
    runs = []
    for fmt in formats:
        if fmt not in ReportFormat.values:
            raise ValidationError({"formats": _("Choose a format.")})
        runs.append(
            ReportRun.objects.create(
                plan=plan, region=region, year=year, quarter=quarter, format=fmt, requested_by=by
            )
        )
    from vigie.actionplan.tasks import report_build

    run_ids = [run.pk for run in runs]
    transaction.on_commit(lambda: [report_build.defer(run_id=pk) for pk in run_ids])
    return runs
