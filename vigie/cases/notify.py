"""Who hears about what happens on a case: e-mail to functional mailboxes and in-app
notices to the people in charge (queued inside the caller's transaction)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from vigie.cases.models import Case, Criticity, Outcome
from vigie.directory.models import Membership, Role, User
from vigie.notifications.services import email_queue, notification_create


def case_url(case: Case) -> str:
    return settings.SITE_URL + reverse("cases:detail", args=[case.pk])


def users_with(role: str, **target: Any) -> list[User]:
    memberships = Membership.objects.active().filter(role=role, **target).select_related("user")
    return [m.user for m in memberships]


def ars_users(case: Case) -> list[User]:
    return users_with(Role.ARS_OFFICER, region_id=case.structure.departement.region_id)


def structure_users(case: Case) -> list[User]:
    users = users_with(Role.DECLARANT, structure_id=case.structure_id)
    if case.structure.director is not None:
        users.append(case.structure.director)
    return users


def notify(
    case: Case,
    *,
    purpose: str,
    subject: str,
    message: str,
    users: Iterable[User] = (),
    mailboxes: Iterable[str] = (),
) -> None:
    """One e-mail (template cases/email/update) to ``mailboxes`` and in-app notices."""
    topic = f"case:{case.pk}"
    addresses = [address for address in mailboxes if address]
    if addresses:
        email_queue(
            to=addresses,
            template="cases/email/update",
            context={
                "case": case,
                "subject": subject,
                "message": message,
                "url": case_url(case),
            },
            topic=topic,
            purpose=purpose,
        )
    notification_create(
        users=list(users),
        title=f"{case.reference} — {subject}",
        body=message,
        url=reverse("cases:detail", args=[case.pk]),
        topic=topic,
    )


def declarant_mailboxes(case: Case) -> list[str]:
    declaration = case.declaration
    return [declaration.declarant_email, case.structure.ssi_mailbox]


def ars_mailbox(case: Case) -> str:
    return case.structure.departement.region.ssi_mailbox


def notify_qualification(case: Case) -> None:
    criticity = Criticity(case.criticity).label
    boxes = settings.VIGIE_MAILBOXES
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
        users=structure_users(case),
        mailboxes=declarant_mailboxes(case),
    )
    if not case.is_military or case.care_affected:
        notify(
            case,
            purpose="qualified:ars",
            subject=_("Case qualified: %(criticity)s") % {"criticity": criticity},
            message=case.qualification_note,
            users=ars_users(case),
            mailboxes=[ars_mailbox(case)],
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
            users=users_with(Role.HFDS),
            mailboxes=[boxes["fssi"]],
        )
    if Outcome.B3 in case.outcomes:
        notify(
            case,
            purpose="qualified:dgs",
            subject=_("Incident with a possible sanitary impact (B3)"),
            message=case.qualification_note,
            users=users_with(Role.DGS) + users_with(Role.HFDS),
            mailboxes=[boxes["dgs"], boxes["fssi"]],
        )
