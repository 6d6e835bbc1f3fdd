"""Who hears about what happens on a case, and how much: the one audience rule.

Every notification and e-mail built from a case goes through ``notify``. Its recipients
are people (their scope is computed from their memberships) and functional mailboxes
(given the scope of the people who read them). For each recipient, ``case_level`` (the
same rules as reads, vigie/cases/scopes.py) decides what it may receive:

- FULL: the message as written;
- SUMMARY: the event's subject and a generic line, never the free text (the ARS of a
  military hospital whose care is affected);
- NOTICE or NONE: nothing (the ARS of a military hospital whose care is not affected
  got the notice of existence at declaration, and nothing more, ever).

Text derived from other cases is never written into a message: callers pass the ids,
and each recipient gets only the references it may read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from vigie.cases.models import Case, Criticity, Outcome
from vigie.cases.scopes import Level, case_level, case_readable
from vigie.core.scoping import Scope, role_scope, scope_for
from vigie.directory.models import Membership, Role, User
from vigie.notifications.services import email_queue, notification_create

# The national functional mailboxes (settings.VIGIE_MAILBOXES) and the role whose
# people read each one: its recipients get that role's scope.
MAILBOX_ROLES = {
    "acss": Role.ACSS_ANALYST,
    "fssi": Role.HFDS,
    "dgs": Role.DGS,
    "ansm": Role.ANSM,
    "defence": Role.DEFENCE,
}


@dataclass(frozen=True)
class Recipient:
    """A person (``user``) or a functional mailbox (``address``), with what it may see."""

    scope: Scope
    user: User | None = None
    address: str = ""


def case_url(case: Case) -> str:
    return settings.SITE_URL + reverse("cases:detail", args=[case.pk])


def users_with(role: str, **target: Any) -> list[User]:
    memberships = Membership.objects.active().filter(role=role, **target).select_related("user")
    return [m.user for m in memberships]


# --- audiences --------------------------------------------------------------------------


def people(users: Iterable[User]) -> list[Recipient]:
    return [Recipient(scope_for(user), user=user) for user in users]


def national(box: str) -> list[Recipient]:
    """The people of a national role and its functional mailbox ``box``."""
    role = MAILBOX_ROLES[box]
    return [
        *people(users_with(role)),
        Recipient(role_scope(role), address=settings.VIGIE_MAILBOXES[box]),
    ]


def ars_officers(case: Case) -> list[User]:
    return users_with(Role.ARS_OFFICER, region_id=case.region_id)


def ars(case: Case) -> list[Recipient]:
    """The officers and the SSI mailbox of the ARS of the case's region."""
    scope = role_scope(Role.ARS_OFFICER, region_id=case.region_id)
    return [*people(ars_officers(case)), Recipient(scope, address=case.region.ssi_mailbox)]


def structure_users(case: Case) -> list[User]:
    users = users_with(Role.DECLARANT, structure_id=case.structure_id)
    if case.structure.director is not None:
        users.append(case.structure.director)
    return users


def structure(case: Case, *, mailboxes: bool = True) -> list[Recipient]:
    """The structure's declarants and director, and (by default) the declarant's e-mail
    and the structure's SSI mailbox."""
    recipients = people(structure_users(case))
    if mailboxes:
        scope = role_scope(Role.DECLARANT, structure_id=case.structure_id)
        for address in (case.declaration.declarant_email, case.structure.ssi_mailbox):
            recipients.append(Recipient(scope, address=address))
    return recipients


def person(user: User) -> list[Recipient]:
    """One person, in-app and by e-mail."""
    scope = scope_for(user)
    return [Recipient(scope, user=user), Recipient(scope, address=user.email)]


# --- the rule ---------------------------------------------------------------------------


def _related(case_ids: Iterable[int]) -> list[Case]:
    ids = sorted(set(case_ids))
    if not ids:
        return []
    return list(
        Case.objects.filter(pk__in=ids)
        .only(
            "reference",
            "structure_id",
            "region_id",
            "is_military",
            "care_affected",
            "shared_with_cell",
            "outcomes",
            "involves_health_products",
        )
        .order_by("reference")
    )


def content_for(scope: Scope, case: Case, message: str, related: list[Case]) -> str | None:
    """What one reader gets: None (nothing at all), or the message body."""
    level = case_level(scope, case)
    if level <= Level.NOTICE:
        return None
    if level == Level.SUMMARY:
        return _("This case was updated. Its detail is reserved to the people handling it.")
    references = [other.reference for other in related if case_readable(scope, other)]
    if references:
        message = "\n".join(
            [message, _("Related cases: %(refs)s") % {"refs": ", ".join(references)}]
        ).strip()
    return message


def notify(
    case: Case,
    *,
    purpose: str,
    subject: str,
    message: str,
    to: Iterable[Recipient],
    related_case_ids: Iterable[int] = (),
) -> None:
    """An e-mail (template cases/email/update) to each address and an in-app notice to
    each person, each with the content its reader may receive (queued inside the
    caller's transaction)."""
    topic = f"case:{case.pk}"
    related = _related(related_case_ids)
    # Readers who get the same content share one e-mail and one batch of notices.
    users_by_body: dict[str, list[User]] = defaultdict(list)
    addresses_by_body: dict[str, list[str]] = defaultdict(list)
    seen_users: set[int] = set()
    seen_addresses: set[str] = set()
    for recipient in to:
        body = content_for(recipient.scope, case, message, related)
        if body is None:
            continue
        if recipient.user is not None:
            if recipient.user.pk not in seen_users:
                seen_users.add(recipient.user.pk)
                users_by_body[body].append(recipient.user)
        elif recipient.address and recipient.address.lower() not in seen_addresses:
            seen_addresses.add(recipient.address.lower())
            addresses_by_body[body].append(recipient.address)
    for body, addresses in addresses_by_body.items():
        email_queue(
            to=addresses,
            template="cases/email/update",
            context={"case": case, "subject": subject, "message": body, "url": case_url(case)},
            topic=topic,
            purpose=purpose,
        )
    for body, users in users_by_body.items():
        notification_create(
            users=users,
            title=f"{case.reference} — {subject}",
            body=body,
            url=reverse("cases:detail", args=[case.pk]),
            topic=topic,
        )


def notify_qualification(case: Case) -> None:
    criticity = Criticity(case.criticity).label
    if case.criticity == Criticity.NOT_INCIDENT:
        declarant_message = _(
            "After analysis, the event you declared is not an information-system security "
            "incident. The case is closed with no follow-up. %(note)s"
        ) % {"note": case.qualification_note}
    else:
        declarant_message = _(
            "Your declaration has been qualified as a %(criticity)s incident. You will be "
            "contacted for the support; questions will reach you on Vigie."
        ) % {"criticity": criticity.lower()}
    notify(
        case,
        purpose="qualified:declarant",
        subject=_("Qualification of your declaration"),
        message=declarant_message,
        to=structure(case),
    )
    notify(
        case,
        purpose="qualified:ars",
        subject=_("Case qualified: %(criticity)s") % {"criticity": criticity},
        message=case.qualification_note,
        to=ars(case),
    )
    if Outcome.B2 in case.outcomes:
        notify(
            case,
            purpose="qualified:hfds",
            subject=_("%(criticity)s incident (B2)") % {"criticity": criticity},
            message=(
                _("Significant incident: piloted by the HFDS (phase 4 bis).")
                if case.is_significant
                else _("Serious incident, for your information.")
            ),
            to=national("fssi"),
        )
    if Outcome.B3 in case.outcomes:
        notify(
            case,
            purpose="qualified:dgs",
            subject=_("Incident with a possible sanitary impact (B3)"),
            message=case.qualification_note,
            to=[*national("dgs"), *national("fssi")],
        )
