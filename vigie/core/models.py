"""Abstract models shared by several apps (no table of their own)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vigie.core.scoping import ScopedQuerySet


class StoredUpload(models.Model):
    """A file a user uploaded, checked (vigie.declarations.attachments.check_upload) and
    stored outside the web root. Subclasses add the owner and the ``file`` field, whose
    ``upload_to`` never reuses the name the user typed."""

    file: models.FileField
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering: ClassVar = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name
