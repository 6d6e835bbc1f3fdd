"""Writes on the community space. Each function: one transaction; pghistory keeps the
history of every change (moderation included)."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vigie.community.models import Comment, Moderated, Post, Thread
from vigie.community.scopes import is_community_member, is_moderator
from vigie.core.scoping import scope_for, visible_to
from vigie.directory.models import User

# At most this many messages (posts and comments together) per user per minute.
RATE_LIMIT = 5
RATE_WINDOW = timedelta(minutes=1)


def _check_member(by: User) -> None:
    if not is_community_member(scope_for(by)):
        raise PermissionDenied(_("The community space is reserved to structures and staff."))


def _check_moderator(by: User) -> None:
    if not is_moderator(scope_for(by)):
        raise PermissionDenied(_("Only the support cell moderates the community space."))


def _check_rate(by: User) -> None:
    since = timezone.now() - RATE_WINDOW
    recent = (
        Post.objects.filter(author=by, created_at__gte=since).count()
        + Comment.objects.filter(author=by, created_at__gte=since).count()
    )
    if recent >= RATE_LIMIT:
        raise ValidationError(
            _(
                "You are posting too fast: at most %(count)d messages per minute. "
                "Wait a moment, then send your message again."
            )
            % {"count": RATE_LIMIT},
            code="rate_limited",
        )


def _clean_body(body: str) -> str:
    body = body.strip()
    if not body:
        raise ValidationError(_("Write a message."), code="required")
    return body


@transaction.atomic
def thread_create(*, by: User, title: str, body: str) -> Thread:
    _check_member(by)
    title = title.strip()
    if not title:
        raise ValidationError(_("Give the discussion a title."), code="required")
    body = _clean_body(body)
    _check_rate(by)
    now = timezone.now()
    thread = Thread.objects.create(title=title, author=by, created_at=now, last_post_at=now)
    Post.objects.create(thread=thread, author=by, body=body, created_at=now)
    return thread


@transaction.atomic
def post_create(*, thread: Thread, by: User, body: str) -> Post:
    _check_member(by)
    thread = Thread.objects.select_for_update().get(pk=thread.pk)
    if thread.is_locked:
        raise ValidationError(_("This discussion is locked: no new reply is possible."))
    body = _clean_body(body)
    _check_rate(by)
    now = timezone.now()
    post = Post.objects.create(thread=thread, author=by, body=body, created_at=now)
    thread.last_post_at = now
    thread.save(update_fields=["last_post_at"])
    return post


def _is_published(document: models.Model) -> bool:
    """A document may be commented once published (portal models say it their own way)."""
    for flag in ("is_published",):
        value = getattr(document, flag, None)
        if value is not None:
            return bool(value)
    if hasattr(document, "published_at"):
        published_at = document.published_at
        return published_at is not None and published_at <= timezone.now()
    status = getattr(document, "status", None)
    if status is not None:
        return str(status) == "published"
    return False


@transaction.atomic
def comment_create(*, document: models.Model, by: User, body: str) -> Comment:
    """Comment on a published document the user may read."""
    _check_member(by)
    model = type(document)
    if not visible_to(
        model._default_manager.filter(pk=document.pk), by
    ).exists() or not _is_published(document):
        raise ValidationError(_("Only published documents can be commented."))
    body = _clean_body(body)
    _check_rate(by)
    return Comment.objects.create(document=document, author=by, body=body)


def _hide(item: Moderated, *, by: User, reason: str) -> None:
    _check_moderator(by)
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Give the reason for hiding this message."), code="required")
    item.hidden_at = timezone.now()
    item.hidden_by = by
    item.hidden_reason = reason
    item.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])


def _restore(item: Moderated, *, by: User) -> None:
    _check_moderator(by)
    item.hidden_at = None
    item.hidden_by = None
    item.hidden_reason = ""
    item.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])


@transaction.atomic
def post_hide(*, post: Post, by: User, reason: str) -> Post:
    _hide(post, by=by, reason=reason)
    return post


@transaction.atomic
def post_restore(*, post: Post, by: User) -> Post:
    _restore(post, by=by)
    return post


@transaction.atomic
def comment_hide(*, comment: Comment, by: User, reason: str) -> Comment:
    _hide(comment, by=by, reason=reason)
    return comment


@transaction.atomic
def comment_restore(*, comment: Comment, by: User) -> Comment:
    _restore(comment, by=by)
    return comment


@transaction.atomic
def thread_lock(*, thread: Thread, by: User, reason: str = "") -> Thread:
    _check_moderator(by)
    thread.locked_at = timezone.now()
    thread.locked_by = by
    thread.lock_reason = reason.strip()
    thread.save(update_fields=["locked_at", "locked_by", "lock_reason"])
    return thread


@transaction.atomic
def thread_unlock(*, thread: Thread, by: User) -> Thread:
    _check_moderator(by)
    thread.locked_at = None
    thread.locked_by = None
    thread.lock_reason = ""
    thread.save(update_fields=["locked_at", "locked_by", "lock_reason"])
    return thread
