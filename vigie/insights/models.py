"""Indicators on cases, the clusters they form, and the notifications each case owes."""

from __future__ import annotations

from typing import ClassVar

import pghistory
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vigie.cases.models import Case
from vigie.core.scoping import ScopedQuerySet
from vigie.declarations.models import Tlp
from vigie.directory.models import Region


class IndicatorKind(models.TextChoices):
    IP = "ip", _("IP address")
    DOMAIN = "domain", _("Domain name")
    URL = "url", _("URL")
    HASH = "hash", _("File hash")
    EMAIL = "email", _("E-mail address")
    CVE = "cve", _("CVE identifier")
    SOFTWARE = "software", _("Software")
    VENDOR = "vendor", _("Vendor")


@pghistory.track()
class Indicator(models.Model):
    """A technical or contextual indicator seen in a case (weak-signal correlation)."""

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="indicators", verbose_name=_("case")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=IndicatorKind.choices)
    value = models.CharField(_("value"), max_length=2048)
    # Canonical form (lower case, canonical IP, etc.): what correlation compares.
    normalised = models.CharField(_("normalised value"), max_length=2048, db_index=True)
    tlp = models.CharField(_("TLP marking"), max_length=16, choices=Tlp.choices, default=Tlp.AMBER)
    comment = models.CharField(_("comment"), max_length=255, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    added_at = models.DateTimeField(_("added at"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["added_at", "pk"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["case", "kind", "normalised"], name="one_indicator_per_case"
            )
        ]
        indexes: ClassVar = [models.Index(fields=["kind", "normalised"])]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


class ClusterBasis(models.TextChoices):
    INDICATOR = "indicator", _("Shared indicator")
    VENDOR = "vendor", _("Same incident type and vendor")
    SOFTWARE = "software", _("Same incident type and software")
    TYPE_DEPARTEMENT = "type_departement", _("Same incident type in the département")
    TYPE_REGION = "type_region", _("Same incident type in the region")


class Cluster(models.Model):
    """A group of cases in one region sharing a signal within the time window; recorded once
    by the periodic detection, so the cell is told about it once."""

    basis = models.CharField(_("basis"), max_length=16, choices=ClusterBasis.choices)
    # e.g. "indicator:ip:192.0.2.1", "vendor:ransomware:12", "software:ransomware:dpi x",
    # "type_departement:<type id>:<département id>", "type_region:<type id>:<region id>".
    key = models.CharField(_("signature"), max_length=2100)
    label = models.CharField(_("label"), max_length=500)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    cases = models.ManyToManyField(Case, related_name="clusters", verbose_name=_("cases"))
    first_seen_at = models.DateTimeField(_("first detected at"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last detected at"), default=timezone.now)
    notified_at = models.DateTimeField(_("cell notified at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-last_seen_at", "pk"]
        verbose_name = _("cluster")
        verbose_name_plural = _("clusters")
        indexes: ClassVar = [models.Index(fields=["key", "region", "last_seen_at"])]

    def __str__(self) -> str:
        return self.label


class ObligationKind(models.TextChoices):
    ARS_CELL = "ars_cell", _("ARS and support cell (declaration)")
    CNIL = "cnil", _("CNIL — personal data breach (GDPR art. 33)")
    NIS2_EARLY_WARNING = "nis2_early_warning", _("NIS2 — early warning (ANSSI)")
    NIS2_NOTIFICATION = "nis2_notification", _("NIS2 — incident notification (ANSSI)")
    NIS2_FINAL_REPORT = "nis2_final_report", _("NIS2 — final report (ANSSI)")
    ANSM = "ansm", _("ANSM — health products involved")
    ANSSI = "anssi", _("ANSSI — operator of vital importance (OIV/SIIV)")


@pghistory.track()
class Obligation(models.Model):
    """A notification a case owes, its deadline (UTC) and when it was made."""

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="obligations", verbose_name=_("case")
    )
    kind = models.CharField(_("notification"), max_length=24, choices=ObligationKind.choices)
    due_at = models.DateTimeField(_("deadline"))
    done_at = models.DateTimeField(_("made at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    reminded_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["due_at", "pk"]
        verbose_name = _("notification owed")
        verbose_name_plural = _("notifications owed")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["case", "kind"], name="one_obligation_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"

    @property
    def is_overdue(self) -> bool:
        return self.done_at is None and self.due_at < timezone.now()

    @property
    def status(self) -> str:
        if self.done_at is not None:
            return "done"
        return "overdue" if self.due_at < timezone.now() else "due"
