"""Phase 1: the declaration (signalement), its attachments and where it was routed."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vigie.core.models import StoredUpload
from vigie.core.scoping import ScopedQuerySet
from vigie.directory.models import Region, Structure, Vendor


class IncidentType(models.Model):
    """The maintained typology of incidents (editable in the admin)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    label = models.CharField(_("label"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    is_malicious = models.BooleanField(
        _("malicious by nature"),
        null=True,
        blank=True,
        help_text=_("Leave empty when the type can be either."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["position", "label"]
        verbose_name = _("incident type")
        verbose_name_plural = _("incident types")

    def __str__(self) -> str:
        return self.label


class DeclarationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class DeclarationSource(models.TextChoices):
    WEB = "web", _("Vigie form")
    API = "api", _("National reporting portal (API)")
    # Received by the cell or the FSSI on call and recorded for the structure.
    PHONE = "phone", _("Phone call")
    EMAIL = "email", _("E-mail to a functional mailbox")


class AffectedSystem(models.TextChoices):
    WORKSTATIONS = "workstations", _("Workstations")
    SERVERS = "servers", _("Servers")
    NETWORK = "network", _("Network and remote access")
    DIRECTORY = "directory", _("Directory and identity (Active Directory…)")
    MESSAGING = "messaging", _("E-mail")
    TELEPHONY = "telephony", _("Telephony")
    BIOMEDICAL = "biomedical", _("Biomedical equipment / medical devices")
    BUSINESS_SOFTWARE = "business_software", _("Business software (patient record, lab, PACS…)")
    WEBSITE = "website", _("Website or online services")
    CLOUD = "cloud", _("Hosted or cloud services")
    OTHER = "other", _("Other")


class HealthProduct(models.TextChoices):
    """Products under ANSM surveillance: their involvement routes the declaration there."""

    DM = "dm", _("Medical device (DM)")
    DMDIV = "dmdiv", _("In vitro diagnostic medical device (DMDIV)")
    LAP = "lap", _("Prescription support software (LAP)")
    LAD = "lad", _("Dispensing support software (LAD)")


class CareImpact(models.TextChoices):
    NONE = "none", _("None")
    POTENTIAL = "potential", _("Potential")
    ACTUAL = "actual", _("Actual")


class TriState(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    UNKNOWN = "unknown", _("Unknown")


class NotifiedBody(models.TextChoices):
    CNIL = "cnil", _("CNIL (personal data breach)")
    ANSSI = "anssi", _("ANSSI / CERT-FR")
    POLICE = "police", _("Police or gendarmerie")
    CERT = "cert", _("Regional CERT / CSIRT")
    INSURER = "insurer", _("Cyber insurer")
    OTHER = "other", _("Other")


class Tlp(models.TextChoices):
    """Traffic Light Protocol 2.0 (FIRST)."""

    CLEAR = "clear", _("TLP:CLEAR")
    GREEN = "green", _("TLP:GREEN")
    AMBER = "amber", _("TLP:AMBER")
    AMBER_STRICT = "amber_strict", _("TLP:AMBER+STRICT")
    RED = "red", _("TLP:RED")


def _choices_array(choices: type[models.TextChoices], label: Any) -> ArrayField[Any, Any]:
    return ArrayField(
        models.CharField(max_length=32, choices=choices.choices),
        verbose_name=label,
        default=list,
        blank=True,
    )


@pghistory.track()
class Declaration(models.Model):
    """An incident declaration: a draft while being typed, then submitted and routed."""

    status = models.CharField(
        _("status"),
        max_length=16,
        choices=DeclarationStatus.choices,
        default=DeclarationStatus.DRAFT,
    )
    reference = models.CharField(_("reference"), max_length=20, unique=True, null=True, blank=True)
    source = models.CharField(
        _("source"), max_length=8, choices=DeclarationSource.choices, default=DeclarationSource.WEB
    )
    # Identifier given by the caller of the API (the national portal), so a repeated call
    # is not a duplicate. Unique per account: another account's identifiers are none of
    # the caller's business (a shared namespace would tell who used which). NULL when
    # none was given (the API answers null), left out of the unique constraint.
    external_id = models.CharField(  # noqa: DJ001
        _("portal identifier"), max_length=100, null=True, blank=True
    )
    structure = models.ForeignKey(
        Structure,
        on_delete=models.PROTECT,
        related_name="declarations",
        verbose_name=_("structure"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="declarations_created",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, db_index=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="declarations_submitted",
        null=True,
        blank=True,
        verbose_name=_("submitted by"),
    )
    # Raw input of steps that did not validate yet, so nothing typed is ever lost.
    draft_data = models.JSONField(_("unvalidated input"), default=dict, blank=True)
    last_step = models.CharField(_("last step"), max_length=20, blank=True)

    # Identity and dates.
    declarant_name = models.CharField(_("declarant's name"), max_length=150, blank=True)
    declarant_function = models.CharField(_("declarant's function"), max_length=150, blank=True)
    declarant_email = models.EmailField(_("declarant's e-mail"), blank=True)
    declarant_phone = models.CharField(_("declarant's phone"), max_length=30, blank=True)
    detected_at = models.DateTimeField(_("detected at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at (if known)"), null=True, blank=True)
    incident_type = models.ForeignKey(
        IncidentType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="declarations",
        verbose_name=_("incident type"),
    )

    # Task A: perimeter.
    systems_affected = _choices_array(AffectedSystem, _("systems affected"))
    health_products = _choices_array(HealthProduct, _("health products involved"))
    software = models.TextField(_("software concerned"), blank=True)
    vendors = models.ManyToManyField(
        Vendor, blank=True, related_name="declarations", verbose_name=_("vendors concerned")
    )
    other_vendors = models.CharField(_("other vendors"), max_length=255, blank=True)
    hosting_provider = models.CharField(_("hosting provider"), max_length=255, blank=True)
    sites_affected = models.TextField(_("sites and services affected"), blank=True)

    # Task B: impacts.
    care_impact = models.CharField(
        _("impact on care safety"), max_length=16, choices=CareImpact.choices, blank=True
    )
    data_availability = models.BooleanField(_("health data availability affected"), default=False)
    data_integrity = models.BooleanField(_("health data integrity affected"), default=False)
    data_confidentiality = models.BooleanField(
        _("health data confidentiality affected"), default=False
    )
    degraded_mode = models.BooleanField(_("degraded mode"), default=False)
    service_downtime = models.BooleanField(_("service downtime"), default=False)
    patients_transferred = models.BooleanField(_("patients transferred"), default=False)
    plan_blanc = models.BooleanField(_("plan blanc triggered"), default=False)
    estimated_patients = models.PositiveIntegerField(
        _("estimated number of patients affected"), null=True, blank=True
    )
    estimated_records = models.PositiveIntegerField(
        _("estimated number of records affected"), null=True, blank=True
    )

    # Task C: origin and capacity.
    malicious = models.CharField(
        _("malicious origin"), max_length=8, choices=TriState.choices, blank=True
    )
    can_handle_alone = models.CharField(
        _("able to handle it alone"), max_length=8, choices=TriState.choices, blank=True
    )
    help_needed = models.BooleanField(_("help needed"), default=False)
    urgent_help = models.BooleanField(_("urgent help needed now"), default=False)

    # What was already done.
    containment_done = models.BooleanField(_("containment done"), default=False)
    isolation_done = models.BooleanField(_("systems isolated"), default=False)
    complaint_filed = models.BooleanField(_("complaint filed"), default=False)
    bodies_notified = _choices_array(NotifiedBody, _("bodies already notified"))
    actions_taken = models.TextField(_("other actions taken"), blank=True)

    # Task D: description and marking.
    description = models.TextField(_("description"), blank=True)
    tlp = models.CharField(_("TLP marking"), max_length=16, choices=Tlp.choices, default=Tlp.AMBER)

    # A quick declaration (a phone in the middle of an attack) is submitted with its
    # first facts; the rest of tasks A-D is completed afterwards. NULL until every
    # field submission normally requires is there.
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    # A declaration received by phone or e-mail and recorded by the cell or the FSSI on
    # call for the structure, until its director or a declarant confirms it.
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="declarations_taken",
        null=True,
        blank=True,
        verbose_name=_("taken for the structure by"),
    )
    confirmed_at = models.DateTimeField(_("confirmed by the structure at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("confirmed by"),
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-submitted_at", "-created_at"]
        verbose_name = _("declaration")
        verbose_name_plural = _("declarations")
        indexes: ClassVar = [
            models.Index(fields=["structure", "status"]),
            models.Index(fields=["created_by", "status"]),
            # The statistics read these for thousands of cases: from the index alone.
            models.Index(
                fields=["id"],
                include=["malicious", "incident_type", "detected_at", "submitted_at"],
                name="declaration_stats",
            ),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(
                name="declaration_submitted_has_reference",
                condition=models.Q(status="draft")
                | models.Q(reference__isnull=False, submitted_at__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["created_by", "external_id"],
                condition=models.Q(external_id__isnull=False),
                name="declaration_external_id_per_account",
            ),
        ]

    def __str__(self) -> str:
        return self.reference or _("Draft %(id)s") % {"id": self.pk}

    @property
    def is_draft(self) -> bool:
        return self.status == DeclarationStatus.DRAFT

    @property
    def is_incomplete(self) -> bool:
        """Submitted quickly, tasks A-D still to complete."""
        return not self.is_draft and self.completed_at is None

    @property
    def awaits_confirmation(self) -> bool:
        """Taken for the structure by the cell, not yet confirmed by it."""
        return self.taken_by_id is not None and self.confirmed_at is None

    @property
    def affects_care(self) -> bool:
        """The incident has consequences on the care offered (military hospital rule)."""
        return self.care_impact == CareImpact.ACTUAL or self.patients_transferred or self.plan_blanc

    @property
    def involves_health_products(self) -> bool:
        return bool(self.health_products) or AffectedSystem.BIOMEDICAL in self.systems_affected


def attachment_path(instance: Attachment, filename: str) -> str:
    # The stored name never reuses what the user typed.
    return f"attachments/{instance.declaration_id}/{uuid.uuid4().hex}"


class Attachment(StoredUpload):
    """A file joined to a declaration, stored outside the web root."""

    declaration = models.ForeignKey(
        Declaration,
        on_delete=models.CASCADE,
        related_name="attachments",
        verbose_name=_("declaration"),
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=255)

    class Meta(StoredUpload.Meta):
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")


class RecipientKind(models.TextChoices):
    ARS = "ars", _("Regional health agency (ARS)")
    ACSS = "acss", _("ACSS support cell")
    DEFENCE = "defence", _("Ministry of the armed forces (CYBER chain)")
    FSSI = "fssi", _("HFDS/FSSI")
    ANSM = "ansm", _("ANSM")
    ANSSI = "anssi", _("ANSSI")


class DeclarationRecipient(models.Model):
    """One entity the declaration was routed to, and why."""

    declaration = models.ForeignKey(
        Declaration,
        on_delete=models.CASCADE,
        related_name="recipients",
        verbose_name=_("declaration"),
    )
    kind = models.CharField(_("entity"), max_length=16, choices=RecipientKind.choices)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("region")
    )
    email = models.EmailField(_("mailbox"))
    reasons = ArrayField(models.CharField(max_length=200), verbose_name=_("reasons"), default=list)
    # A military hospital's ARS only receives a template notice of existence.
    notice_only = models.BooleanField(_("notice of existence only"), default=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["pk"]
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["declaration", "kind"], name="recipient_once_per_kind")
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        if self.kind == RecipientKind.ARS and self.region is not None:
            return str(self.region.ars_name)
        return str(self.get_kind_display())


class ReferenceCounter(models.Model):
    """Last reference number handed out per year (incremented under a row lock)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("reference counter")
        verbose_name_plural = _("reference counters")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"
