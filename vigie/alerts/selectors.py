"""Reads on alerts and vendor requests; each one starts from visible_to(user)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from vigie.alerts.models import Alert, AlertRecipient, VendorRequest, VendorRequestEntry
from vigie.directory.models import Region


def alert_list(*, user: Any) -> QuerySet[Alert]:
    rows = AlertRecipient.objects.visible_to(user)
    return (
        Alert.objects.visible_to(user)
        .select_related("created_by")
        .annotate(
            recipient_count=Count("recipients", filter=Q(recipients__in=rows.values("pk"))),
            acknowledged_count=Count(
                "recipients",
                filter=Q(
                    recipients__in=rows.values("pk"), recipients__acknowledged_at__isnull=False
                ),
            ),
        )
        .order_by("-sent_at", "-pk")
    )


def alert_recipients(
    *, alert: Alert, user: Any, region: Region | None = None, pending: bool = False
) -> QuerySet[AlertRecipient]:
    """The acknowledgement rows of ``alert`` the user may read (ARS: its region's)."""
    qs = (
        AlertRecipient.objects.visible_to(user)
        .filter(alert=alert)
        .select_related("structure__departement__region", "acknowledged_by")
    )
    if region is not None:
        qs = qs.filter(structure__departement__region=region)
    if pending:
        qs = qs.filter(acknowledged_at__isnull=True)
    return qs.order_by("structure__departement__region__code", "structure__name")


def alert_regions(*, alert: Alert, user: Any) -> QuerySet[Region]:
    rows = alert_recipients(alert=alert, user=user)
    return Region.objects.filter(pk__in=rows.values("structure__departement__region_id"))


def vendor_request_list(*, user: Any) -> QuerySet[VendorRequest]:
    return VendorRequest.objects.visible_to(user).select_related("vendor", "created_by")


def vendor_request_timeline(*, request: VendorRequest, user: Any) -> QuerySet[VendorRequestEntry]:
    return (
        VendorRequestEntry.objects.visible_to(user).filter(request=request).select_related("actor")
    )
