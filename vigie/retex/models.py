"""Phase 6: the lessons learned (RETEX) written after a case is closed, and its
anonymised version for the community, published only after a person reviewed it."""

from __future__ import annotations

from typing import Any, ClassVar, cast

import pghistory
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vigie.cases.models import Case
from vigie.core.scoping import ScopedQuerySet
from vigie.declarations.models import IncidentType

# The five headings of the instruction's phase 6 report, in its order.
RETEX_FIELDS = (
    "causes",
    "aggravating_factors",
    "difficulties",
    "measures_taken",
    "recommendations",
)


def sections(obj: Any) -> list[tuple[str, str]]:
    """(heading, text) of the five parts of a RETEX or of its anonymised copy."""
    return [
        (
            str(cast(models.Field[Any, Any], obj._meta.get_field(name)).verbose_name),
            getattr(obj, name),
        )
        for name in RETEX_FIELDS
    ]


class RetexStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SHARED = "shared", _("Shared with the ACSS and the ARS")


@pghistory.track()
class Retex(models.Model):
    case = models.OneToOneField(
        Case, on_delete=models.PROTECT, related_name="retex", verbose_name=_("case")
    )
    causes = models.TextField(_("causes of the incident"), blank=True)
    aggravating_factors = models.TextField(_("factors that increased the impact"), blank=True)
    difficulties = models.TextField(_("difficulties met during handling"), blank=True)
    measures_taken = models.TextField(_("measures taken"), blank=True)
    recommendations = models.TextField(_("recommendations"), blank=True)
    similar_cases = models.ManyToManyField(
        Case, blank=True, related_name="+", verbose_name=_("similar earlier cases")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=RetexStatus.choices, default=RetexStatus.DRAFT
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    shared_at = models.DateTimeField(_("shared at"), null=True, blank=True)
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("shared by"),
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-created_at"]
        verbose_name = _("lessons learned")
        verbose_name_plural = _("lessons learned")

    def __str__(self) -> str:
        return f"RETEX {self.case.reference}"

    @property
    def is_shared(self) -> bool:
        return self.status == RetexStatus.SHARED


class PublicationStatus(models.TextChoices):
    DRAFT = "draft", _("Awaiting review")
    PUBLISHED = "published", _("Published")


@pghistory.track()
class AnonymisedRetex(models.Model):
    """The redacted copy of a RETEX for the public portal. The redacted fields are
    produced by vigie.retex.anonymise, then read and corrected by a person, who publishes."""

    retex = models.OneToOneField(
        Retex, on_delete=models.PROTECT, related_name="publication", verbose_name=_("RETEX")
    )
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    # Copied so that the portal filters without reaching the confidential case.
    incident_type = models.ForeignKey(
        IncidentType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("incident type"),
    )
    causes = models.TextField(_("causes of the incident"), blank=True)
    aggravating_factors = models.TextField(_("factors that increased the impact"), blank=True)
    difficulties = models.TextField(_("difficulties met during handling"), blank=True)
    measures_taken = models.TextField(_("measures taken"), blank=True)
    recommendations = models.TextField(_("recommendations"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=PublicationStatus.choices,
        default=PublicationStatus.DRAFT,
        db_index=True,
    )
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("prepared by"),
    )
    prepared_at = models.DateTimeField(_("prepared at"), default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-published_at", "-prepared_at"]
        verbose_name = _("anonymised lessons learned")
        verbose_name_plural = _("anonymised lessons learned")

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == PublicationStatus.PUBLISHED
