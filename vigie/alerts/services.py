"""Writes on alerts and vendor requests: one transaction each, e-mails queued with the
action (sent once it commits), in-app notifications for the people concerned."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from vigie.alerts.models import (
    Alert,
    AlertRecipient,
    RequestKind,
    RequestStatus,
    VendorRequest,
    VendorRequestEntry,
)
from vigie.alerts.scopes import (
    ALERT_SENDERS,
    VENDOR_STAFF,
    ars_mailbox_scope,
    recipient_filter,
    usage_readable,
)
from vigie.core.scoping import scope_for
from vigie.declarations.models import Declaration, DeclarationStatus
from vigie.directory.models import (
    Membership,
    Region,
    Role,
    Structure,
    StructureKind,
    User,
    Vendor,
)
from vigie.notifications.services import email_queue, notification_create

CVE_RE = re.compile(r"^CVE-\d{4}-\d{4,}$")


def _url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


# --- alerts ----------------------------------------------------------------------------


def alert_targets(
    *,
    by: User,
    regions: Iterable[Region] = (),
    structure_kinds: Sequence[str] = (),
    software: str = "",
    vendors: Iterable[Vendor] = (),
) -> QuerySet[Structure]:
    """The active structures an alert from ``by`` reaches.

    Region, type and software criteria combine (AND); within the software criterion the
    named software and the vendors are alternatives (OR): a structure uses them when one
    of its submitted declarations names them. Military hospitals belong to the defence
    ministry's perimeter: reached only when their type is chosen explicitly.

    Only what the sender reads counts: structures it sees, declarations whose content
    it reads. Targeting what it cannot read answers exactly as targeting nothing (the
    answer, the count and the recipients would otherwise tell it what it may not know).
    """
    qs = Structure.objects.visible_to(by).filter(is_active=True)
    region_ids = [region.pk for region in regions]
    if region_ids:
        qs = qs.filter(departement__region_id__in=region_ids)
    if structure_kinds:
        qs = qs.filter(kind__in=list(structure_kinds))
    else:
        qs = qs.exclude(kind=StructureKind.MILITARY_HOSPITAL)
    vendor_ids = [vendor.pk for vendor in vendors]
    software = software.strip()
    if software or vendor_ids:
        readable = usage_readable(scope_for(by))
        declarations = Declaration.objects.filter(
            Q(status=DeclarationStatus.SUBMITTED) if readable is None else readable
        )
        uses = Q(pk__in=[])
        if software:
            uses |= Q(software__icontains=software)
        if vendor_ids:
            uses |= Q(vendors__in=vendor_ids)
        qs = qs.filter(pk__in=declarations.filter(uses).values("structure_id"))
    return qs.select_related("departement__region").order_by("name")


def _structure_people(structure_ids: Iterable[int], roles: Sequence[str]) -> dict[int, set[User]]:
    people: dict[int, set[User]] = {}
    for membership in (
        Membership.objects.active()
        .filter(structure_id__in=list(structure_ids), role__in=list(roles), user__is_active=True)
        .select_related("user")
    ):
        people.setdefault(membership.structure_id, set()).add(membership.user)  # type: ignore[arg-type]
    return people


@transaction.atomic
def alert_send(
    *,
    by: User,
    title: str,
    body: str,
    severity: str,
    regions: Iterable[Region] = (),
    structure_kinds: Sequence[str] = (),
    software: str = "",
    vendors: Iterable[Vendor] = (),
) -> Alert:
    """Create an alert, record its recipients, e-mail and notify structures and ARS."""
    if not scope_for(by).has(*ALERT_SENDERS):
        raise PermissionDenied(_("Only HFDS/FSSI and the support cell send alerts."))
    regions = list(regions)
    vendors = list(vendors)
    structures = list(
        alert_targets(
            by=by,
            regions=regions,
            structure_kinds=structure_kinds,
            software=software,
            vendors=vendors,
        ).select_related("director")
    )
    if not structures:
        raise ValidationError(
            _("No structure matches these criteria: widen the targeting."), code="no_target"
        )
    alert = Alert.objects.create(
        title=title.strip(),
        body=body.strip(),
        severity=severity,
        created_by=by,
        structure_kinds=list(structure_kinds),
        software=software.strip(),
        sent_at=timezone.now(),
    )
    alert.regions.set(regions)
    alert.vendors.set(vendors)
    AlertRecipient.objects.bulk_create(
        AlertRecipient(alert=alert, structure=structure) for structure in structures
    )

    url = _url(reverse("alerts:detail", args=[alert.pk]))
    ids = [structure.pk for structure in structures]
    declarants = _structure_people(ids, [Role.DECLARANT])
    everyone = _structure_people(ids, [Role.DECLARANT, Role.STRUCTURE_MEMBER])
    context = {"alert": alert, "url": url}
    notified: set[User] = set()
    for structure in structures:
        addresses = [structure.ssi_mailbox] + [u.email for u in declarants.get(structure.pk, ())]
        if structure.director and structure.director.is_active:
            addresses.append(structure.director.email)
            notified.add(structure.director)
        email_queue(
            to=addresses,
            template="alerts/email/alert",
            context={**context, "structure": structure},
            topic=f"alert-{alert.pk}",
            purpose="alert",
        )
        notified |= everyone.get(structure.pk, set())

    # The ARS of every region concerned: its SSI mailbox and its officers, told only of
    # the recipients an officer of the region may read (see alerts.scopes).
    counts: dict[int, int] = {}
    for region_id in {structure.departement.region_id for structure in structures}:
        condition = recipient_filter(ars_mailbox_scope(region_id))
        rows = AlertRecipient.objects.filter(alert=alert)
        count = (rows if condition is None else rows.filter(condition)).count()
        if count:
            counts[region_id] = count
    region_ids = set(counts) | {region.pk for region in regions}
    for region in Region.objects.filter(pk__in=region_ids):
        count = counts.get(region.pk, 0)
        email_queue(
            to=[region.ssi_mailbox],
            template="alerts/email/alert_ars",
            context={**context, "region": region, "count": count},
            topic=f"alert-{alert.pk}",
            purpose="alert-ars",
        )
    officers = User.objects.filter(
        pk__in=Membership.objects.active()
        .filter(role=Role.ARS_OFFICER, region_id__in=region_ids)
        .values("user_id")
    )
    notified |= set(officers)
    notification_create(
        users=notified,
        title=_("Alert: %(title)s") % {"title": alert.title},
        body=alert.get_severity_display(),
        url=reverse("alerts:detail", args=[alert.pk]),
        topic=f"alert-{alert.pk}",
    )
    return alert


@transaction.atomic
def alert_acknowledge(*, recipient: AlertRecipient, by: User) -> AlertRecipient:
    """Record that the structure has read the alert (a member or declarant of it)."""
    if recipient.structure_id not in scope_for(by).structure_ids:
        raise PermissionDenied(_("Only the structure's declarants and correspondents acknowledge."))
    locked = AlertRecipient.objects.select_for_update().get(pk=recipient.pk)
    if locked.acknowledged_at is None:
        locked.acknowledged_at = timezone.now()
        locked.acknowledged_by = by
        locked.save(update_fields=["acknowledged_at", "acknowledged_by"])
    return locked


# --- vendor requests -------------------------------------------------------------------

# (from, to) → who may make the change: "vendor", "staff" or both.
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (RequestStatus.OPEN, RequestStatus.ACKNOWLEDGED): frozenset({"vendor", "staff"}),
    (RequestStatus.OPEN, RequestStatus.PATCH_AVAILABLE): frozenset({"vendor", "staff"}),
    (RequestStatus.ACKNOWLEDGED, RequestStatus.PATCH_AVAILABLE): frozenset({"vendor", "staff"}),
    (RequestStatus.PATCH_AVAILABLE, RequestStatus.RESOLVED): frozenset({"staff"}),
    (RequestStatus.ACKNOWLEDGED, RequestStatus.RESOLVED): frozenset({"staff"}),
    (RequestStatus.OPEN, RequestStatus.REJECTED): frozenset({"staff"}),
    (RequestStatus.ACKNOWLEDGED, RequestStatus.REJECTED): frozenset({"staff"}),
    (RequestStatus.PATCH_AVAILABLE, RequestStatus.REJECTED): frozenset({"staff"}),
}


def request_party(request: VendorRequest, user: User) -> str | None:
    """ "staff" (ACSS, HFDS/FSSI), "vendor" (contact of the request's vendor) or None."""
    scope = scope_for(user)
    if scope.has(*VENDOR_STAFF):
        return "staff"
    if request.vendor_id in scope.vendor_ids:
        return "vendor"
    return None


def allowed_statuses(request: VendorRequest, user: User) -> list[str]:
    party = request_party(request, user)
    return [
        to
        for (origin, to), parties in TRANSITIONS.items()
        if origin == request.status and party in parties
    ]


@transaction.atomic
def vendor_request_create(
    *,
    by: User,
    vendor: Vendor,
    kind: str,
    title: str,
    description: str,
    product: str,
    affected_versions: str = "",
    cve: str = "",
    involves_health_product: bool = False,
) -> VendorRequest:
    """Address a vulnerability report or patch request to a vendor; e-mail its contact."""
    if not scope_for(by).has(*VENDOR_STAFF):
        raise PermissionDenied(_("Only the support cell and HFDS/FSSI write to vendors."))
    if involves_health_product:
        raise ValidationError(
            _(
                "Medical devices (DM, DMDIV) and prescription or dispensing software (LAP, "
                "LAD) are followed by ANSM: report the vulnerability to ANSM "
                "(materiovigilance), which handles it with the manufacturer."
            ),
            code="health_product",
        )
    cve = cve.strip().upper()
    if cve and not CVE_RE.match(cve):
        raise ValidationError(
            _("Write the CVE identifier as CVE-YYYY-NNNN (for example CVE-2024-3400)."),
            code="cve",
        )
    if kind not in RequestKind.values:
        raise ValidationError(_("Choose the kind of request."), code="kind")
    request = VendorRequest.objects.create(
        vendor=vendor,
        kind=kind,
        title=title.strip(),
        description=description.strip(),
        product=product.strip(),
        affected_versions=affected_versions.strip(),
        cve=cve,
        created_by=by,
    )
    VendorRequestEntry.objects.create(request=request, actor=by, to_status=request.status)
    url = _url(reverse("vendors:detail", args=[request.pk]))
    email_queue(
        to=[vendor.security_contact],
        template="vendors/email/request",
        context={"request": request, "url": url},
        topic=f"vendor-request-{request.pk}",
        purpose="vendor-request",
    )
    contacts = User.objects.filter(
        pk__in=Membership.objects.active()
        .filter(role=Role.VENDOR_CONTACT, vendor=vendor)
        .values("user_id")
    )
    notification_create(
        users=contacts,
        title=_("New request: %(title)s") % {"title": request.title},
        url=reverse("vendors:detail", args=[request.pk]),
        topic=f"vendor-request-{request.pk}",
    )
    return request


@transaction.atomic
def vendor_request_update(
    *, request: VendorRequest, by: User, to_status: str = "", comment: str = ""
) -> VendorRequestEntry:
    """Change the status of a request and/or comment on it; one timeline entry."""
    party = request_party(request, by)
    if party is None:
        raise PermissionDenied(_("You cannot act on this request."))
    locked = VendorRequest.objects.select_for_update().get(pk=request.pk)
    comment = comment.strip()
    previous = locked.status
    if to_status and to_status != previous:
        allowed = TRANSITIONS.get((previous, to_status))
        if allowed is None or party not in allowed:
            raise ValidationError(_("This status change is not possible."), code="transition")
        if to_status == RequestStatus.REJECTED and not comment:
            raise ValidationError(_("Explain why the request is rejected."), code="reason")
        locked.status = to_status
    elif not comment:
        raise ValidationError(_("Write a comment or choose a new status."), code="empty")
    else:
        to_status = ""
    locked.updated_at = timezone.now()
    locked.save(update_fields=["status", "updated_at"])
    entry = VendorRequestEntry.objects.create(
        request=locked,
        actor=by,
        from_status=previous if to_status else "",
        to_status=to_status,
        comment=comment,
    )
    # Tell the other side.
    if party == "vendor":
        others: Iterable[User] = [locked.created_by]
    else:
        others = User.objects.filter(
            pk__in=Membership.objects.active()
            .filter(role=Role.VENDOR_CONTACT, vendor_id=locked.vendor_id)
            .values("user_id")
        )
    notification_create(
        users=[user for user in others if user.pk != by.pk],
        title=_("Request updated: %(title)s") % {"title": locked.title},
        body=locked.get_status_display(),
        url=reverse("vendors:detail", args=[locked.pk]),
        topic=f"vendor-request-{locked.pk}",
    )
    request.status = locked.status
    request.updated_at = locked.updated_at
    return entry
