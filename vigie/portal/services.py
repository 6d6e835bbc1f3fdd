"""Every write of the editorial space: keyword-only, one transaction each, checked
against ``rules.RULES`` on the locked row, journalled (``EditorialEvent``; django-pghistory
records the rows themselves)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from vigie.core.roles import Role
from vigie.core.scoping import scope_for
from vigie.directory.models import User
from vigie.notifications.services import notification_create
from vigie.portal import editorial
from vigie.portal.models import (
    DocumentKind,
    EditorialAction,
    EditorialEvent,
    PublicationState,
    Published,
    Revision,
    RevisionState,
)
from vigie.portal.rules import Action, check

CONFLICT = _(
    "Another analyst changed this draft since you opened it. What you typed is still "
    "below: compare it with the current draft (open it in another tab), then save again."
)


def _event(revision: Revision, by: User, action: str, comment: str = "") -> None:
    EditorialEvent.objects.create(revision=revision, action=action, by=by, comment=comment)


def _lock(revision: Revision, seq: int | None) -> Revision:
    locked = Revision.objects.select_for_update().get(pk=revision.pk)
    if seq is not None and seq != locked.seq:
        raise ValidationError(CONFLICT)
    return locked


def _document(revision: Revision, *, lock: bool = False) -> Published | None:
    spec = editorial.kind_of(revision.kind)
    if spec.model is None or spec.field is None:
        return None
    pk = getattr(revision, f"{spec.field}_id")
    if pk is None:
        return None
    qs = spec.model.objects.select_for_update() if lock else spec.model.objects
    return qs.get(pk=pk)


def _save(revision: Revision, by: User, **changes: Any) -> Revision:
    for name, value in changes.items():
        setattr(revision, name, value)
    revision.seq += 1
    revision.save()
    return revision


def _analysts(exclude: User | None = None) -> list[User]:
    """The ACSS analysts (active roles), to whom reviews are owed."""
    qs = User.objects.filter(
        is_active=True,
        memberships__role=Role.ACSS_ANALYST,
        memberships__revoked_at__isnull=True,
    ).distinct()
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return list(qs)


def _notify(revision: Revision, users: list[User], title: str, body: str = "") -> None:
    notification_create(
        users=users,
        title=title,
        body=body,
        url=reverse("portal:editorial_revision", args=[revision.pk]),
        topic=f"editorial:{revision.pk}",
    )


# --- drafts ---------------------------------------------------------------------------


@transaction.atomic
def revision_create(*, kind: str, by: User, values: dict[str, Any]) -> Revision:
    """The first draft of a new bulletin, reflex sheet or guide (the providers list is
    one document: ``revision_start`` opens its drafts)."""
    check(Action.CREATE, scope_for(by))
    spec = editorial.kind_of(kind)
    if spec.model is None:
        raise ValidationError(_("The providers list already exists: prepare a new version."))
    data = spec.to_data(values)
    if not data.get("title"):
        raise ValidationError({"title": _("Give the document a title.")})
    now = timezone.now()
    revision = Revision.objects.create(
        kind=spec.kind,
        title=data["title"],
        data=data,
        created_by=by,
        created_at=now,
        edited_by=by,
        edited_at=now,
    )
    _event(revision, by, EditorialAction.CREATED)
    return revision


def last_version(kind: str, document: Published | None) -> Revision | None:
    qs = Revision.objects.filter(kind=kind, state=RevisionState.PUBLISHED)
    spec = editorial.kind_of(kind)
    if spec.field is not None:
        qs = qs.filter(**{spec.field: document})
    return qs.order_by("-number").first()


def open_revision(kind: str, document: Published | None) -> Revision | None:
    qs = Revision.objects.filter(
        kind=kind, state__in=[RevisionState.DRAFT, RevisionState.IN_REVIEW]
    )
    spec = editorial.kind_of(kind)
    if spec.field is not None:
        qs = qs.filter(**{spec.field: document})
    return qs.first()


@transaction.atomic
def revision_start(*, kind: str, by: User, document: Published | None = None) -> Revision:
    """A new draft of a published (or withdrawn) document, starting from its last
    version; the public keeps reading that version until the draft is approved."""
    spec = editorial.kind_of(kind)
    if spec.model is not None:
        if document is None:
            raise ValidationError(_("Choose the document to change."))
        document = spec.model.objects.select_for_update().get(pk=document.pk)
    else:
        # The providers list has no row: lock its versions to start one draft at a time.
        list(Revision.objects.select_for_update().filter(kind=kind, state=RevisionState.PUBLISHED))
    check(Action.START, scope_for(by), has_open_draft=open_revision(kind, document) is not None)
    base = last_version(kind, document)
    if base is not None:
        data = dict(base.data)
    elif document is not None:  # a row never published (created in the admin)
        data = spec.from_row(document)
    else:
        data = {"entries": []}
    now = timezone.now()
    try:
        # Two analysts starting the providers list's first draft at once: the database
        # keeps one open draft per document, the second is told to continue it.
        with transaction.atomic():
            revision = Revision.objects.create(
                kind=spec.kind,
                title=data.get("title", "") if spec.model is not None else "",
                data=data,
                based_on=base,
                created_by=by,
                created_at=now,
                edited_by=by,
                edited_at=now,
                **({spec.field: document} if spec.field else {}),
            )
    except IntegrityError as error:
        raise ValidationError(
            _("A draft of this document is already in progress: continue it.")
        ) from error
    _event(revision, by, EditorialAction.CREATED)
    return revision


def _edit(
    revision: Revision,
    by: User,
    seq: int | None,
    change: Callable[[dict[str, Any]], dict[str, Any]],
) -> Revision:
    revision = _lock(revision, seq)
    check(Action.EDIT, scope_for(by), revision=revision)
    data = change(dict(revision.data))
    was_in_review = revision.state == RevisionState.IN_REVIEW
    revision = _save(
        revision,
        by,
        data=data,
        title=data.get("title", revision.title) if revision.kind != DocumentKind.PROVIDERS else "",
        edited_by=by,
        edited_at=timezone.now(),
        # A change made during the review calls for a new review of the whole.
        state=RevisionState.DRAFT,
    )
    _event(
        revision,
        by,
        EditorialAction.EDITED,
        _("Changed during its review: it went back to draft.") if was_in_review else "",
    )
    return revision


@transaction.atomic
def revision_save(
    *, revision: Revision, by: User, values: dict[str, Any], seq: int | None
) -> Revision:
    """Save a draft of a bulletin, reflex sheet or guide."""
    spec = editorial.kind_of(revision.kind)
    if spec.model is None:
        raise ValidationError(_("Edit the providers list entry by entry."))
    data = spec.to_data(values)
    if not data.get("title"):
        raise ValidationError({"title": _("Give the document a title.")})
    return _edit(revision, by, seq, lambda _old: data)


@transaction.atomic
def provider_entry_save(
    *,
    revision: Revision,
    by: User,
    values: dict[str, Any],
    seq: int | None,
    key: str | None = None,
) -> Revision:
    """Add a provider to the draft of the list (``key`` None) or change one."""
    if revision.kind != DocumentKind.PROVIDERS:
        raise ValidationError(_("This draft is not the providers list."))
    entry = editorial.entry_data(values, key)
    if not entry["name"]:
        raise ValidationError({"name": _("Give the provider’s name.")})

    def change(data: dict[str, Any]) -> dict[str, Any]:
        rows = editorial.entries(data)
        if key is None:
            rows.append(entry)
        else:
            if not any(row["key"] == key for row in rows):
                raise ValidationError(_("This provider is no longer in the draft."))
            rows = [entry if row["key"] == key else row for row in rows]
        return {**data, "entries": rows}

    return _edit(revision, by, seq, change)


@transaction.atomic
def provider_entry_remove(*, revision: Revision, by: User, key: str, seq: int | None) -> Revision:
    if revision.kind != DocumentKind.PROVIDERS:
        raise ValidationError(_("This draft is not the providers list."))

    def change(data: dict[str, Any]) -> dict[str, Any]:
        return {**data, "entries": [row for row in editorial.entries(data) if row["key"] != key]}

    return _edit(revision, by, seq, change)


def publication_problems(revision: Revision) -> list[str]:
    """What keeps the draft from being published, in words for the page."""
    spec = editorial.kind_of(revision.kind)
    if spec.model is None:
        return editorial.entry_problems(revision.data)
    missing = spec.problems(revision.data)
    if missing:
        return [_("To complete: %(fields)s.") % {"fields": ", ".join(missing)}]
    return []


@transaction.atomic
def revision_submit(*, revision: Revision, by: User, seq: int | None) -> Revision:
    """Ask another analyst to review the draft."""
    revision = _lock(revision, seq)
    check(Action.SUBMIT, scope_for(by), revision=revision)
    problems = publication_problems(revision)
    if problems:
        raise ValidationError(problems)
    revision = _save(
        revision, by, state=RevisionState.IN_REVIEW, submitted_by=by, submitted_at=timezone.now()
    )
    _event(revision, by, EditorialAction.SUBMITTED)
    _notify(
        revision,
        [user for user in _analysts(exclude=by) if user.pk != revision.edited_by_id],
        _("To review before publication: %(title)s") % {"title": revision},
    )
    return revision


@transaction.atomic
def revision_send_back(*, revision: Revision, by: User, comment: str, seq: int | None) -> Revision:
    """The reviewer returns the draft to its author, saying what must change."""
    revision = _lock(revision, seq)
    check(Action.SEND_BACK, scope_for(by), revision=revision)
    comment = comment.strip()
    if not comment:
        raise ValidationError({"comment": _("Say what the author must change.")})
    revision = _save(revision, by, state=RevisionState.DRAFT, review_comment=comment)
    _event(revision, by, EditorialAction.SENT_BACK, comment)
    authors = [u for u in User.objects.filter(pk=revision.edited_by_id)]
    _notify(
        revision,
        authors,
        _("Sent back for changes: %(title)s") % {"title": revision},
        comment,
    )
    return revision


@transaction.atomic
def revision_publish(*, revision: Revision, by: User, seq: int | None) -> Revision:
    """The reviewer approves: the draft becomes the document's next version, which the
    public reads from now on."""
    revision = _lock(revision, seq)
    check(Action.APPROVE, scope_for(by), revision=revision)
    problems = publication_problems(revision)
    if problems:
        raise ValidationError(problems)
    spec = editorial.kind_of(revision.kind)
    now = timezone.now()
    if spec.model is None:
        previous = last_version(revision.kind, None)
        number = (previous.number or 0) + 1 if previous else 1
        editorial.providers_apply(revision.data)
        changes: dict[str, Any] = {}
    else:
        document = _document(revision, lock=True)
        if document is None:
            document = spec.model(
                slug=editorial.unique_slug(spec.model, revision.data["title"]),
                published_at=now,
            )
        elif document.version == 0:
            # Never published (a draft row from the admin): its first publication.
            document.published_at = now
        number = document.version + 1
        spec.apply(document, revision.data)
        document.state = PublicationState.PUBLISHED
        document.version = number
        document.revised_at = now
        document.save()
        spec.apply_relations(document, revision.data)
        changes = {spec.field: document} if spec.field else {}
    revision = _save(
        revision,
        by,
        state=RevisionState.PUBLISHED,
        number=number,
        reviewed_by=by,
        published_at=now,
        **changes,
    )
    _event(revision, by, EditorialAction.PUBLISHED)
    authors = [u for u in User.objects.filter(pk=revision.edited_by_id)]
    _notify(revision, authors, _("Published: %(title)s") % {"title": revision})
    return revision


@transaction.atomic
def revision_discard(*, revision: Revision, by: User, seq: int | None) -> Revision:
    """Abandon a draft: the public keeps the last version (a new document disappears)."""
    revision = _lock(revision, seq)
    check(Action.DISCARD, scope_for(by), revision=revision)
    revision = _save(revision, by, state=RevisionState.DISCARDED)
    _event(revision, by, EditorialAction.DISCARDED)
    return revision


@transaction.atomic
def document_withdraw(*, kind: str, document: Published, by: User, reason: str) -> Published:
    """Take a document off the portal (its versions stay on record, and the structures
    that were sent one still read it from their case)."""
    spec = editorial.kind_of(kind)
    if spec.model is None:
        raise ValidationError(_("The providers list cannot be withdrawn: publish a new one."))
    document = spec.model.objects.select_for_update().get(pk=document.pk)
    check(Action.WITHDRAW, scope_for(by), document_state=document.state)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for withdrawing the document.")})
    document.state = PublicationState.ARCHIVED
    document.save(update_fields=["state", "updated_at"])
    version = last_version(kind, document)
    if version is not None:
        _event(version, by, EditorialAction.WITHDRAWN, reason)
    return document
