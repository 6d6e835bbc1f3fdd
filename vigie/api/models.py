"""API tokens: how the national reporting portal (and other clients) authenticate."""

from __future__ import annotations

from typing import ClassVar

import pghistory
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vigie.core.scoping import ScopedQuerySet


# last_used_at moves on every call (at most once a minute): not worth an audit row.
@pghistory.track(exclude=["last_used_at"])
class ApiToken(models.Model):
    """A bearer key acting as ``user``. Only the SHA-256 of the key is stored."""

    name = models.CharField(_("name"), max_length=100)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("user"),
    )
    # The first characters of the key, so a token can be recognised in logs and lists.
    key_prefix = models.CharField(_("key prefix"), max_length=8, db_index=True)
    key_hash = models.CharField(_("key hash (SHA-256)"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class RateWindow(models.Model):
    """Hits of one API client (``key``) in one fixed window: see vigie.api.throttling.

    The table is UNLOGGED (migration 0002): counters are not worth a WAL write, and
    losing them in a crash only resets the limits.
    """

    key = models.CharField(max_length=200)
    window_start = models.BigIntegerField()  # Unix time, a multiple of the duration
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["key", "window_start"], name="api_ratewindow_key")
        ]
        verbose_name = _("API rate window")
        verbose_name_plural = _("API rate windows")

    def __str__(self) -> str:
        return f"{self.key} @ {self.window_start}: {self.hits}"
