"""Visibility rules: a user sees their own notifications; e-mails are read by nobody
through the application (the outbox holds case content; operators see it in the admin
as metadata only)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from vigie.core.scoping import Scope, scope_rule
from vigie.notifications.models import Notification, OutgoingEmail


@scope_rule(Notification)
def _notifications(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    if not scope.is_authenticated:
        return qs.none()
    return qs.filter(user_id=scope.user_id)


@scope_rule(OutgoingEmail)
def _emails(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    return qs.none()
