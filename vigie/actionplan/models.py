"""Plan d'action SSI: the versioned catalogue, each structure's self-assessment, reports.

The catalogue (Plan, Theme, Measure) is data loaded from ``data/*.json``: a later plan is
loaded beside an earlier one and assessments stay attached to the measure they answered.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vigie.core.models import StoredUpload
from vigie.core.scoping import ScopedQuerySet
from vigie.directory.models import Region, Structure


class Plan(models.Model):
    code = models.CharField(_("code"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=255)
    source = models.TextField(_("source text"), blank=True)
    published_on = models.DateField(_("published on"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-published_on", "code"]
        verbose_name = _("action plan")
        verbose_name_plural = _("action plans")

    def __str__(self) -> str:
        return self.code


class Theme(models.Model):
    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="themes", verbose_name=_("plan")
    )
    code = models.CharField(_("code"), max_length=16)
    name = models.CharField(_("name"), max_length=150)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    references = models.JSONField(_("references"), default=list, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["plan", "order", "code"]
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["plan", "code"], name="actionplan_theme_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} [{self.code}]"


class Measure(models.Model):
    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="measures", verbose_name=_("plan")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    theme = models.ForeignKey(
        Theme, on_delete=models.PROTECT, related_name="measures", verbose_name=_("theme")
    )
    priority = models.PositiveSmallIntegerField(_("priority"))
    # Copied from the plan's priority table: the deadline, in months from the start date.
    deadline_months = models.PositiveSmallIntegerField(_("deadline (months)"))
    title = models.TextField(_("title"))
    note = models.TextField(_("note"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["plan", "priority", "number"]
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["plan", "number"], name="actionplan_measure_unique")
        ]

    def __str__(self) -> str:
        return f"{self.plan.code} #{self.number}"


class StructurePlan(models.Model):
    """When a structure started the plan: every deadline runs from this date."""

    structure = models.ForeignKey(
        Structure,
        on_delete=models.CASCADE,
        related_name="action_plans",
        verbose_name=_("structure"),
    )
    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, related_name="structures", verbose_name=_("plan")
    )
    start_date = models.DateField(_("start date"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("structure's action plan")
        verbose_name_plural = _("structures' action plans")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["structure", "plan"], name="actionplan_structureplan_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.structure} — {self.plan}"


class AssessmentStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


# Statuses that close a measure: neither is ever overdue.
CLOSED_STATUSES = frozenset({AssessmentStatus.DONE, AssessmentStatus.NOT_APPLICABLE})


@pghistory.track()
class MeasureAssessment(models.Model):
    """A structure's answer to one measure. A missing row means "not started"."""

    structure = models.ForeignKey(
        Structure,
        on_delete=models.CASCADE,
        related_name="measure_assessments",
        verbose_name=_("structure"),
    )
    measure = models.ForeignKey(
        Measure, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("measure")
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=AssessmentStatus.choices,
        default=AssessmentStatus.NOT_STARTED,
    )
    achieved_on = models.DateField(_("date achieved"), null=True, blank=True)
    not_applicable_reason = models.TextField(_("reason it does not apply"), blank=True)
    comment = models.TextField(_("comment"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("measure assessment")
        verbose_name_plural = _("measure assessments")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["structure", "measure"], name="actionplan_assessment_unique"
            ),
            models.CheckConstraint(
                name="actionplan_done_has_date",
                condition=~Q(status="done") | Q(achieved_on__isnull=False),
            ),
            models.CheckConstraint(
                name="actionplan_na_has_reason",
                condition=~Q(status="not_applicable") | ~Q(not_applicable_reason=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.structure} — {self.measure}: {self.status}"


def evidence_path(instance: Evidence, filename: str) -> str:
    # Never the name the user typed; MEDIA_ROOT lies outside the web root.
    return f"actionplan/{instance.assessment.structure_id}/{uuid.uuid4().hex}"


class Evidence(StoredUpload):
    """A file proving a measure's status (procedure, screenshot, test report...)."""

    assessment = models.ForeignKey(
        MeasureAssessment,
        on_delete=models.CASCADE,
        related_name="evidence",
        verbose_name=_("assessment"),
    )
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=255)

    class Meta(StoredUpload.Meta):
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence files")


class QuarterSnapshot(models.Model):
    """The figures of one region (or the whole country) for one quarter, kept for comparison."""

    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, related_name="snapshots", verbose_name=_("plan")
    )
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("region"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    figures = models.JSONField(_("figures"), default=dict)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-year", "-quarter"]
        verbose_name = _("quarter snapshot")
        verbose_name_plural = _("quarter snapshots")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["plan", "region", "year", "quarter"],
                nulls_distinct=False,
                name="actionplan_snapshot_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.region or 'national'} {self.year}-T{self.quarter}"


class ReportFormat(models.TextChoices):
    PDF = "pdf", _("PDF")
    XLSX = "xlsx", _("Spreadsheet (XLSX)")


class ReportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Being produced")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


def report_path(instance: ReportRun, filename: str) -> str:
    return f"actionplan-reports/{uuid.uuid4().hex}.{instance.format}"


class ReportRun(models.Model):
    """One request for a quarterly report, produced in the background."""

    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, related_name="reports", verbose_name=_("plan")
    )
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("region"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    format = models.CharField(_("format"), max_length=8, choices=ReportFormat.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.PENDING
    )
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    file = models.FileField(_("file"), upload_to=report_path, max_length=255, blank=True)
    snapshot = models.ForeignKey(
        QuarterSnapshot,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("snapshot"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-requested_at", "-pk"]
        verbose_name = _("quarterly report")
        verbose_name_plural = _("quarterly reports")

    def __str__(self) -> str:
        return f"{self.region or 'national'} {self.year}-T{self.quarter} ({self.format})"

    @property
    def is_finished(self) -> bool:
        return self.status in (ReportStatus.DONE, ReportStatus.FAILED)

    @property
    def filename(self) -> str:
        where = self.region.code if self.region else "national"
        return f"plan-action-ssi-{where}-{self.year}-T{self.quarter}.{self.format}"
