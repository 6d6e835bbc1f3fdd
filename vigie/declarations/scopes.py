"""Who may read declarations (see vigie.core.scoping).

- drafts: only their author, while still a declarant of the structure;
- submitted: the structure's declarants and SSI correspondents; each national or
  regional body only the declarations routed to it (so a military hospital's ARS, which
  only got a notice of existence, does not see its content); HFDS/FSSI every one.
  DGS sees cases with a sanitary impact once qualified (cases app). The administrator
  never sees declaration content. The national portal's API account sees those it filed.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from vigie.core.scoping import Scope, scope_rule
from vigie.declarations.models import (
    Attachment,
    Declaration,
    DeclarationRecipient,
    DeclarationStatus,
    IncidentType,
    RecipientKind,
    ReferenceCounter,
)

ROUTED_ROLES = {
    "acss_analyst": RecipientKind.ACSS,
    "defence": RecipientKind.DEFENCE,
    "ansm": RecipientKind.ANSM,
}


def declaration_filter(scope: Scope, prefix: str = "") -> Q:
    """Q selecting the declarations ``scope`` may read (``prefix`` for relations)."""
    p = prefix
    if not scope.is_authenticated:
        return Q(pk__in=[])
    condition = Q(
        **{
            f"{p}status": DeclarationStatus.DRAFT,
            f"{p}created_by_id": scope.user_id,
            f"{p}structure_id__in": scope.declarant_structure_ids,
        }
    )
    submitted = Q(**{f"{p}status": DeclarationStatus.SUBMITTED})
    if scope.has("hfds"):
        return condition | submitted
    if scope.structure_ids:
        condition |= submitted & Q(**{f"{p}structure_id__in": scope.structure_ids})
    if scope.has("api_integration"):
        # The national portal's account follows up the declarations it filed.
        condition |= submitted & Q(**{f"{p}created_by_id": scope.user_id})
    # OuterRef on the outer model's own column ("declaration_id"), not through a join.
    outer = f"{p[:-2]}_id" if p else "pk"
    routed = DeclarationRecipient.objects.filter(declaration_id=OuterRef(outer))
    kinds = [kind for role, kind in ROUTED_ROLES.items() if scope.has(role)]
    if kinds:
        condition |= submitted & Q(Exists(routed.filter(kind__in=kinds)))
    if scope.ars_region_ids:
        # Not a military hospital's declaration: when care is affected the ARS gets the
        # case summary (SPEC section 1), never the declaration itself.
        condition |= (
            submitted
            & ~Q(**{f"{p}structure__kind": "military_hospital"})
            & Q(
                Exists(
                    routed.filter(
                        kind=RecipientKind.ARS,
                        region_id__in=scope.ars_region_ids,
                        notice_only=False,
                    )
                )
            )
        )
    return condition


@scope_rule(Declaration)
def _declarations(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    return qs.filter(declaration_filter(scope))


@scope_rule(Attachment)
def _attachments(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    return qs.filter(declaration_filter(scope, prefix="declaration__"))


@scope_rule(DeclarationRecipient)
def _recipients(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    return qs.filter(declaration_filter(scope, prefix="declaration__"))


@scope_rule(IncidentType)
def _incident_types(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    return qs  # the typology is public reference data


@scope_rule(ReferenceCounter)
def _counters(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    return qs.none()  # internal numbering state
