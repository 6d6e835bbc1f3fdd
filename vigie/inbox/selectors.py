"""Reads of received messages, always from ``visible_to(user)``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet

from vigie.cases.models import Case
from vigie.declarations.taken import structures_to_take_for
from vigie.directory.models import Membership, Structure
from vigie.inbox.models import (
    InboundMessage,
    Mailbox,
    MailboxState,
    MessageAttachment,
    MessageStatus,
)


def messages_visible(user: Any) -> QuerySet[InboundMessage]:
    return InboundMessage.objects.visible_to(user)


def messages_to_sort(user: Any) -> QuerySet[InboundMessage]:
    """The "à trier" queue, oldest first: the first to arrive is the first to sort."""
    return (
        messages_visible(user)
        .filter(status=MessageStatus.TO_SORT)
        .prefetch_related("attachments")
        .order_by("received_at", "pk")
    )


def messages_sorted(user: Any) -> QuerySet[InboundMessage]:
    """Messages a person sorted (attached, declared, set aside), newest first."""
    return (
        messages_visible(user)
        .exclude(status=MessageStatus.TO_SORT)
        .filter(handled_at__isnull=False)
        .select_related("case", "handled_by")
        .order_by("-handled_at", "-pk")
    )


def mailbox_states(user: Any) -> list[dict[str, Any]]:
    """Each configured mailbox, with when it was last read (for the person on call)."""
    states = {state.mailbox: state for state in MailboxState.objects.visible_to(user)}
    return [
        {"label": Mailbox(box).label, "state": states.get(box)}
        for box in settings.VIGIE_INBOXES
        if box in Mailbox.values
    ]


def message_get(user: Any, pk: int) -> InboundMessage | None:
    return (
        messages_visible(user)
        .select_related("case__structure", "handled_by", "declaration")
        .filter(pk=pk)
        .first()
    )


def case_messages(user: Any, case: Case) -> list[InboundMessage]:
    """The messages of a case ``user`` may read, oldest first (a thread reads down)."""
    return list(
        messages_visible(user)
        .filter(case=case)
        .select_related("handled_by")
        .prefetch_related("attachments")
        .order_by("received_at", "pk")
    )


def attachment_get(user: Any, message_pk: int, pk: int) -> MessageAttachment | None:
    return MessageAttachment.objects.visible_to(user).filter(message_id=message_pk, pk=pk).first()


def structures_of_sender(user: Any, message: InboundMessage, limit: int = 10) -> list[Structure]:
    """The structures ``user`` may record a declaration for whose SSI mailbox, or one of
    whose people, writes from the sender's domain (public webmail domains excepted)."""
    domain = message.sender_address.rpartition("@")[2].lower()
    if not domain or domain in WEBMAIL:
        return []
    people = Membership.objects.active().filter(
        user__email__iendswith="@" + domain, structure__isnull=False
    )
    return list(
        structures_to_take_for(user)
        .filter(
            Q(ssi_mailbox__iendswith="@" + domain)
            | Q(pk__in=people.values("structure_id"))
            | Q(director__email__iendswith="@" + domain)
        )
        .distinct()[:limit]
    )


# Addresses anybody can have: they say nothing of the structure.
WEBMAIL = frozenset(
    {
        "gmail.com", "yahoo.fr", "yahoo.com", "hotmail.fr", "hotmail.com", "outlook.fr",
        "outlook.com", "live.fr", "orange.fr", "wanadoo.fr", "free.fr", "sfr.fr",
        "laposte.net", "icloud.com", "protonmail.com", "proton.me",
    }
)  # fmt: skip
