"""Alerts to ARS and structures with read acknowledgement; requests to vendors (éditeurs).

Software in use: a structure "uses" a software or a vendor when one of its submitted
declarations names it (Declaration.software, Declaration.vendors). Vigie keeps no separate
software inventory: the declarations are the only source it holds, and an inventory
nobody maintains would target worse than the incidents actually reported.
"""

from __future__ import annotations

from typing import ClassVar

import pghistory
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from vigie.core.scoping import ScopedQuerySet
from vigie.directory.models import Region, Structure, StructureKind, User, Vendor


class Severity(models.TextChoices):
    INFO = "info", _("Information")
    WARNING = "warning", _("Warning")
    CRITICAL = "critical", _("Critical")


@pghistory.track()
class Alert(models.Model):
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"))
    severity = models.CharField(
        _("severity"), max_length=16, choices=Severity.choices, default=Severity.WARNING
    )
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("sent by")
    )
    # Targeting; an empty criterion does not restrict.
    regions = models.ManyToManyField(
        Region, blank=True, related_name="+", verbose_name=_("regions")
    )
    structure_kinds = ArrayField(
        models.CharField(max_length=32, choices=StructureKind.choices),
        verbose_name=_("structure types"),
        default=list,
        blank=True,
    )
    software = models.CharField(_("software in use"), max_length=200, blank=True)
    vendors = models.ManyToManyField(
        Vendor, blank=True, related_name="alerts", verbose_name=_("vendors")
    )
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now, db_index=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-sent_at", "-pk"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")

    def __str__(self) -> str:
        return self.title


@pghistory.track()
class AlertRecipient(models.Model):
    """One targeted structure and its read acknowledgement."""

    alert = models.ForeignKey(
        Alert, on_delete=models.CASCADE, related_name="recipients", verbose_name=_("alert")
    )
    structure = models.ForeignKey(
        Structure,
        on_delete=models.PROTECT,
        related_name="alert_receipts",
        verbose_name=_("structure"),
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["structure__name"]
        verbose_name = _("alert recipient")
        verbose_name_plural = _("alert recipients")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["alert", "structure"], name="alert_recipient_unique")
        ]

    def __str__(self) -> str:
        return f"{self.alert} → {self.structure}"


class RequestKind(models.TextChoices):
    VULNERABILITY = "vulnerability", _("Vulnerability report")
    PATCH = "patch", _("Patch request")


class RequestStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("vendor request status", "Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged by the vendor")
    PATCH_AVAILABLE = "patch_available", _("Patch available")
    RESOLVED = "resolved", _("Resolved")
    REJECTED = "rejected", _("Rejected")


@pghistory.track()
class VendorRequest(models.Model):
    """A vulnerability report or patch request addressed to a vendor, tracked to resolution."""

    vendor = models.ForeignKey(
        Vendor, on_delete=models.PROTECT, related_name="requests", verbose_name=_("vendor")
    )
    kind = models.CharField(
        _("kind"), max_length=16, choices=RequestKind.choices, default=RequestKind.VULNERABILITY
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    product = models.CharField(_("product"), max_length=200)
    affected_versions = models.CharField(_("affected versions"), max_length=200, blank=True)
    cve = models.CharField(_("CVE identifier"), max_length=32, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now, db_index=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-updated_at", "-pk"]
        verbose_name = _("vendor request")
        verbose_name_plural = _("vendor requests")

    def __str__(self) -> str:
        return self.title

    @property
    def is_final(self) -> bool:
        return self.status in (RequestStatus.RESOLVED, RequestStatus.REJECTED)


class VendorRequestEntry(models.Model):
    """Timeline of a vendor request: status changes and comments, who and when."""

    request = models.ForeignKey(
        VendorRequest, on_delete=models.CASCADE, related_name="entries", verbose_name=_("request")
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    from_status = models.CharField(
        _("previous status"), max_length=16, choices=RequestStatus.choices, blank=True
    )
    to_status = models.CharField(
        _("new status"), max_length=16, choices=RequestStatus.choices, blank=True
    )
    comment = models.TextField(_("comment"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["at", "pk"]
        verbose_name = _("vendor request entry")
        verbose_name_plural = _("vendor request entries")

    def __str__(self) -> str:
        return f"{self.request} @ {self.at:%Y-%m-%d %H:%M}"
