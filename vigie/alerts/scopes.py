"""Who may read alerts and vendor requests.

- Alerts: HFDS/FSSI and the cell (ACSS) read every alert and its acknowledgement rows;
  an ARS officer reads the alerts reaching its region and only its region's rows; a
  structure's declarants and correspondents read the alerts their structure received and
  their own rows. Vendors and anonymous users read none.
- Targeting is no oracle. An alert aimed at the structures using a software or a vendor
  reaches them through their declarations; a row of such an alert tells its reader that
  the structure named them. So a reader other than the sender and the structure itself
  sees a row only when it may read a declaration of that structure naming them (the
  cell does not read a military hospital's, nor its ARS when it only got a notice of
  existence). The sender resolved the targets through the same rule
  (``usage_readable``), so it never reached, nor learnt of, more than that.
- Vendor requests: HFDS/FSSI and ACSS read all; a vendor contact reads the requests
  addressed to its vendor only.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from vigie.alerts.models import Alert, AlertRecipient, VendorRequest, VendorRequestEntry
from vigie.cases.scopes import case_filter
from vigie.core.roles import Role
from vigie.core.scoping import Scope, role_scope, scope_rule
from vigie.declarations.models import Declaration, DeclarationStatus
from vigie.declarations.scopes import declaration_filter
from vigie.directory.scopes import structure_filter

ALERT_SENDERS = ("hfds", "acss_analyst")
VENDOR_STAFF = ("hfds", "acss_analyst")


def usage_readable(scope: Scope) -> Q | None:
    """Q on Declaration: the submitted declarations whose content ``scope`` reads (its
    own rule, or the case's), the only evidence of a structure's software and vendors
    it may act on or be shown; None means every submitted declaration."""
    cases = case_filter(scope, "case__")
    if cases is None:
        return None
    return Q(status=DeclarationStatus.SUBMITTED) & (declaration_filter(scope) | cases)


def _usage_shown(scope: Scope) -> Q | None:
    """Q on AlertRecipient: the rows whose targeting ``scope`` may know of (module
    docstring); None means all of them."""
    readable = usage_readable(scope)
    if readable is None:
        return None
    declarations = Declaration.objects.filter(readable, structure_id=OuterRef("structure_id"))
    chosen = Alert.vendors.through.objects.filter(alert_id=OuterRef(OuterRef("alert_id")))
    by_vendor = Alert.vendors.through.objects.filter(alert_id=OuterRef("alert_id"))
    return (
        Q(alert__created_by_id=scope.user_id)
        | Q(structure_id__in=scope.structure_ids)
        | (Q(alert__software="") & ~Q(Exists(by_vendor)))
        | (
            ~Q(alert__software="")
            & Q(Exists(declarations.filter(software__icontains=OuterRef("alert__software"))))
        )
        | Q(Exists(declarations.filter(vendors__in=chosen.values("vendor_id"))))
    )


def recipient_filter(scope: Scope) -> Q | None:
    """Q selecting the acknowledgement rows ``scope`` may read; None means all."""
    if not scope.is_authenticated:
        return Q(pk__in=[])
    conditions = [structure_filter(scope, "structure__"), _usage_shown(scope)]
    if not scope.has(*ALERT_SENDERS):
        by_role = Q(pk__in=[])
        if scope.ars_region_ids:
            by_role |= Q(structure__departement__region_id__in=scope.ars_region_ids)
        if scope.structure_ids:
            by_role |= Q(structure_id__in=scope.structure_ids)
        conditions.append(by_role)
    result: Q | None = None
    for condition in conditions:
        if condition is not None:
            result = condition if result is None else result & condition
    return result


def ars_mailbox_scope(region_id: int) -> Scope:
    """What the SSI mailbox of an ARS may be told: what any officer of the region reads
    (a scope of nobody in particular: no user has the id 0)."""
    return role_scope(Role.ARS_OFFICER, region_id=region_id)


@scope_rule(Alert)
def _alerts(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    if not scope.is_authenticated:
        return qs.none()
    if scope.has(*ALERT_SENDERS):
        return qs  # the national alerting bodies read every alert (not every row)
    condition = recipient_filter(scope)
    if condition is None:
        return qs
    visible = Q(pk__in=AlertRecipient.objects.filter(condition).values("alert_id"))
    if scope.ars_region_ids:
        # An alert aimed at the region reaches its ARS even when no structure matched.
        targeted = Alert.regions.through.objects.filter(region_id__in=scope.ars_region_ids)
        visible |= Q(pk__in=targeted.values("alert_id"))
    return qs.filter(visible)


@scope_rule(AlertRecipient)
def _recipients(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    condition = recipient_filter(scope)
    return qs if condition is None else qs.filter(condition)


def request_filter(scope: Scope, prefix: str = "") -> Q | None:
    if not scope.is_authenticated:
        return Q(pk__in=[])
    if scope.has(*VENDOR_STAFF):
        return None
    return Q(**{f"{prefix}vendor_id__in": scope.vendor_ids})


@scope_rule(VendorRequest)
def _requests(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    condition = request_filter(scope)
    return qs if condition is None else qs.filter(condition)


@scope_rule(VendorRequestEntry)
def _entries(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    condition = request_filter(scope, "request__")
    return qs if condition is None else qs.filter(condition)
