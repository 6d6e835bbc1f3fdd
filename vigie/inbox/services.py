"""Writes on received messages. Each function is one transaction; notices leave on commit.

``message_receive`` stores what the worker fetched (vigie/inbox/tasks.py marks it processed
on the server only once this has committed); the others are the person on call's sorting.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from vigie.cases.models import Case, CaseHandler
from vigie.cases.notify import notify, person
from vigie.core.scoping import scope_for
from vigie.declarations.attachments import check_upload, upload_store
from vigie.declarations.models import Declaration, DeclarationSource
from vigie.declarations.taken import declaration_take
from vigie.directory.models import Membership, Role, Structure, User
from vigie.inbox.models import (
    InboundMessage,
    Mailbox,
    MailboxState,
    MessageAttachment,
    MessageStatus,
)
from vigie.inbox.parsing import ParsedMessage, dedupe_key, message_parse, references_in
from vigie.inbox.scopes import may_sort, reads_case_in_full
from vigie.notifications.models import Notification
from vigie.notifications.services import email_queue, notification_create
from vigie.oncall.models import OnCallKind
from vigie.oncall.selectors import oncall_now

TO_SORT_TOPIC = "inbox:to_sort"

# The rota kind whose people answer for each mailbox (vigie/oncall).
MAILBOX_ONCALL = {Mailbox.FSSI: OnCallKind.FSSI, Mailbox.ACSS: OnCallKind.CELL}


def on_call_for(mailbox: str, at: datetime | None = None) -> list[User]:
    """Who is told of a message to sort: the people on call for the mailbox (the FSSI's
    or the cell's rota), else those on call for the other one, else every ACSS analyst
    (somebody always hears of it)."""
    first = MAILBOX_ONCALL[Mailbox(mailbox)]
    for kind in (first, *(other for other in OnCallKind if other != first)):
        people = oncall_now(kind, at)
        if people:
            return people
    memberships = Membership.objects.active().filter(role=Role.ACSS_ANALYST, user__is_active=True)
    return [membership.user for membership in memberships.select_related("user")]


# --- receiving --------------------------------------------------------------------------


def _case_for(parsed: ParsedMessage) -> tuple[Case | None, str]:
    """The case the message is about: the first reference of its subject that names a
    case, else the only case its text names (several: a person decides)."""
    in_subject = references_in(parsed.subject)
    in_body = [ref for ref in references_in(parsed.body) if ref not in in_subject]
    cases = {
        case.reference: case
        for case in Case.objects.filter(reference__in=[*in_subject, *in_body]).select_related(
            "structure", "region", "declaration"
        )
    }
    for reference in in_subject:
        if reference in cases:
            return cases[reference], reference
    named = [reference for reference in in_body if reference in cases]
    if len(named) == 1:
        return cases[named[0]], named[0]
    return None, ""


def _store_attachments(message: InboundMessage, parsed: ParsedMessage) -> None:
    refused: list[dict[str, str]] = []
    kept = 0
    total = 0
    for attachment in parsed.attachments:
        upload = SimpleUploadedFile(attachment.name, attachment.content)
        try:
            if kept >= settings.VIGIE_ATTACHMENT_MAX_COUNT:
                raise ValidationError(
                    _("An e-mail keeps at most %(count)s attachments.")
                    % {"count": settings.VIGIE_ATTACHMENT_MAX_COUNT}
                )
            if total + len(attachment.content) > settings.VIGIE_ATTACHMENT_MAX_TOTAL_BYTES:
                raise ValidationError(_("The attachments of this e-mail exceed the total limit."))
            checked = check_upload(upload, already=0, total_bytes=0)
        except ValidationError as error:
            refused.append({"name": attachment.name[:200], "reason": " ".join(error.messages)})
            continue
        upload_store(MessageAttachment(message=message), upload, checked)
        kept += 1
        total += checked.size
    if refused:
        message.refused_attachments = refused
        message.save(update_fields=["refused_attachments"])


@transaction.atomic
def message_receive(
    *,
    mailbox: str,
    raw: bytes,
    headers_only: bool = False,
    size: int | None = None,
    unreadable: str = "",
) -> tuple[InboundMessage, bool]:
    """Store one fetched message and attach it to its case or queue it to be sorted.
    Returns (message, created): a duplicate (same Message-ID) is not stored again.

    ``headers_only``: the message was too large (``size`` bytes) and only its headers were
    fetched; it is queued with a note that the whole of it stays on the server.
    ``unreadable``: storing it as read failed (why): it is kept raw, to be sorted."""
    Mailbox(mailbox)  # a known mailbox, or ValueError
    parsed = ParsedMessage(error=unreadable) if unreadable else message_parse(raw)
    key = dedupe_key(parsed.message_id, raw)
    existing = InboundMessage.objects.filter(dedupe_key=key).first()
    if existing is not None:
        return existing, False
    message = InboundMessage(
        mailbox=mailbox,
        dedupe_key=key,
        message_id=parsed.message_id,
        sender=parsed.sender,
        sender_address=parsed.sender_address,
        recipients=parsed.recipients,
        subject=parsed.subject,
        sent_at=parsed.sent_at,
        body=parsed.body,
        body_from_html=parsed.body_from_html,
        automatic=parsed.automatic,
        raw_size=size if size is not None else len(raw),
        raw_sha256=hashlib.sha256(raw).hexdigest(),
        parse_error=parsed.error,
        headers_only=headers_only,
    )
    if headers_only:
        with override(settings.LANGUAGE_CODE):
            message.parse_error = _(
                "Too large to be stored (%(size)s bytes): only its headers were kept; the "
                "message itself stays in the mailbox on the server."
            ) % {"size": message.raw_size}
    try:
        check_upload(SimpleUploadedFile("message.eml", raw), already=0, total_bytes=0)
    except ValidationError as error:
        message.raw_refused = " ".join(error.messages)
    message.raw.save("message.eml", ContentFile(raw), save=False)
    stored = message.raw
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:
        # The same message stored at this very moment by another worker.
        stored.delete(save=False)
        return InboundMessage.objects.get(dedupe_key=key), False
    if not parsed.error and not headers_only:
        _store_attachments(message, parsed)
        case, reference = _case_for(parsed)
        if case is not None:
            message.status = MessageStatus.ATTACHED
            message.case = case
            message.matched_reference = reference
            message.save(update_fields=["status", "case", "matched_reference"])
            if not message.automatic:
                _notify_attached(message, case, by=None)
            return message, True
    if not message.automatic:
        _notify_to_sort(message)
    return message, True


def mailbox_state_record(*, mailbox: str, error: str = "") -> MailboxState:
    """Record that ``mailbox`` was just read, or that reading it failed with ``error``."""
    now = timezone.now()
    values: dict[str, Any] = (
        {"last_failure_at": now, "last_error": error[:300]}
        if error
        else {"last_success_at": now, "last_error": ""}
    )
    state, _created = MailboxState.objects.update_or_create(
        mailbox=Mailbox(mailbox), defaults=values
    )
    return state


# --- notices ----------------------------------------------------------------------------


def _notify_attached(message: InboundMessage, case: Case, *, by: User | None) -> None:
    """Those on the case (else the person on call) hear of it, through the audience rule:
    only the people who read the case in full get the sender and subject."""
    users = [
        handler.user for handler in CaseHandler.objects.filter(case=case).select_related("user")
    ]
    if not users:
        users = on_call_for(message.mailbox)
    recipients = [r for user in users if by is None or user.pk != by.pk for r in person(user)]
    notify(
        case,
        purpose="inbox:attached",
        subject=_("E-mail received"),
        message=_(
            "An e-mail from %(sender)s to the %(mailbox)s was added to the case: “%(subject)s”."
        )
        % {
            "sender": message.sender or _("an unknown sender"),
            "mailbox": message.get_mailbox_display(),
            "subject": message.subject or _("(no subject)"),
        },
        to=[r for r in recipients if reads_case_in_full(r.scope, case)],
    )


def _notify_to_sort(message: InboundMessage) -> None:
    """The person on call is told that something waits, once until they read the notice
    (a flood of messages is one notice, not a flood). Nothing of the message leaves by
    e-mail: it is read in Vigie."""
    users = [user for user in on_call_for(message.mailbox) if may_sort(scope_for(user))]
    waiting = set(
        Notification.objects.filter(
            user__in=users, topic=TO_SORT_TOPIC, read_at__isnull=True
        ).values_list("user_id", flat=True)
    )
    fresh = [user for user in users if user.pk not in waiting]
    if not fresh:
        return
    url = reverse("inbox:queue")
    notification_create(
        users=fresh,
        title=_("E-mails to sort"),
        body=_("An e-mail that names no case reached the %(mailbox)s.")
        % {"mailbox": message.get_mailbox_display()},
        url=url,
        topic=TO_SORT_TOPIC,
    )
    email_queue(
        to=[user.email for user in fresh],
        template="inbox/email/to_sort",
        context={"mailbox": message.get_mailbox_display(), "url": settings.SITE_URL + url},
        topic=TO_SORT_TOPIC,
        purpose="inbox:to_sort",
    )


# --- sorting ----------------------------------------------------------------------------


def _locked_to_sort(message: InboundMessage, by: User) -> InboundMessage:
    if not may_sort(scope_for(by)):
        raise PermissionDenied(_("Only the support cell and the HFDS/FSSI sort these e-mails."))
    locked = InboundMessage.objects.select_for_update().get(pk=message.pk)
    if locked.status != MessageStatus.TO_SORT:
        raise ValidationError(_("This e-mail has already been sorted."))
    return locked


def case_for_reference(by: User, reference: str) -> Case:
    """The case ``by`` reads in full under ``reference``. The same answer for a case that
    does not exist and for one ``by`` may not read: the error says nothing of either."""
    found = references_in(reference)
    case = (
        Case.objects.filter(reference=found[0]).select_related("structure").first()
        if found
        else None
    )
    if case is None or not reads_case_in_full(scope_for(by), case):
        raise ValidationError(
            _("No case you may read has the reference “%(reference)s”.")
            % {"reference": reference.strip()[:40]}
        )
    return case


@transaction.atomic
def message_attach(*, message: InboundMessage, case: Case, by: User) -> InboundMessage:
    """Attach a message waiting to be sorted to a case ``by`` reads in full."""
    locked = _locked_to_sort(message, by)
    case = Case.objects.select_related("structure", "region", "declaration").get(pk=case.pk)
    if not reads_case_in_full(scope_for(by), case):
        raise PermissionDenied(_("You cannot read this case."))
    locked.status = MessageStatus.ATTACHED
    locked.case = case
    locked.handled_by = by
    locked.handled_at = timezone.now()
    locked.save(update_fields=["status", "case", "handled_by", "handled_at"])
    _notify_attached(locked, case, by=by)
    return locked


@transaction.atomic
def message_dismiss(*, message: InboundMessage, by: User, reason: str) -> InboundMessage:
    """Set a message aside (spam, off-topic, duplicate...): the reason is kept."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why this e-mail is set aside."))
    locked = _locked_to_sort(message, by)
    locked.status = MessageStatus.DISMISSED
    locked.dismiss_reason = reason
    locked.handled_by = by
    locked.handled_at = timezone.now()
    locked.save(update_fields=["status", "dismiss_reason", "handled_by", "handled_at"])
    return locked


@transaction.atomic
def message_declare(
    *,
    message: InboundMessage,
    structure: Structure,
    by: User,
    values: Mapping[str, Any],
) -> Declaration:
    """Turn a message waiting to be sorted into a declaration taken by the cell for
    ``structure`` (vigie/declarations/taken.py: routed, acknowledged, its case opened),
    and attach the message to that case. One transaction: both happen or neither."""
    _locked_to_sort(message, by)
    declaration = declaration_take(
        structure=structure, by=by, channel=DeclarationSource.EMAIL, values=values
    )
    message_declared(message=message, declaration=declaration, by=by)
    return declaration


@transaction.atomic
def message_declared(
    *, message: InboundMessage, declaration: Declaration, by: User
) -> InboundMessage:
    """The message became ``declaration`` (taken by the cell): it follows its case."""
    locked = _locked_to_sort(message, by)
    locked.status = MessageStatus.DECLARED
    locked.declaration = declaration
    locked.case = Case.objects.filter(declaration=declaration).first()
    locked.handled_by = by
    locked.handled_at = timezone.now()
    locked.save(update_fields=["status", "declaration", "case", "handled_by", "handled_at"])
    return locked
