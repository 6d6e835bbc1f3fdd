"""The public portal (instruction, section 6): vulnerability bulletins, reflex sheets,
guides and analyses, the providers list; the anonymised RETEX live in vigie.retex.
Edited by the ACSS in the Django admin; published items are public."""

from __future__ import annotations

from typing import ClassVar

import pghistory
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vigie.core.scoping import ScopedQuerySet
from vigie.declarations.models import IncidentType
from vigie.directory.models import StructureKind, Vendor


class PublicationState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class Published(models.Model):
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    state = models.CharField(
        _("state"),
        max_length=16,
        choices=PublicationState.choices,
        default=PublicationState.DRAFT,
        db_index=True,
    )
    published_at = models.DateTimeField(_("published at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering: ClassVar = ["-published_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.state == PublicationState.PUBLISHED


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


@pghistory.track()
class Bulletin(Published):
    """A vulnerability bulletin (bulletin de veille)."""

    cve_ids = ArrayField(
        models.CharField(max_length=24), verbose_name=_("CVE identifiers"), default=list, blank=True
    )
    products = ArrayField(
        models.CharField(max_length=120), verbose_name=_("products"), default=list, blank=True
    )
    vendors = models.ManyToManyField(
        Vendor, blank=True, related_name="bulletins", verbose_name=_("vendors")
    )
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    summary = models.TextField(_("summary"))
    remediation = models.TextField(_("remediation"), blank=True)

    class Meta(Published.Meta):
        verbose_name = _("vulnerability bulletin")
        verbose_name_plural = _("vulnerability bulletins")

    def get_absolute_url(self) -> str:
        return reverse("portal:bulletin_detail", args=[self.slug])


class CompetenceLevel(models.TextChoices):
    NON_SPECIALIST = "non_specialist", _("Non-specialist")
    IT_TEAM = "it_team", _("IT team")
    SSI_EXPERT = "ssi_expert", _("SSI expert")


@pghistory.track()
class ReflexSheet(Published):
    """What to do first, for one incident type, one reader and one kind of structure."""

    incident_type = models.ForeignKey(
        IncidentType,
        on_delete=models.PROTECT,
        related_name="reflex_sheets",
        verbose_name=_("incident type"),
    )
    audience = models.CharField(
        _("competence level"), max_length=16, choices=CompetenceLevel.choices
    )
    structure_kind = models.CharField(
        _("structure type"),
        max_length=32,
        choices=StructureKind.choices,
        blank=True,
        help_text=_("Empty: every type of structure."),
    )
    body = models.TextField(_("text"))

    class Meta(Published.Meta):
        verbose_name = _("reflex sheet")
        verbose_name_plural = _("reflex sheets")

    def get_absolute_url(self) -> str:
        return reverse("portal:sheet_detail", args=[self.slug])


class GuideKind(models.TextChoices):
    GUIDE = "guide", _("Guide")
    ANALYSIS = "analysis", _("Analysis")


@pghistory.track()
class Guide(Published):
    """A guide to answer a type of incident, or an analysis of a new technology."""

    kind = models.CharField(_("kind"), max_length=10, choices=GuideKind.choices, default="guide")
    summary = models.TextField(_("summary"), blank=True)
    body = models.TextField(_("text"))

    class Meta(Published.Meta):
        verbose_name = _("guide")
        verbose_name_plural = _("guides")

    def get_absolute_url(self) -> str:
        return reverse("portal:guide_detail", args=[self.slug])


@pghistory.track()
class ProviderListEntry(models.Model):
    """A referenced provider (prestataire) structures may call on."""

    name = models.CharField(_("name"), max_length=200)
    website = models.URLField(_("website"), blank=True)
    services = models.TextField(_("services offered"))
    qualification = models.CharField(
        _("qualification"), max_length=120, blank=True, help_text=_("For example PRIS, PASSI.")
    )
    regions = models.CharField(_("area served"), max_length=200, blank=True)
    state = models.CharField(
        _("state"),
        max_length=16,
        choices=PublicationState.choices,
        default=PublicationState.DRAFT,
        db_index=True,
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["name"]
        verbose_name = _("referenced provider")
        verbose_name_plural = _("referenced providers")

    def __str__(self) -> str:
        return self.name
