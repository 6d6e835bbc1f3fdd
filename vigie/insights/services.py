"""Every write of the insights app: indicators, obligations (the regulatory clock), reminders
and recorded clusters. Each runs in one transaction; notifications are queued inside it
and e-mails leave on commit (vigie.notifications)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vigie.cases import workflow
from vigie.cases.models import Case, CaseStatus, EventKind, TimelineEvent
from vigie.cases.notify import national, notify, structure, users_with
from vigie.cases.scopes import case_filter
from vigie.cases.services import case_lock
from vigie.core.scoping import role_scope, scope_for
from vigie.core.timezones import zone_label
from vigie.directory.models import Role, User
from vigie.insights.clock import owed_by_declaration, structure_zone
from vigie.insights.correlation import find_clusters, window_days
from vigie.insights.indicators import normalise
from vigie.insights.models import Cluster, Indicator, Obligation, ObligationKind
from vigie.insights.selectors import obligations_forget
from vigie.notifications.services import notification_create

# The cell's view of cases, for work done by the worker on its behalf.
CELL_SCOPE = role_scope(Role.ACSS_ANALYST)


# --- indicators ------------------------------------------------------------------------


@transaction.atomic
def indicator_add(
    *, case: Case, by: User, kind: str, value: str, tlp: str = "", comment: str = ""
) -> Indicator:
    case = case_lock(case)
    workflow.action_check("indicator", scope_for(by), case)
    normalised = normalise(kind, value)
    if Indicator.objects.filter(case=case, kind=kind, normalised=normalised).exists():
        raise ValidationError({"value": _("This indicator is already recorded on the case.")})
    try:
        with transaction.atomic():
            return Indicator.objects.create(
                case=case,
                kind=kind,
                value=value.strip()[:2048],
                normalised=normalised[:2048],
                tlp=tlp or case.declaration.tlp,
                comment=comment,
                added_by=by,
            )
    except IntegrityError as error:  # the same indicator added at the same moment
        raise ValidationError(
            {"value": _("This indicator is already recorded on the case.")}
        ) from error


# --- the regulatory clock --------------------------------------------------------------


def obligations_sync(*, case: Case) -> list[Obligation]:
    """Create or update the case's obligations from the clock (idempotent)."""
    owed = owed_by_declaration(case.declaration, health_products=case.involves_health_products)
    kinds = {item.kind for item in owed}
    with transaction.atomic():
        existing = {o.kind: o for o in Obligation.objects.select_for_update().filter(case=case)}
        for kind, stale in existing.items():
            if kind not in kinds and stale.done_at is None:
                stale.delete()
        result = []
        for item in owed:
            obligation = existing.get(item.kind)
            if obligation is None:
                obligation = Obligation.objects.create(
                    case=case, kind=item.kind, due_at=item.due_at, done_at=item.done_at
                )
            else:
                changed = []
                if obligation.due_at != item.due_at:
                    obligation.due_at = item.due_at
                    changed.append("due_at")
                if obligation.done_at is None and item.done_at is not None:
                    obligation.done_at = item.done_at
                    changed.append("done_at")
                if changed:
                    obligation.save(update_fields=changed)
            result.append(obligation)
    obligations_forget(case)
    return sorted(result, key=lambda o: (o.due_at, o.pk))


@transaction.atomic
def obligation_record(*, case: Case, by: User, kind: str, done_at: datetime) -> Obligation:
    """Record when a notification was made (staff handling the case), on the timeline."""
    obligations_forget(case)
    case = case_lock(case)
    workflow.action_check("obligation", scope_for(by), case)
    if done_at > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"done_at": _("The date cannot be in the future.")})
    detected_at = case.declaration.detected_at
    if detected_at is not None and done_at < detected_at:
        raise ValidationError(
            {"done_at": _("The notification cannot have been made before the detection.")}
        )
    obligations = {o.kind: o for o in obligations_sync(case=case)}
    obligation = obligations.get(kind)
    if obligation is None:
        raise ValidationError(_("This case does not owe this notification."))
    previous = obligation.done_at
    obligation.done_at = done_at
    obligation.done_by = by
    obligation.save(update_fields=["done_at", "done_by"])
    obligations_forget(case)
    TimelineEvent.objects.create(
        case=case,
        actor=by,
        kind=EventKind.OBLIGATION,
        reason=str(ObligationKind(kind).label),
        data={
            "obligation": kind,
            "done_at": done_at.isoformat(),
            "previous": previous.isoformat() if previous else None,
        },
    )
    return obligation


# Cases opened in this window have their obligations created or updated by the task.
SYNC_WINDOW = timedelta(days=45)
# The cases of a structure changed within this delay are synced again (a day: the task
# runs every 15 minutes, so a worker stopped for hours still catches up).
SYNC_CHANGED = timedelta(days=1)


def reminder_lead() -> timedelta:
    return timedelta(hours=int(getattr(settings, "VIGIE_OBLIGATION_REMINDER_HOURS", 6)))


def obligations_remind(*, now: datetime | None = None) -> int:
    """Remind the cell and the structure's declarants of each notification not yet made,
    once, from ``VIGIE_OBLIGATION_REMINDER_HOURS`` (6) before its deadline."""
    now = now or timezone.now()
    # Every deadline falls within a calendar month of detection: a case is synced while
    # it is recent, not for as long as it stays open. Of those, only the ones whose
    # obligations may have changed: new cases (no obligation yet) and cases whose
    # structure changed (NIS2 category, OIV/SIIV). The declaration, its recipients and
    # the health-products flag are fixed once the case is open. Walking every recent
    # case four times an hour cost minutes of worker time at 100 000 cases a year.
    changed = now - SYNC_CHANGED
    structure_changes = apps.get_model("directory", "StructureEvent").objects.filter(
        pgh_obj_id=OuterRef("structure_id"), pgh_created_at__gte=changed
    )  # pghistory's record of each change of a structure
    recent = (
        Case.objects.exclude(status=CaseStatus.CLOSED)
        .filter(declaration__submitted_at__isnull=False, opened_at__gte=now - SYNC_WINDOW)
        .filter(
            ~Exists(Obligation.objects.filter(case_id=OuterRef("pk"))) | Exists(structure_changes)
        )
        .select_related("declaration__structure__departement__region")
    )
    for case in recent.iterator(chunk_size=200):
        obligations_sync(case=case)
    sent = 0
    candidates = Obligation.objects.filter(
        done_at__isnull=True,
        reminded_at__isnull=True,
        due_at__lte=now + reminder_lead(),
        case__closed_at__isnull=True,
    ).values_list("pk", flat=True)
    for pk in list(candidates):
        with transaction.atomic():
            obligation = (
                Obligation.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, reminded_at__isnull=True, done_at__isnull=True)
                .select_related("case__structure__departement__region", "case__declaration")
                .first()
            )
            if obligation is None:
                continue
            _remind(obligation, now)
            obligation.reminded_at = now
            obligation.save(update_fields=["reminded_at"])
            sent += 1
    return sent


def _remind(obligation: Obligation, now: datetime) -> None:
    case = obligation.case
    zone = structure_zone(case.structure)
    due = timezone.localtime(obligation.due_at, zone).strftime("%d/%m/%Y %H:%M")
    label = ObligationKind(obligation.kind).label
    if obligation.due_at <= now:
        subject = _("Notification overdue: %(what)s") % {"what": label}
        message = _("This notification was due on %(due)s (%(tz)s) and is not recorded as made.")
    else:
        subject = _("Notification due soon: %(what)s") % {"what": label}
        message = _(
            "This notification is due on %(due)s (%(tz)s). Record it on the case once made."
        )
    message = message % {"due": due, "tz": zone_label(zone)}
    if case.is_military and not case.shared_with_cell:
        cell = national("defence")
    else:
        cell = national("acss")
    notify(
        case,
        purpose=f"obligation:{obligation.kind}:cell",
        subject=subject,
        message=message,
        to=cell,
    )
    notify(
        case,
        purpose=f"obligation:{obligation.kind}:structure",
        subject=subject,
        message=message,
        to=structure(case),
    )


# --- clusters --------------------------------------------------------------------------


def cell_cases() -> Any:
    condition = case_filter(CELL_SCOPE)
    return Case.objects.all() if condition is None else Case.objects.filter(condition)


def clusters_record(*, now: datetime | None = None) -> list[Cluster]:
    """Record the clusters found now; tell the cell (in-app) once about each new one, with
    the rule that found it. A cluster still active (seen within the window) only gains its
    new cases. Idempotent, even when two workers run it at once: each signature is taken
    under a transaction-level advisory lock before it is looked up."""
    from django.db import connection

    now = now or timezone.now()
    created: list[Cluster] = []
    active_since = now - timedelta(days=window_days())
    for found in find_clusters(cell_cases(), now=now):
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(hashtext(%s), %s)",
                    [found.key, found.region_id],
                )
            cluster = (
                Cluster.objects.select_for_update()
                .filter(key=found.key, region_id=found.region_id, last_seen_at__gte=active_since)
                .order_by("-last_seen_at")
                .first()
            )
            if cluster is None:
                cluster = Cluster.objects.create(
                    basis=found.basis,
                    key=found.key,
                    label=found.label[:500],
                    region_id=found.region_id,
                    first_seen_at=now,
                    last_seen_at=now,
                    notified_at=now,
                )
                cluster.cases.add(*found.case_ids)
                notification_create(
                    users=users_with(Role.ACSS_ANALYST),
                    title=ngettext(
                        "Weak signal: %(n)d case in %(region)s — %(label)s",
                        "Weak signal: %(n)d cases in %(region)s — %(label)s",
                        len(found.case_ids),
                    )
                    % {"n": len(found.case_ids), "region": found.region_name, "label": found.label},
                    body=_(
                        "Rule: %(basis)s. Cases detected within %(days)d days share this signal."
                    )
                    % {"basis": cluster.get_basis_display(), "days": window_days()},
                    url=reverse("insights:clusters"),
                    topic=f"cluster:{cluster.pk}",
                )
                created.append(cluster)
            else:
                cluster.last_seen_at = now
                cluster.save(update_fields=["last_seen_at"])
                cluster.cases.add(*found.case_ids)
    return created
