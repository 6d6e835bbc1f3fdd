"""Phases 2–5: the case (dossier de traitement) opened for each submitted declaration."""

from __future__ import annotations

from typing import ClassVar

import pghistory
import pgtrigger
from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vigie.core.scoping import ScopedQuerySet
from vigie.declarations.models import Declaration, IncidentType, TriState
from vigie.directory.models import Region, Structure, StructureKind


class CaseStatus(models.TextChoices):
    AWAITING_QUALIFICATION = "awaiting_qualification", _("Awaiting qualification")
    TO_PROCESS = "to_process", _("To process")
    TO_CLOSE = "to_close", _("To close")
    CLOSED = "closed", _("Closed")


class Criticity(models.TextChoices):
    """Article D1111-16-2 of the public health code."""

    NOT_INCIDENT = "not_incident", _("Not a security incident")
    SERIOUS = "serious", _("Serious")
    SIGNIFICANT = "significant", _("Significant")


class Outcome(models.TextChoices):
    B1 = "b1", _("B1 — not a security incident: inform the declarant and close")
    B2 = "b2", _("B2 — serious or significant incident: inform the HFDS")
    B3 = "b3", _("B3 — possible sanitary impact: alert the DGS and the FSSI")


class SupportMode(models.TextChoices):
    CELL = "cell", _("Entrusted to the support cell")
    SHARED = "shared", _("Partly delegated to the support cell")
    ARS = "ars", _("Taken entirely by the ARS")


class StructureOpinion(models.TextChoices):
    VERY_USEFUL = "very_useful", _("Very useful")
    USEFUL = "useful", _("Useful")
    LITTLE_USEFUL = "little_useful", _("Of little use")
    NOT_USEFUL = "not_useful", _("Not useful")


# Urgent: help needed now, or care affected (actual impact, patients transferred, plan
# blanc). Such cases stand out and come first in open queues; an index holds it.
URGENT_EXPRESSION = models.ExpressionWrapper(
    models.Q(care_affected=True) | models.Q(urgent_help=True),
    output_field=models.BooleanField(),
)


class CaseQuerySet(ScopedQuerySet["Case"]):
    def open(self) -> CaseQuerySet:
        return self.exclude(status=CaseStatus.CLOSED)

    def overdue(self, now: object = None) -> CaseQuerySet:
        """Cases in support whose weekly update to the ARS is late."""
        return self.filter(
            status=CaseStatus.TO_PROCESS, ars_update_due_at__lt=now or timezone.now()
        )


@pghistory.track()
class Case(models.Model):
    declaration = models.OneToOneField(
        Declaration, on_delete=models.PROTECT, related_name="case", verbose_name=_("declaration")
    )
    reference = models.CharField(_("reference"), max_length=20, unique=True)
    # Copied from the declaration so that queues and visibility need no join.
    structure = models.ForeignKey(
        Structure, on_delete=models.PROTECT, related_name="cases", verbose_name=_("structure")
    )
    # The region whose ARS was competent when the case was opened (the structure's).
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="cases", verbose_name=_("region")
    )
    is_military = models.BooleanField(_("military hospital"), default=False)
    # The structure's type when the case was opened, like the region (the statistics
    # count cases by type without reading every structure).
    structure_kind = models.CharField(
        _("structure type"), max_length=32, choices=StructureKind.choices, blank=True
    )
    care_affected = models.BooleanField(_("consequences on care"), default=False)
    # The declaration's "urgent help needed now", copied (and followed when the declaration
    # is completed) so that the queues find the urgent open cases from an index.
    urgent_help = models.BooleanField(_("urgent help needed now"), default=False)
    involves_health_products = models.BooleanField(_("health products involved"), default=False)

    status = models.CharField(
        _("status"),
        max_length=32,
        choices=CaseStatus.choices,
        default=CaseStatus.AWAITING_QUALIFICATION,
        db_index=True,
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    # The declaration's detection time, copied at opening and when the declaration is
    # completed (like care_affected and urgent_help): the action plan's incidents of the
    # year read a region's cases by one index, without a declaration per case.
    detected_at = models.DateTimeField(_("detected at"), null=True, blank=True)
    # The declaration's submission time, incident type and malicious origin, copied the
    # same way: the statistics count a year of cases (100 000 at full size) without
    # probing a declaration per case.
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    incident_type = models.ForeignKey(
        IncidentType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("incident type"),
        # No index of its own: nothing reads cases by type alone, and a type is deleted
        # (PROTECT's check) about never.
        db_index=False,
    )
    malicious = models.CharField(
        _("malicious origin"), max_length=8, choices=TriState.choices, blank=True
    )
    # Qualification (phase 3).
    criticity = models.CharField(
        _("criticity"), max_length=16, choices=Criticity.choices, blank=True
    )
    outcomes = ArrayField(
        models.CharField(max_length=4, choices=Outcome.choices),
        verbose_name=_("outcomes"),
        default=list,
        blank=True,
    )
    qualification_note = models.TextField(_("qualification rationale"), blank=True)
    qualified_at = models.DateTimeField(_("qualified at"), null=True, blank=True)
    qualified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("qualified by"),
    )
    # Support (phase 4 / 4 bis).
    support_mode = models.CharField(
        _("support mode"), max_length=8, choices=SupportMode.choices, blank=True
    )
    piloted_by_hfds = models.BooleanField(_("piloted by the HFDS (phase 4 bis)"), default=False)
    crisis_mode = models.BooleanField(_("crisis mode"), default=False)
    shared_with_cell = models.BooleanField(
        _("shared with the support cell by the defence chain"), default=False
    )
    last_ars_update_at = models.DateTimeField(_("last update to the ARS"), null=True, blank=True)
    ars_update_due_at = models.DateTimeField(
        _("next update to the ARS due"), null=True, blank=True, db_index=True
    )
    last_reminder_at = models.DateTimeField(_("last reminder"), null=True, blank=True)
    support_ended_at = models.DateTimeField(_("support ended at"), null=True, blank=True)
    # Closure (phase 5).
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    closure_synthesis = models.TextField(_("synthesis of actions and results"), blank=True)
    residual_vulnerabilities = models.TextField(_("residual vulnerabilities"), blank=True)
    residual_risks = models.TextField(_("residual risks"), blank=True)
    structure_opinion = models.CharField(
        _("structure's opinion of the help received"),
        max_length=16,
        choices=StructureOpinion.choices,
        blank=True,
    )
    structure_opinion_comment = models.TextField(_("structure's comment"), blank=True)

    # Optimistic concurrency: every write checks and increments it.
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-opened_at"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes: ClassVar = [
            models.Index(fields=["structure", "status"]),
            # A structure's cases newest first (its queue; its incidents of the year in
            # the action plan's figures, probed structure by structure).
            models.Index(fields=["structure", "opened_at", "id"], name="case_structure_opened"),
            # The national roles that read a few cases (DGS: B3, ANSM: health products,
            # defence chain: military hospitals) find theirs without reading the others'.
            models.Index(
                fields=["status", "opened_at", "id"],
                condition=models.Q(outcomes__contains=["b3"]),
                name="case_b3_status",
            ),
            models.Index(
                fields=["status", "opened_at", "id"],
                condition=models.Q(involves_health_products=True),
                name="case_health_products_status",
            ),
            models.Index(
                fields=["status", "opened_at", "id"],
                condition=models.Q(is_military=True),
                name="case_military_status",
            ),
            # A status newest first (the closed tab, past the open cases).
            models.Index(fields=["status", "opened_at", "id"], name="case_status_opened"),
            # The queue: newest first, over every case or over the open ones only (a
            # few thousand among a million closed: counted and paged from this index).
            models.Index(fields=["-opened_at", "-id"], name="case_newest"),
            # A region's cases over a period (statistics, regional queues).
            # (With what the action plan's incidents of the year read: an index-only scan.)
            models.Index(
                fields=["region", "opened_at"],
                include=["structure", "is_military", "care_affected", "detected_at"],
                name="case_region_opened_cover",
            ),
            models.Index(
                fields=["-opened_at", "-id"],
                condition=~models.Q(status="closed"),
                name="case_open_newest",
            ),
            # Counted by status up to the queue's cap, with what the national scopes test
            # (from the index alone).
            models.Index(
                fields=["status"],
                include=["is_military", "shared_with_cell"],
                condition=~models.Q(status="closed"),
                name="case_open_status",
            ),
            # The same with the structure and the id: an open tab's count under a search
            # whose structures are hashed (selectors._search) reads the index alone, not
            # each open case's row (issue 18).
            models.Index(
                fields=["status"],
                include=["structure_id", "is_military", "shared_with_cell", "id"],
                condition=~models.Q(status="closed"),
                name="case_open_status_search",
            ),
            # The open queues' default orders, urgent cases first (selectors.URGENT_FIRST):
            # national readers newest first; an ARS desk by its region, the most pressing
            # weekly update first. Pages are read from the index whatever the number of
            # open cases.
            models.Index(
                URGENT_EXPRESSION.desc(),
                models.F("opened_at").desc(),
                models.F("id").desc(),
                condition=~models.Q(status="closed"),
                name="case_open_urgent_newest",
            ),
            models.Index(
                models.F("region"),
                URGENT_EXPRESSION.desc(),
                models.F("ars_update_due_at").asc(nulls_last=True),
                models.F("opened_at").desc(),
                models.F("id").desc(),
                condition=~models.Q(status="closed"),
                name="case_open_region_desk",
            ),
            # A region's open cases counted by status (up to the queue's cap), with what
            # the ARS scope tests.
            models.Index(
                fields=["region", "status"],
                include=["is_military", "care_affected"],
                condition=~models.Q(status="closed"),
                name="case_open_region_status",
            ),
            # An ARS desk's other tabs (closed, all): the same order without urgency.
            models.Index(
                models.F("region"),
                models.F("ars_update_due_at").asc(nulls_last=True),
                models.F("opened_at").desc(),
                models.F("id").desc(),
                name="case_region_desk",
            ),
            # The queue's search: a substring of the reference, in any case (icontains
            # compares UPPER(reference)), found from trigrams rather than every case.
            GinIndex(OpClass(Upper("reference"), name="gin_trgm_ops"), name="case_reference_trgm"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_significant(self) -> bool:
        return self.criticity == Criticity.SIGNIFICANT

    @property
    def is_closed(self) -> bool:
        return self.status == CaseStatus.CLOSED

    @property
    def is_overdue(self) -> bool:
        return (
            self.status == CaseStatus.TO_PROCESS
            and self.ars_update_due_at is not None
            and self.ars_update_due_at < timezone.now()
        )


class EventKind(models.TextChoices):
    OPENED = "opened", _("Case opened")
    TRANSITION = "transition", _("Status changed")
    QUALIFIED = "qualified", _("Qualified")
    QUESTION = "question", _("Question to the declarant")
    ANSWER = "answer", _("Answer from the declarant")
    EVIDENCE = "evidence", _("Request to preserve evidence")
    SUPPORT_MODE = "support_mode", _("Support mode chosen")
    TRACKING = "tracking", _("Tracking sheet entry")
    ARS_UPDATE = "ars_update", _("Progress reported to the ARS")
    SIGNIFICANT = "significant", _("Switched to significant (phase 4 bis)")
    CRISIS = "crisis", _("Crisis mode")
    SHARED = "shared", _("Shared with the support cell")
    AGREEMENT = "agreement", _("Agreement to close")
    CLOSED = "closed", _("Closure report")
    REMINDER = "reminder", _("Reminder sent")
    REGION = "region", _("Transferred to another region")
    OBLIGATION = "obligation", _("Notification recorded as made")
    TAKEN = "taken", _("Taken in charge")
    DECLARATION = "declaration", _("Declaration completed or corrected")
    CONFIRMED = "confirmed", _("Declaration confirmed by the structure")
    RELEASED = "released", _("No longer in charge")


@pgtrigger.register(
    pgtrigger.Protect(name="timeline_append_only", operation=pgtrigger.Update | pgtrigger.Delete)
)
class TimelineEvent(models.Model):
    """The append-only timeline of a case: who did what, when, from which state to which."""

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="timeline", verbose_name=_("case")
    )
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=EventKind.choices)
    from_status = models.CharField(_("from"), max_length=32, choices=CaseStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=32, choices=CaseStatus.choices, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["at", "pk"]
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


@pghistory.track()
class Question(models.Model):
    """A question to the declarant (or a request to preserve evidence) and its answer."""

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="questions", verbose_name=_("case")
    )
    text = models.TextField(_("question"))
    preserve_evidence = models.BooleanField(_("request to preserve evidence"), default=False)
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("asked by"),
    )
    asked_at = models.DateTimeField(_("asked at"), default=timezone.now)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["asked_at", "pk"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return self.text[:60]


class TrackingKind(models.TextChoices):
    ANALYSIS = "analysis", _("Cause analysis")
    INFORMATION_REQUEST = "information", _("Information requested")
    CONTAINMENT = "containment", _("Emergency measure recommended: containment")
    ISOLATION = "isolation", _("Emergency measure recommended: isolation")
    COMMUNICATION = "communication", _("Emergency measure recommended: targeted communication")
    REFLEX_SHEET = "reflex_sheet", _("Reflex sheet sent")
    PROVIDERS = "providers", _("Referenced providers list sent")
    STRUCTURE_ACTION = "structure_action", _("Action done by the structure")
    PUBLIC_COMMUNICATION = "public_communication", _("Public communication")
    RECOMMENDATION = "recommendation", _("Recommendation of the DGS (sanitary impact)")
    PALLIATIVE = "palliative", _("Palliative measure recommended by the DGS")
    NOTE = "note", _("Note")


@pghistory.track()
class TrackingEntry(models.Model):
    """A line of the tracking sheet (fiche de suivi)."""

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="tracking", verbose_name=_("case")
    )
    kind = models.CharField(_("kind"), max_length=24, choices=TrackingKind.choices)
    text = models.TextField(_("details"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    # The document sent (the exact version of a reflex sheet or of the providers list),
    # from a higher app: vigie/cases/documents.py.
    document_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    document_id = models.PositiveBigIntegerField(null=True, blank=True)
    document = GenericForeignKey("document_type", "document_id")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["at", "pk"]
        verbose_name = _("tracking sheet entry")
        verbose_name_plural = _("tracking sheet entries")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text[:40]}"


class Party(models.TextChoices):
    CELL = "cell", _("Support cell")
    ARS = "ars", _("ARS")
    HFDS = "hfds", _("HFDS/FSSI")
    DEFENCE = "defence", _("Defence chain")
    STRUCTURE = "structure", _("Structure")


@pghistory.track()
class ClosureAgreement(models.Model):
    """One party's agreement that support has ended."""

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="agreements", verbose_name=_("case")
    )
    party = models.CharField(_("party"), max_length=16, choices=Party.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    comment = models.TextField(_("comment"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["at", "pk"]
        verbose_name = _("closure agreement")
        verbose_name_plural = _("closure agreements")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["case", "party"], name="one_agreement_per_party")
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.party}"


@pghistory.track()
class CaseHandler(models.Model):
    """Who is on the case for one party (the cell, the ARS, the HFDS, the defence chain):
    the person the others call, shown in the case's header."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="handlers", verbose_name=_("case")
    )
    party = models.CharField(_("party"), max_length=16, choices=Party.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="cases_handled",
        verbose_name=_("handled by"),
    )
    since = models.DateTimeField(_("since"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["party"]
        verbose_name = _("case handler")
        verbose_name_plural = _("case handlers")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["case", "party"], name="one_handler_per_party")
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.party}"
