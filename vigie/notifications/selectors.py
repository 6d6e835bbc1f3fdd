"""Reads on in-app notifications; each one starts from visible_to(user)."""

from __future__ import annotations

from typing import Any

from django.db.models import F, QuerySet

from vigie.notifications.models import Notification


def notifications_of(user: Any) -> QuerySet[Notification]:
    """The user's notifications, unread first, newest first."""
    return Notification.objects.visible_to(user).order_by(
        F("read_at").desc(nulls_first=True), "-created_at", "-pk"
    )


def unread_count(user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.visible_to(user).filter(read_at__isnull=True).count()


# The header shows at most "99+": counting further would cost every page a scan that
# grows with the user's backlog, for a figure nobody reads.
UNREAD_BADGE_CAP = 100


def unread_badge_count(user: Any, cap: int = UNREAD_BADGE_CAP) -> int:
    """The user's unread notifications, counted up to ``cap`` (a LIMIT subquery): a
    figure of ``cap`` means "``cap`` or more"."""
    if not getattr(user, "is_authenticated", False):
        return 0
    unread = Notification.objects.visible_to(user).filter(read_at__isnull=True).order_by()
    return unread[:cap].count()


def notification_get(user: Any, pk: int) -> Notification | None:
    return Notification.objects.visible_to(user).filter(pk=pk).first()
