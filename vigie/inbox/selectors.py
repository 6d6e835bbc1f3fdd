"""Reads of received messages, always from ``visible_to(user)``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import Q, QuerySet

from vigie.cases.models import Case
from vigie.core.scoping import scope_for
from vigie.core.sql import col, planned_cursor
from vigie.declarations.taken import structures_to_take_for
from vigie.directory.models import Membership, Structure, User
from vigie.inbox.models import (
    InboundMessage,
    Mailbox,
    MailboxState,
    MessageAttachment,
    MessageStatus,
)
from vigie.inbox.scopes import reads_case_in_full


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


def case_messages_of_loaded(user: Any, case: Case) -> list[InboundMessage]:
    """``case_messages`` for a case already read (the case page's), by one fixed statement.

    The rule of a message attached to a case is that its reader reads the case in FULL
    (vigie/inbox/scopes.py: ``message_filter`` and ``reads_case_in_full`` say the same),
    and so is its files' rule: asked here of the loaded case, the statement restates none
    (tests/inbox/test_case_block.py holds both reads equal for every role). The ORM
    compiled the scoped read, its person and its files' prefetch anew on each page; this
    statement is planned once per connection (``planned_cursor``)."""
    if not reads_case_in_full(scope_for(user), case):
        return []
    with planned_cursor() as cursor:
        cursor.execute(_case_messages_sql(), {"case": case.pk})
        rows = cursor.fetchall()
    fields = InboundMessage._meta.concrete_fields
    names = [f.attname for f in fields]
    # What the ORM turns a column into (the refused files' JSON): its fields' converters.
    converters = [(n, f.from_db_value) for n, f in enumerate(fields) if hasattr(f, "from_db_value")]
    width, people = len(fields), len(_PERSON)
    pk = fields.index(InboundMessage._meta.pk)
    messages: list[InboundMessage] = []
    files: list[list[MessageAttachment]] = []
    for row in rows:
        if not messages or messages[-1].pk != row[pk]:
            values = list(row[:width])
            for n, convert in converters:
                if values[n] is not None:
                    values[n] = convert(values[n], None, connection)
            message = InboundMessage.from_db(DEFAULT_DB_ALIAS, names, values)
            if message.handled_by_id is not None:
                message.handled_by = User.from_db(
                    DEFAULT_DB_ALIAS, list(_PERSON), row[width : width + people]
                )
            messages.append(message)
            files.append([])
        file_row = row[width + people :]
        if file_row[0] is not None:
            files[-1].append(MessageAttachment.from_db(DEFAULT_DB_ALIAS, list(_FILE), file_row))
    for message, kept in zip(messages, files, strict=True):
        for attachment in kept:
            attachment.message = message
        # What prefetch_related("attachments") leaves on the message.
        queryset: Any = message.attachments.get_queryset()
        queryset._result_cache = kept
        queryset._prefetch_done = True
        message.__dict__.setdefault("_prefetched_objects_cache", {})["attachments"] = queryset
    return messages


def _shown(model: Any, names: set[str]) -> tuple[str, ...]:
    """The attnames ``names`` in the order of ``model``'s fields (``from_db``'s order)."""
    return tuple(f.attname for f in model._meta.concrete_fields if f.attname in names)


# What the e-mails block shows of the person who sorted a message, and of a file.
_PERSON = _shown(User, {"id", "first_name", "last_name", "email"})
_FILE = _shown(MessageAttachment, {"id", "message_id", "original_name", "size"})
_CASE_MESSAGES_SQL: str | None = None


def _case_messages_sql() -> str:
    """The messages of case %(case)s oldest first, each with who sorted it and one row per
    file kept (in the files' order), written once from the models' metadata."""
    global _CASE_MESSAGES_SQL
    if _CASE_MESSAGES_SQL is None:
        message, user, attachment = InboundMessage._meta, User._meta, MessageAttachment._meta
        columns = ", ".join(
            [
                *(f'm."{f.column}"' for f in message.concrete_fields),
                *(f"u.{col(user, name)}" for name in _PERSON),
                *(f"a.{col(attachment, name)}" for name in _FILE),
            ]
        )
        _CASE_MESSAGES_SQL = f"""
            SELECT {columns}
              FROM "{message.db_table}" m
              LEFT JOIN "{user.db_table}" u ON u.{col(user, "id")} = m.{col(message, "handled_by")}
              LEFT JOIN "{attachment.db_table}" a
                ON a.{col(attachment, "message")} = m.{col(message, "id")}
             WHERE m.{col(message, "case")} = %(case)s
             ORDER BY m.{col(message, "received_at")}, m.{col(message, "id")},
                      a.{col(attachment, "uploaded_at")}, a.{col(attachment, "id")}
        """  # noqa: S608 (identifiers from the models' metadata; every value is bound)
    return _CASE_MESSAGES_SQL


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
