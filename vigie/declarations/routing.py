"""Who must be told of a submitted declaration (SPEC section 3, instruction 2.2 and 3.1).

A pure function of the declaration and the moment of submission, so the routing table
can be tested case by case and explained to the declarant in the acknowledgement.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from vigie.declarations.models import Declaration, RecipientKind
from vigie.directory.models import Region
from vigie.notifications.calendar import is_business_hours

# Why an entity was alerted; codes are stored, labels shown.
REASONS = {
    "territory": _("competent ARS for the structure's département"),
    "support_cell": _("national support cell, for every declaration"),
    "military": _("military hospital: handled by the defence CYBER chain"),
    "military_notice": _("military hospital: template notice of existence only"),
    "military_care": _("military hospital with consequences on care: ARS informed at once"),
    "out_of_hours_urgent": _("urgent help requested outside the cell's business hours"),
    "health_products": _("medical devices or prescription/dispensing software involved"),
    "oiv": _("structure designated operator of vital importance (OIV)"),
    "siiv": _("structure operating an information system of vital importance (SIIV)"),
}


@dataclass
class Route:
    kind: str
    email: str
    reasons: list[str] = field(default_factory=list)
    region: Region | None = None
    notice_only: bool = False


def declaration_route(declaration: Declaration, *, at: datetime) -> list[Route]:
    """The entities to alert, in the order they are listed to the declarant."""
    structure = declaration.structure
    region = structure.departement.region
    mailboxes = settings.VIGIE_MAILBOXES
    routes: dict[str, Route] = {}

    def add(kind: str, email: str, reason: str, **extra: object) -> None:
        route = routes.get(kind)
        if route is None:
            routes[kind] = Route(kind=kind, email=email, reasons=[reason], **extra)  # type: ignore[arg-type]
        elif reason not in route.reasons:
            route.reasons.append(reason)

    if structure.is_military:
        # Instruction 2.2: military hospitals report only within the defence chain.
        add(RecipientKind.DEFENCE, mailboxes["defence"], "military")
        if declaration.affects_care:
            add(RecipientKind.ARS, region.ssi_mailbox, "military_care", region=region)
        else:
            add(
                RecipientKind.ARS,
                region.ssi_mailbox,
                "military_notice",
                region=region,
                notice_only=True,
            )
        return list(routes.values())

    add(RecipientKind.ARS, region.ssi_mailbox, "territory", region=region)
    add(RecipientKind.ACSS, mailboxes["acss"], "support_cell")
    if declaration.urgent_help and not is_business_hours(at):
        add(RecipientKind.FSSI, mailboxes["fssi"], "out_of_hours_urgent")
    if declaration.involves_health_products:
        add(RecipientKind.ANSM, mailboxes["ansm"], "health_products")
    for flag in ("oiv", "siiv"):
        if getattr(structure, f"is_{flag}"):
            add(RecipientKind.FSSI, mailboxes["fssi"], flag)
            add(RecipientKind.ANSSI, mailboxes["anssi"], flag)
    return list(routes.values())


def reason_labels(codes: list[str]) -> list[str]:
    return [str(REASONS.get(code, code)) for code in codes]
