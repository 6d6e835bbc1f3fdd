"""Reads on in-app notifications; each one starts from visible_to(user)."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import F, QuerySet

from vigie.core.scoping import scope_for
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


_UNREAD_SQL: str | None = None


def unread_badge_count(user: Any, cap: int = UNREAD_BADGE_CAP) -> int:
    """The user's unread notifications, counted up to ``cap`` (a LIMIT subquery): a
    figure of ``cap`` means "``cap`` or more".

    Every page's header asks: one fixed statement, written once from the model, instead
    of the ORM compiling the same count on each page. It counts what visible_to shows
    (notifications.scopes: a person's own notifications), from the same scope."""
    scope = scope_for(user)
    if not scope.is_authenticated:
        return 0
    global _UNREAD_SQL
    if _UNREAD_SQL is None:
        meta: Any = Notification._meta
        user_id, read_at = (f'"{meta.get_field(name).column}"' for name in ("user", "read_at"))
        _UNREAD_SQL = (
            f'SELECT COUNT(*) FROM (SELECT 1 FROM "{meta.db_table}" '  # noqa: S608 (identifiers from the model)
            f"WHERE {user_id} = %s AND {read_at} IS NULL LIMIT %s) AS unread"
        )
    with connection.cursor() as cursor:
        cursor.execute(_UNREAD_SQL, [scope.user_id, cap])
        return int(cursor.fetchone()[0])


def notification_get(user: Any, pk: int) -> Notification | None:
    return Notification.objects.visible_to(user).filter(pk=pk).first()
