"""Declarations taken by the cell for a structure (SPEC section 3, "declaring in a
crisis"): a call or an e-mail received by the support cell or the FSSI on call (the
defence chain for a military hospital) is recorded on the structure's behalf, routed,
acknowledged and its case opened like any other; the structure's director or declarants
then confirm it, or correct it through the completion pages.

Split from services.py by concept; the submission itself is services._submit."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from vigie.core.scoping import scope_for
from vigie.declarations.models import Declaration, DeclarationSource
from vigie.declarations.services import DeclarationIncomplete, _submit, can_declare_for
from vigie.declarations.steps import check_dates, declaration_problems
from vigie.directory.models import Role, Structure, StructureKind, User
from vigie.directory.selectors import structure_search

CHANNELS = (DeclarationSource.PHONE, DeclarationSource.EMAIL)
# What the person taking the call types: the quick facts of a declaration.
TAKE_FIELDS = (
    "declarant_name",
    "declarant_function",
    "declarant_phone",
    "declarant_email",
    "detected_at",
    "incident_type",
    "description",
    "care_impact",
    "urgent_help",
)
# Needed to file it; for an e-mail, an address or a number to answer (see _required).
TAKE_REQUIRED = ("declarant_name", "detected_at", "incident_type", "care_impact", "description")


def may_take(user: Any) -> bool:
    """The support cell and the HFDS/FSSI take declarations for civil structures; the
    defence chain for military hospitals (instruction 2.2 and 2.3.7: their incidents go
    only through the ministry of the armed forces' CYBER chain, which acts on their
    behalf)."""
    return scope_for(user).has(Role.ACSS_ANALYST, Role.HFDS, Role.DEFENCE)


def may_take_for(user: Any, structure: Structure) -> bool:
    if not structure.is_active:
        return False
    scope = scope_for(user)
    if structure.is_military:
        return scope.has(Role.DEFENCE)
    return scope.has(Role.ACSS_ANALYST, Role.HFDS)


def structures_to_take_for(user: Any, query: str = "") -> QuerySet[Structure]:
    """The structures ``user`` may read and record a declaration for, by name or FINESS."""
    scope = scope_for(user)
    qs = structure_search(user, query=query).filter(is_active=True)
    civil = scope.has(Role.ACSS_ANALYST, Role.HFDS)
    military = scope.has(Role.DEFENCE)
    if civil and not military:
        return qs.exclude(kind=StructureKind.MILITARY_HOSPITAL)
    if military and not civil:
        return qs.filter(kind=StructureKind.MILITARY_HOSPITAL)
    if not (civil or military):
        return qs.none()
    return qs


def _required(channel: str, values: Mapping[str, Any]) -> tuple[str, ...]:
    if channel == DeclarationSource.PHONE or not values.get("declarant_email"):
        # A call: the number to call back. An e-mail without an address to answer to
        # needs a number too.
        return (*TAKE_REQUIRED, "declarant_phone")
    return TAKE_REQUIRED


@transaction.atomic
def declaration_take(
    *,
    structure: Structure,
    by: User,
    channel: str,
    values: Mapping[str, Any],
    at: datetime | None = None,
) -> Declaration:
    """Record and submit, on ``structure``'s behalf, a declaration received by ``channel``
    (phone or e-mail): routed and acknowledged like any other, its case opened at once.
    Raises DeclarationIncomplete with each problem."""
    if not may_take_for(by, structure):
        raise PermissionDenied(_("You cannot record a declaration for this structure."))
    if channel not in CHANNELS:
        raise ValidationError({"channel": _("Say how the declaration was received.")})
    moment = at or timezone.now()
    declaration = Declaration(
        structure=structure, created_by=by, source=channel, taken_by=by, created_at=moment
    )
    for name in TAKE_FIELDS:
        if name in values and values[name] is not None:
            setattr(declaration, name, values[name])
    declaration.detected_at = declaration.detected_at or moment
    declaration.help_needed = declaration.help_needed or declaration.urgent_help
    required = _required(channel, values)
    problems = declaration_problems(declaration, required)
    problems.update(check_dates(declaration.detected_at, None))
    if problems:
        raise DeclarationIncomplete(problems)
    declaration.save()
    return _submit(declaration, by, moment, required=required)


def may_confirm(user: Any, declaration: Declaration) -> bool:
    """The structure's director and declarants confirm what was taken for it (not the
    national portal's account, not the person who took it)."""
    return (
        declaration.awaits_confirmation
        and declaration.taken_by_id != getattr(user, "pk", None)
        and can_declare_for(user, declaration.structure)
        and not scope_for(user).has(Role.API_INTEGRATION)
    )


@transaction.atomic
def declaration_confirm(*, declaration: Declaration, by: User) -> Declaration:
    """The structure confirms the declaration taken on its behalf. The apps built on
    declarations are told (the case's timeline records it, the taker is informed)."""
    locked = (
        Declaration.objects.select_for_update()
        .select_related("structure__departement__region")
        .get(pk=declaration.pk)
    )
    if locked.taken_by_id is None:
        raise ValidationError(_("This declaration was not taken for the structure."))
    if locked.confirmed_at is not None:
        raise ValidationError(_("This declaration is already confirmed."))
    if not may_confirm(by, locked):
        raise PermissionDenied(_("You cannot confirm this declaration."))
    locked.confirmed_at = timezone.now()
    locked.confirmed_by = by
    locked.save(update_fields=["confirmed_at", "confirmed_by", "updated_at"])
    for handler in CONFIRMED:
        handler(locked, by)
    return locked


# Told, inside the confirmation's transaction, that the structure confirmed a declaration
# taken for it (the cases app writes it on the timeline): (declaration, by).
Confirmed = Callable[[Declaration, User], object]
CONFIRMED: list[Confirmed] = []


def on_confirmed(handler: Confirmed) -> Confirmed:
    if handler not in CONFIRMED:
        CONFIRMED.append(handler)
    return handler
