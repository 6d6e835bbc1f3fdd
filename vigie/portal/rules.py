"""Who may do what in the editorial space: the one table the pages (which buttons to
show), the views (403) and the services (checked again on the locked row) all read.

The instruction makes the portal the cell's work: "la Cellule ACSS met à disposition des
structures des fiches réflexes sur son portail", "elle communiquera une liste de
prestataires" (annex 1, phase 4). ACSS analysts therefore write, review and publish, a
revision being approved by another analyst than its last author (four eyes). The
HFDS/FSSI reads the editorial space (drafts, reviews, versions) as it reads the drafts of
the portal: it pilots the alerts the cell relays and the communication on significant
incidents, so it should know what is about to be published; the texts give it no part in
writing or approving the portal's documents, so it neither writes nor approves.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from vigie.core.roles import Role
from vigie.core.scoping import Scope
from vigie.portal.models import PublicationState, RevisionState

if TYPE_CHECKING:
    from vigie.portal.models import Revision

WRITERS = frozenset({Role.ACSS_ANALYST.value})
READERS = frozenset({Role.ACSS_ANALYST.value, Role.HFDS.value})


class Action(StrEnum):
    READ = "read"  # the editorial pages, drafts and versions included
    CREATE = "create"  # a new document (its first draft)
    START = "start"  # a new draft of a document, from its last version
    EDIT = "edit"  # change a draft (a draft in review goes back to draft)
    SUBMIT = "submit"  # ask another analyst to review
    APPROVE = "approve"  # publish: the draft becomes the next version
    SEND_BACK = "send_back"  # return the draft to its author with a comment
    DISCARD = "discard"  # abandon the draft
    WITHDRAW = "withdraw"  # take a published document off the portal


@dataclass(frozen=True)
class Rule:
    roles: frozenset[str]
    # The states of the revision acted on (None: the action takes no revision).
    revision_states: frozenset[str] | None = None
    # The states of the document acted on (None: whatever its state).
    document_states: frozenset[str] | None = None
    # The person must not be the revision's last author.
    four_eyes: bool = False
    # The document must have no draft in progress.
    no_open_draft: bool = False


OPEN = frozenset({RevisionState.DRAFT.value, RevisionState.IN_REVIEW.value})

RULES: dict[Action, Rule] = {
    Action.READ: Rule(READERS),
    Action.CREATE: Rule(WRITERS),
    Action.START: Rule(WRITERS, no_open_draft=True),
    Action.EDIT: Rule(WRITERS, revision_states=OPEN),
    Action.SUBMIT: Rule(WRITERS, revision_states=frozenset({RevisionState.DRAFT.value})),
    Action.APPROVE: Rule(
        WRITERS, revision_states=frozenset({RevisionState.IN_REVIEW.value}), four_eyes=True
    ),
    Action.SEND_BACK: Rule(
        WRITERS, revision_states=frozenset({RevisionState.IN_REVIEW.value}), four_eyes=True
    ),
    Action.DISCARD: Rule(WRITERS, revision_states=OPEN),
    Action.WITHDRAW: Rule(WRITERS, document_states=frozenset({PublicationState.PUBLISHED.value})),
}


@dataclass(frozen=True)
class Refusal:
    message: Promise | str
    # True: this person may never do it (403); False: not now (a message on the page).
    forbidden: bool


NOT_YOURS = _("Only the ACSS analysts write and publish the portal’s documents.")
STATE_MESSAGES: dict[Action, Promise] = {
    Action.EDIT: _("This version is published: prepare a new version to change it."),
    Action.SUBMIT: _("This draft is already submitted for review."),
    Action.APPROVE: _("Only a draft submitted for review can be approved."),
    Action.SEND_BACK: _("Only a draft submitted for review can be sent back."),
    Action.DISCARD: _("Only a draft in progress can be abandoned."),
}


def refusal(
    action: Action,
    scope: Scope,
    *,
    revision: Revision | None = None,
    document_state: str | None = None,
    has_open_draft: bool = False,
) -> Refusal | None:
    """Why ``scope`` may not take ``action`` now (None: it may)."""
    rule = RULES[action]
    if not scope.has(*rule.roles):
        return Refusal(NOT_YOURS, forbidden=True)
    if rule.revision_states is not None and (
        revision is None or revision.state not in rule.revision_states
    ):
        return Refusal(STATE_MESSAGES[action], forbidden=False)
    if rule.document_states is not None and document_state not in rule.document_states:
        return Refusal(_("Only a published document can be withdrawn."), forbidden=False)
    if rule.no_open_draft and has_open_draft:
        return Refusal(
            _("A draft of this document is already in progress: continue it."), forbidden=False
        )
    if rule.four_eyes and revision is not None and revision.edited_by_id == scope.user_id:
        return Refusal(
            _(
                "You wrote the last changes of this draft: another analyst must review it "
                "(four-eyes principle)."
            ),
            forbidden=False,
        )
    return None


def allowed(action: Action, scope: Scope, **context: object) -> bool:
    return refusal(action, scope, **context) is None  # type: ignore[arg-type]


def check(action: Action, scope: Scope, **context: object) -> None:
    """Raise unless allowed: PermissionDenied for the wrong person, ValidationError
    (shown on the page) for the right person at the wrong time."""
    refused = refusal(action, scope, **context)  # type: ignore[arg-type]
    if refused is None:
        return
    if refused.forbidden:
        raise PermissionDenied(str(refused.message))
    raise ValidationError(str(refused.message))


def revision_actions(scope: Scope, revision: Revision) -> frozenset[Action]:
    """What ``scope`` may do with ``revision`` now: the buttons its page shows."""
    return frozenset(
        action
        for action in (
            Action.EDIT,
            Action.SUBMIT,
            Action.APPROVE,
            Action.SEND_BACK,
            Action.DISCARD,
        )
        if refusal(action, scope, revision=revision) is None
    )
