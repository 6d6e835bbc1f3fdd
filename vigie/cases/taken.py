"""A declaration taken by the cell for a structure, seen from its case: the structure is
asked to confirm or correct it, and its confirmation is written on the timeline
(registered with declarations.taken from cases.apps)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from vigie.cases import notify
from vigie.cases.models import Case, EventKind, TimelineEvent
from vigie.declarations.models import Declaration, DeclarationRecipient, DeclarationSource
from vigie.directory.models import User


def _case_of(declaration: Declaration) -> Case:
    return Case.objects.select_related(
        "region", "structure__departement__region", "structure__director", "declaration"
    ).get(declaration=declaration)


def _taker(declaration: Declaration) -> str:
    taker = declaration.taken_by
    return (taker.get_full_name() or taker.email) if taker is not None else ""


def received_line(declaration: Declaration) -> str:
    """ "Déclaration reçue par téléphone par Marc Lefèvre": the case timeline's words."""
    if declaration.source == DeclarationSource.EMAIL:
        return _("Declaration received by e-mail by %(who)s") % {"who": _taker(declaration)}
    return _("Declaration received by phone by %(who)s") % {"who": _taker(declaration)}


def case_taken_on_submission(
    declaration: Declaration, recipients: list[DeclarationRecipient]
) -> None:
    """Registered with declarations.services.on_submitted, after the case is opened: the
    structure's director and declarants are asked to confirm or correct it (in the app
    and by e-mail, through the audience rule)."""
    if declaration.taken_by_id is None:
        return
    case = _case_of(declaration)
    url = settings.SITE_URL + reverse("declarations:detail", args=[declaration.pk])
    when = timezone.localtime(declaration.submitted_at or timezone.now())
    message = "\n\n".join(
        [
            _(
                "%(received)s on %(date)s at %(time)s (Paris time), and recorded on Vigie "
                "on behalf of %(structure)s, under reference %(reference)s."
            )
            % {
                "received": received_line(declaration),
                "date": when.strftime("%d/%m/%Y"),
                "time": when.strftime("%H:%M"),
                "structure": case.structure.name,
                "reference": case.reference,
            },
            _(
                "Please check it on Vigie: confirm it if it is right, or correct it (and "
                "complete it) if not. Until then it shows as taken on behalf of the "
                "structure."
            ),
            url,
        ]
    )
    notify.notify(
        case,
        purpose="taken:confirm",
        subject=_("Declaration taken on behalf of your structure: please confirm it"),
        message=message,
        # Each director and declarant in the app and at their own address, with the
        # caller's address and the structure's SSI mailbox.
        to=[
            *[r for user in notify.structure_users(case) for r in notify.person(user)],
            *notify.structure(case),
        ],
    )


def case_taken_confirmed(declaration: Declaration, by: User) -> None:
    """Registered with declarations.taken.on_confirmed: the timeline records it and the
    person who took the declaration is told."""
    case = _case_of(declaration)
    TimelineEvent.objects.create(
        case=case, actor=by, kind=EventKind.CONFIRMED, data={"declaration": declaration.pk}
    )
    taker = declaration.taken_by
    if taker is not None and taker.is_active:
        notify.notify(
            case,
            purpose="taken:confirmed",
            subject=_("The structure confirmed the declaration"),
            message=_("%(who)s confirmed the declaration taken on behalf of %(structure)s.")
            % {"who": by.get_full_name() or by.email, "structure": case.structure.name},
            to=notify.people([taker]),
        )
