"""Messages fetched from the functional mailboxes (FSSI, support cell) and their files.

A message is stored whole (its raw bytes, outside the web root) before anything else is
done with it, then either attached to the case whose reference it carries or left "to
sort" for the person on call, who attaches it to a case, turns it into a declaration
taken by the cell, or dismisses it with a reason. django-pghistory records every change.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

import pghistory
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vigie.cases.models import Case
from vigie.core.models import StoredUpload
from vigie.core.scoping import ScopedQuerySet
from vigie.declarations.models import Declaration


class Mailbox(models.TextChoices):
    """The functional mailboxes read (keys of settings.VIGIE_MAILBOXES)."""

    FSSI = "fssi", _("FSSI mailbox")
    ACSS = "acss", _("Support cell mailbox")


class MessageStatus(models.TextChoices):
    TO_SORT = "to_sort", _("To sort")
    ATTACHED = "attached", _("Attached to a case")
    DECLARED = "declared", _("Turned into a declaration")
    DISMISSED = "dismissed", _("Dismissed")


def raw_path(instance: InboundMessage, filename: str) -> str:
    return f"inbox/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.eml"


def attachment_path(instance: MessageAttachment, filename: str) -> str:
    # The stored name never reuses the sender's.
    return f"inbox/attachments/{instance.message_id}/{uuid.uuid4().hex}"


@pghistory.track()
class InboundMessage(models.Model):
    mailbox = models.CharField(_("mailbox"), max_length=8, choices=Mailbox.choices)
    # Duplicates (the same Message-ID, or the same bytes without one) are stored once.
    dedupe_key = models.CharField(_("duplicate key"), max_length=80, unique=True)
    message_id = models.CharField(_("Message-ID"), max_length=998, blank=True)
    sender = models.CharField(_("from"), max_length=500, blank=True)
    sender_address = models.CharField(_("sender's address"), max_length=320, blank=True)
    recipients = models.TextField(_("to"), blank=True)
    subject = models.CharField(_("subject"), max_length=998, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)
    body = models.TextField(_("text"), blank=True)
    # Sent as HTML only: ``body`` is its text, tags removed (HTML is never rendered).
    body_from_html = models.BooleanField(_("text taken from HTML"), default=False)
    # An automatic message (out-of-office, Vigie's own e-mails): stored, never notified.
    automatic = models.BooleanField(_("automatic message"), default=False)
    raw = models.FileField(_("original message"), upload_to=raw_path, max_length=255)
    raw_size = models.PositiveBigIntegerField(_("size"), default=0)
    raw_sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    # Why the original cannot be downloaded (the upload checks, as for an .eml file).
    raw_refused = models.TextField(_("original not downloadable"), blank=True)
    # Why the message could not be read (its raw bytes are kept, it waits to be sorted),
    # or why only its headers were kept (too large: left on the server).
    parse_error = models.TextField(_("reading error"), blank=True)
    headers_only = models.BooleanField(_("headers only"), default=False)
    # Files not kept: [{"name": ..., "reason": ...}] (type, size, content).
    refused_attachments = models.JSONField(_("refused attachments"), default=list, blank=True)

    status = models.CharField(
        _("status"),
        max_length=16,
        choices=MessageStatus.choices,
        default=MessageStatus.TO_SORT,
        db_index=True,
    )
    case = models.ForeignKey(
        Case,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inbound_messages",
        verbose_name=_("case"),
    )
    # The reference read in the message when it was attached on arrival.
    matched_reference = models.CharField(_("reference found"), max_length=24, blank=True)
    declaration = models.ForeignKey(
        Declaration,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("declaration"),
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sorted by"),
    )
    handled_at = models.DateTimeField(_("sorted at"), null=True, blank=True)
    dismiss_reason = models.TextField(_("reason for dismissal"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-received_at", "-pk"]
        verbose_name = _("received e-mail")
        verbose_name_plural = _("received e-mails")
        indexes: ClassVar = [
            models.Index(fields=["case", "received_at"], name="inbox_case_received"),
            models.Index(
                fields=["received_at"],
                name="inbox_to_sort",
                condition=models.Q(status="to_sort"),
            ),
        ]

    def __str__(self) -> str:
        return self.subject or str(_("(no subject)"))

    @property
    def is_unreadable(self) -> bool:
        return bool(self.parse_error) and not self.headers_only


class MessageAttachment(StoredUpload):
    """A file joined to a received message, kept only once it passed the upload checks."""

    uploaded_by = None  # type: ignore[assignment]  # it came by e-mail, from nobody in Vigie
    message = models.ForeignKey(
        InboundMessage,
        on_delete=models.CASCADE,
        related_name="attachments",
        verbose_name=_("e-mail"),
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=255)

    class Meta(StoredUpload.Meta):
        verbose_name = _("e-mail attachment")
        verbose_name_plural = _("e-mail attachments")


class MailboxState(models.Model):
    """When the worker last read a mailbox, and its last failure: the person on call
    sees at once that a box is no longer read (a wrong password, a server down)."""

    mailbox = models.CharField(
        _("mailbox"), max_length=8, choices=Mailbox.choices, primary_key=True
    )
    last_success_at = models.DateTimeField(_("last read"), null=True, blank=True)
    last_failure_at = models.DateTimeField(_("last failure"), null=True, blank=True)
    # The server's answer or the kind of error; never a message's content.
    last_error = models.CharField(_("last error"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("mailbox state")
        verbose_name_plural = _("mailbox states")

    def __str__(self) -> str:
        return self.mailbox

    @property
    def failing(self) -> bool:
        return self.last_failure_at is not None and (
            self.last_success_at is None or self.last_failure_at > self.last_success_at
        )
