"""The public portal (instruction, section 6): vulnerability bulletins, reflex sheets,
guides and analyses, the providers list; the anonymised RETEX live in vigie.retex.

The ACSS writes them in its editorial space (``/portail/redaction/``): every change is a
``Revision`` (draft → submitted for review → published), approved by another analyst
than its last author. A published revision is a numbered version, kept for ever: the
tracking sheet of a case links to the exact version a structure was sent. The rows of
``Bulletin``, ``ReflexSheet``, ``Guide`` and ``ProviderListEntry`` hold what the public
reads (the last published version), written by publication only."""

from __future__ import annotations

from typing import ClassVar

import pghistory
import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vigie.core.scoping import ScopedQuerySet
from vigie.declarations.models import IncidentType
from vigie.directory.models import StructureKind, Vendor


class PublicationState(models.TextChoices):
    # A row in draft was never published (created in the admin before the editorial
    # space); a new document is a Revision without a row until its first publication.
    DRAFT = "draft", _("Never published")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Withdrawn")


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
    # The version the public reads (0: never published) and when it was published.
    version = models.PositiveIntegerField(_("version"), default=0)
    revised_at = models.DateTimeField(_("version published at"), null=True, blank=True)

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


# --- the editorial space ----------------------------------------------------------------


class DocumentKind(models.TextChoices):
    BULLETIN = "bulletin", _("Vulnerability bulletin")
    REFLEX_SHEET = "reflex_sheet", _("Reflex sheet")
    GUIDE = "guide", _("Guide or analysis")
    PROVIDERS = "providers", _("Referenced providers list")


class RevisionState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("Submitted for review")
    PUBLISHED = "published", _("Published version")
    DISCARDED = "discarded", _("Abandoned")


OPEN_STATES = (RevisionState.DRAFT, RevisionState.IN_REVIEW)


def _open_revision_per(field: str) -> models.UniqueConstraint:
    return models.UniqueConstraint(
        fields=[field],
        condition=models.Q(state__in=OPEN_STATES),
        name=f"portal_one_open_revision_per_{field}",
    )


def _number_per(field: str) -> models.UniqueConstraint:
    return models.UniqueConstraint(
        fields=[field, "number"],
        condition=models.Q(number__isnull=False),
        name=f"portal_version_number_per_{field}",
    )


@pghistory.track()
@pgtrigger.register(
    # A version is what structures were sent: it never changes once published.
    pgtrigger.Protect(
        name="versions_are_final",
        operation=pgtrigger.Update | pgtrigger.Delete,
        condition=pgtrigger.Q(old__state="published"),
    )
)
class Revision(models.Model):
    """One round of writing on a document: its content (``data``, the fields of the
    document's form), who wrote and who reviewed it. Published, it is version ``number``
    of the document, never changed again. A new document has no row (``bulletin``,
    ``sheet``, ``guide``) until its first publication; the providers list is one
    document with no row of its own."""

    kind = models.CharField(_("kind"), max_length=16, choices=DocumentKind.choices)
    bulletin = models.ForeignKey(
        Bulletin, on_delete=models.PROTECT, null=True, blank=True, related_name="revisions"
    )
    sheet = models.ForeignKey(
        ReflexSheet, on_delete=models.PROTECT, null=True, blank=True, related_name="revisions"
    )
    guide = models.ForeignKey(
        Guide, on_delete=models.PROTECT, null=True, blank=True, related_name="revisions"
    )
    state = models.CharField(
        _("state"),
        max_length=16,
        choices=RevisionState.choices,
        default=RevisionState.DRAFT,
        db_index=True,
    )
    title = models.CharField(_("title"), max_length=200)
    data = models.JSONField(_("content"), default=dict, encoder=DjangoJSONEncoder)
    # The version this draft started from (None: a new document).
    based_on = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    number = models.PositiveIntegerField(_("version"), null=True, blank=True)
    # Bumped by every change: a form posts the one it showed, so that two analysts never
    # silently overwrite each other.
    seq = models.PositiveIntegerField(default=1)
    # Authors are unknown for the versions migrated from before the editorial space.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("last author"),
    )
    edited_at = models.DateTimeField(_("last edited at"), default=timezone.now)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    # The last comment of a reviewer who sent the draft back.
    review_comment = models.TextField(_("review comment"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-edited_at", "-pk"]
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        constraints: ClassVar = [
            _open_revision_per("bulletin"),
            _open_revision_per("sheet"),
            _open_revision_per("guide"),
            models.UniqueConstraint(
                fields=["kind"],
                condition=models.Q(kind=DocumentKind.PROVIDERS, state__in=OPEN_STATES),
                name="portal_one_open_revision_of_the_providers_list",
            ),
            _number_per("bulletin"),
            _number_per("sheet"),
            _number_per("guide"),
            models.UniqueConstraint(
                fields=["kind", "number"],
                condition=models.Q(kind=DocumentKind.PROVIDERS, number__isnull=False),
                name="portal_version_number_of_the_providers_list",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(bulletin__isnull=True)
                    | models.Q(kind=DocumentKind.BULLETIN, sheet__isnull=True, guide__isnull=True)
                )
                & (
                    models.Q(sheet__isnull=True)
                    | models.Q(kind=DocumentKind.REFLEX_SHEET, guide__isnull=True)
                )
                & (models.Q(guide__isnull=True) | models.Q(kind=DocumentKind.GUIDE)),
                name="portal_revision_of_its_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(number__isnull=True) | models.Q(state=RevisionState.PUBLISHED),
                name="portal_only_published_revisions_are_versions",
            ),
        ]

    def __str__(self) -> str:
        # The providers list has no title of its own: its kind names it.
        title = self.title or str(DocumentKind(self.kind).label)
        if self.number:
            return str(_("%(title)s, version %(number)s") % {"title": title, "number": self.number})
        return title

    def get_absolute_url(self) -> str:
        """A version's public address (the one a tracking-sheet entry links to); the
        editorial page for anything else."""
        if self.number:
            if self.kind == DocumentKind.PROVIDERS:
                return reverse("portal:provider_version", args=[self.number])
            document = self.document
            if document is not None:
                names = {
                    DocumentKind.BULLETIN: "portal:bulletin_version",
                    DocumentKind.REFLEX_SHEET: "portal:sheet_version",
                    DocumentKind.GUIDE: "portal:guide_version",
                }
                return reverse(names[DocumentKind(self.kind)], args=[document.slug, self.number])
        return reverse("portal:editorial_revision", args=[self.pk])

    @property
    def document(self) -> Bulletin | ReflexSheet | Guide | None:
        return self.bulletin or self.sheet or self.guide

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class EditorialAction(models.TextChoices):
    CREATED = "created", _("Draft created")
    EDITED = "edited", _("Edited")
    SUBMITTED = "submitted", _("Submitted for review")
    SENT_BACK = "sent_back", _("Sent back to its author")
    PUBLISHED = "published", _("Approved and published")
    DISCARDED = "discarded", _("Draft abandoned")
    WITHDRAWN = "withdrawn", _("Withdrawn from the portal")


@pgtrigger.register(
    pgtrigger.Protect(
        name="editorial_journal_append_only", operation=pgtrigger.Update | pgtrigger.Delete
    )
)
class EditorialEvent(models.Model):
    """The journal of a revision: who did what, when, and why (append-only)."""

    revision = models.ForeignKey(
        Revision, on_delete=models.PROTECT, related_name="journal", verbose_name=_("revision")
    )
    action = models.CharField(_("action"), max_length=16, choices=EditorialAction.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    comment = models.TextField(_("comment"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["at", "pk"]
        verbose_name = _("editorial event")
        verbose_name_plural = _("editorial events")

    def __str__(self) -> str:
        return f"{self.revision_id} {self.action}"
