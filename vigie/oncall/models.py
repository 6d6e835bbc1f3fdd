"""The on-call rota of the FSSI and of the support cell, and who was on call when each
declaration arrived (stored: a later change of the rota does not rewrite history)."""

from __future__ import annotations

from typing import ClassVar

import pghistory
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vigie.core.roles import Role
from vigie.core.scoping import ScopedQuerySet
from vigie.declarations.models import Declaration


class OnCallKind(models.TextChoices):
    # Instruction 2.3.1.1: the FSSI handles urgent requests out of business hours.
    FSSI = "fssi", _("FSSI")
    CELL = "cell", _("Support cell")


# The role a person must hold to be on call for each kind, and to record its rota.
KIND_ROLES: dict[str, str] = {OnCallKind.FSSI: Role.HFDS, OnCallKind.CELL: Role.ACSS_ANALYST}


@pghistory.track()
class OnCallShift(models.Model):
    """One person on call for the FSSI or the cell, from ``starts_at`` to ``ends_at``."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="oncall_shifts",
        verbose_name=_("person on call"),
    )
    kind = models.CharField(_("on call for"), max_length=8, choices=OnCallKind.choices)
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["starts_at", "pk"]
        verbose_name = _("on-call shift")
        verbose_name_plural = _("on-call shifts")
        indexes: ClassVar = [models.Index(fields=["kind", "ends_at", "starts_at"])]
        constraints: ClassVar = [
            models.CheckConstraint(
                name="oncall_shift_ends_after_start",
                condition=models.Q(ends_at__gt=models.F("starts_at")),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.person} {self.starts_at:%Y-%m-%d %H:%M}"


class OnCallAtArrival(models.Model):
    """A person who was on call when ``declaration`` was submitted; ``notified`` when it
    asked for urgent help out of business hours and they were told at once."""

    declaration = models.ForeignKey(
        Declaration,
        on_delete=models.CASCADE,
        related_name="oncall_at_arrival",
        verbose_name=_("declaration"),
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("person on call"),
    )
    kind = models.CharField(_("on call for"), max_length=8, choices=OnCallKind.choices)
    notified = models.BooleanField(_("notified at once"), default=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["kind", "pk"]
        verbose_name = _("person on call at arrival")
        verbose_name_plural = _("people on call at arrival")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["declaration", "person", "kind"], name="oncall_arrival_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.declaration_id} {self.kind} {self.person_id}"
