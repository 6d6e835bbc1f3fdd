"""Reads of received messages, always from ``visible_to(user)``."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from vigie.cases.models import Case
from vigie.inbox.models import InboundMessage, MessageAttachment, MessageStatus


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
