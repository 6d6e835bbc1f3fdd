"""Queue e-mails and create in-app notifications.

Callers run inside their own transaction: the outbox row commits with the action, and
the worker is asked to send it only once the transaction has committed (Zulip style).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from vigie.notifications.models import Notification, OutgoingEmail

# The worker side: services defer tasks, tasks never import services.
from vigie.notifications.tasks import email_dispatch as email_dispatch
from vigie.notifications.tasks import emails_dispatch as emails_dispatch

if TYPE_CHECKING:  # the user model lives above this app: no import at run time
    from vigie.directory.models import User


def email_build(
    *,
    to: Iterable[str],
    template: str,
    context: Mapping[str, Any],
    topic: str = "",
    purpose: str = "",
    subject: str | None = None,
    body: str | None = None,
) -> OutgoingEmail | None:
    """Render ``template`` (``<template>_subject.txt`` and ``<template>.txt``) into an
    outbox row, not saved yet: the caller writes it in its transaction (several rows at
    once, with vigie.core.batch.insert_together) and hands it to the worker once that
    has committed (``emails_dispatch`` on commit). ``subject``: what ``email_subject``
    gave for this template and context, when several messages share it; ``body``: the
    text of ``<template>.txt`` for this context, when the caller writes it itself.

    Returns None when there is nobody to write to."""
    recipients = sorted({address.strip().lower() for address in to if address and address.strip()})
    if not recipients:
        return None
    if subject is None:
        subject = email_subject(template, context)
    if body is None:
        body = render_to_string(f"{template}.txt", dict(context))
    return OutgoingEmail(
        to=recipients, subject=subject[:255], body=body, topic=topic, purpose=purpose
    )


def email_subject(template: str, context: Mapping[str, Any]) -> str:
    """The subject of ``template`` (``<template>_subject.txt``) on one line."""
    return " ".join(render_to_string(f"{template}_subject.txt", dict(context)).split())


def email_queue(
    *,
    to: Iterable[str],
    template: str,
    context: Mapping[str, Any],
    topic: str = "",
    purpose: str = "",
    dispatch: bool = True,
) -> OutgoingEmail | None:
    """Render ``template`` and queue it (see ``email_build``).

    Returns None when there is nobody to write to. With ``dispatch=False`` the caller
    hands the rows to the worker itself, several at once (``emails_dispatch``).
    """
    email = email_build(to=to, template=template, context=context, topic=topic, purpose=purpose)
    if email is None:
        return None
    email.save()
    if dispatch:
        transaction.on_commit(lambda: email_dispatch(email_id=email.pk))
    return email


def notifications_build(
    *,
    users: Iterable[User] = (),
    user_ids: Iterable[int] = (),
    title: str,
    body: str = "",
    url: str = "",
    topic: str = "",
) -> list[Notification]:
    """One unsaved notice per active user of ``users`` and per id of ``user_ids`` (ids
    of accounts the caller read as active), once each, for the caller to write."""
    unique = dict.fromkeys([*(user.pk for user in users if user.is_active), *user_ids])
    return [
        Notification(user_id=user_id, title=title[:255], body=body, url=url, topic=topic)
        for user_id in unique
    ]


def notification_create(
    *, users: Iterable[User], title: str, body: str = "", url: str = "", topic: str = ""
) -> list[Notification]:
    return Notification.objects.bulk_create(
        notifications_build(users=users, title=title, body=body, url=url, topic=topic)
    )


def notification_mark_read(*, user: User, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications as read (all of them when no ids are given)."""
    qs = Notification.objects.visible_to(user).filter(read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=list(notification_ids))
    return qs.update(read_at=timezone.now())
