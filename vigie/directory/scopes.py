"""Visibility rules for reference data and people (see vigie.core.scoping)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from vigie.core.scoping import Scope, scope_rule
from vigie.directory.models import (
    Departement,
    Invitation,
    LegalEntity,
    Membership,
    Region,
    Structure,
    StructureKind,
    User,
    Vendor,
)

# Regions, départements and vendors are public reference data.


@scope_rule(Region)
def _regions(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    return qs


@scope_rule(Departement)
def _departements(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    return qs


@scope_rule(Vendor)
def _vendors(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    return qs


def structure_filter(scope: Scope, prefix: str = "") -> Q | None:
    """Q selecting the structures ``scope`` may see; None means every structure.

    ``prefix`` lets other models reuse the rule through a relation ("structure__").
    Restated in SQL by the case page's action plan block (vigie/actionplan/selectors.py
    ``_not_done_sql``), held to this rule by tests/actionplan/test_at_incident_sql.py.
    """
    if scope.is_administrator or scope.has("acss_analyst", "hfds", "dgs", "ansm"):
        return None
    condition = Q(pk__in=[])
    if scope.has("defence"):
        condition |= Q(**{f"{prefix}kind": StructureKind.MILITARY_HOSPITAL})
    if scope.ars_region_ids:
        condition |= Q(**{f"{prefix}departement__region_id__in": scope.ars_region_ids})
    if scope.structure_ids:
        condition |= Q(**{f"{prefix}pk__in": scope.structure_ids})
    return condition


@scope_rule(Structure)
def _structures(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    if not scope.is_authenticated:
        return qs.none()
    condition = structure_filter(scope)
    return qs if condition is None else qs.filter(condition)


@scope_rule(LegalEntity)
def _legal_entities(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    if not scope.is_authenticated:
        return qs.none()
    condition = structure_filter(scope, prefix="sites__")
    if condition is None:
        return qs
    return qs.filter(pk__in=LegalEntity.objects.filter(condition).values("pk"))


@scope_rule(User)
def _users(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    if not scope.is_authenticated:
        return qs.none()
    if scope.is_administrator:
        return qs
    # Oneself, and the people holding a role in a structure one directs.
    colleagues = Membership.objects.filter(structure_id__in=scope.directed_structure_ids)
    return qs.filter(Q(pk=scope.user_id) | Q(pk__in=colleagues.values("user_id")))


@scope_rule(Membership)
def _memberships(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    if not scope.is_authenticated:
        return qs.none()
    if scope.is_administrator:
        return qs
    return qs.filter(Q(user_id=scope.user_id) | Q(structure_id__in=scope.directed_structure_ids))


@scope_rule(Invitation)
def _invitations(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    # The structure's director and administrators; the invited person reaches theirs
    # through the signed link only (selectors.invitation_from_token).
    if not scope.is_authenticated:
        return qs.none()
    if scope.is_administrator:
        return qs
    return qs.filter(structure_id__in=scope.directed_structure_ids)


def sees_people_emails(scope: Scope, structure: Structure) -> bool:
    """Who reads the e-mail addresses of a structure's people (its director, declarants)
    on its page: administrators (they run the accounts), the structure's own director (the
    delegations are theirs) and the support cell (it calls structures). Every other
    reader of the page (ARS, HFDS, DGS, ANSM, defence chain, the structure's members)
    sees names only, as the User scope rule above would have it."""
    return (
        scope.is_administrator
        or structure.pk in scope.directed_structure_ids
        or scope.has("acss_analyst")
    )
