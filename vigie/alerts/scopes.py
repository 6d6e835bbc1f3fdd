"""Who may read alerts and vendor requests.

- Alerts: HFDS/FSSI and the cell (ACSS) read every alert and every acknowledgement row;
  an ARS officer reads the alerts reaching its region and only its region's rows; a
  structure's declarants and correspondents read the alerts their structure received and
  their own rows. Vendors and anonymous users read none.
- Vendor requests: HFDS/FSSI and ACSS read all; a vendor contact reads the requests
  addressed to its vendor only.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from vigie.alerts.models import Alert, AlertRecipient, VendorRequest, VendorRequestEntry
from vigie.core.scoping import Scope, scope_rule

ALERT_SENDERS = ("hfds", "acss_analyst")
VENDOR_STAFF = ("hfds", "acss_analyst")


def recipient_filter(scope: Scope, prefix: str = "") -> Q | None:
    """Q selecting the acknowledgement rows ``scope`` may read; None means all."""
    if not scope.is_authenticated:
        return Q(pk__in=[])
    if scope.has(*ALERT_SENDERS):
        return None
    condition = Q(pk__in=[])
    if scope.ars_region_ids:
        condition |= Q(**{f"{prefix}structure__departement__region_id__in": scope.ars_region_ids})
    if scope.structure_ids:
        condition |= Q(**{f"{prefix}structure_id__in": scope.structure_ids})
    return condition


@scope_rule(Alert)
def _alerts(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
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
