"""Reads on reference data and people; each one starts from visible_to(user)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core import signing
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from vigie.core.scoping import scope_for
from vigie.core.sql import col
from vigie.directory.finess import format_finess
from vigie.directory.models import (
    INVITATION_TOKEN_SALT,
    Invitation,
    Membership,
    Region,
    Role,
    Structure,
    Vendor,
)


def structures_visible(user: Any) -> QuerySet[Structure]:
    return Structure.objects.visible_to(user).select_related("departement__region", "legal_entity")


def structure_search(
    user: Any, *, query: str = "", region_code: str = "", kind: str = ""
) -> QuerySet[Structure]:
    qs = structures_visible(user)
    query = query.strip()
    if query:
        compact = query.replace(" ", "")
        qs = qs.filter(
            Q(name__icontains=query) | Q(town__icontains=query) | Q(finess__startswith=compact)
        )
    if region_code:
        qs = qs.filter(departement__region__code=region_code)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("name", "finess")


def declarant_structures(user: Any) -> QuerySet[Structure]:
    scope = scope_for(user)
    return structures_visible(user).filter(pk__in=scope.declarant_structure_ids)


def member_structures(user: Any) -> QuerySet[Structure]:
    scope = scope_for(user)
    return structures_visible(user).filter(pk__in=scope.member_structure_ids)


def directed_structures(user: Any) -> QuerySet[Structure]:
    scope = scope_for(user)
    return structures_visible(user).filter(pk__in=scope.directed_structure_ids)


def ars_regions(user: Any) -> QuerySet[Region]:
    scope = scope_for(user)
    return Region.objects.visible_to(user).filter(pk__in=scope.ars_region_ids)


def structure_counts_by_region(user: Any) -> list[dict[str, Any]]:
    """Number of visible structures per region, for the staff home pages."""
    rows = (
        structures_visible(user)
        .values("departement__region__code", "departement__region__name")
        .annotate(total=Count("pk"))
        .order_by("departement__region__code")
    )
    return [
        {
            "code": row["departement__region__code"],
            "name": row["departement__region__name"],
            "total": row["total"],
        }
        for row in rows
    ]


@dataclass(frozen=True)
class RoleHeld:
    """One of a person's active memberships, as their account page lists it."""

    role: str
    # What the role is bound to, as the page names it (a structure, an ARS, a vendor), or "".
    target: str
    starts_at: datetime

    @property
    def role_label(self) -> str:
        return str(Role(self.role).label) if self.role in Role.values else self.role


_ROLES_HELD_SQL: str | None = None


def roles_held(user: Any) -> list[RoleHeld]:
    """``user``'s own active memberships, by role. One fixed statement, written once from
    the models (the ORM took longer compiling this four-table join than running it, on a
    page every person opens). A person's own memberships are always within what they may
    read (directory.scopes: a membership is visible to its user); tests compare the rows
    with visible_to's for every role."""
    scope = scope_for(user)
    if not scope.is_authenticated:
        return []
    global _ROLES_HELD_SQL
    if _ROLES_HELD_SQL is None:
        m, s, r, v = Membership._meta, Structure._meta, Region._meta, Vendor._meta

        _ROLES_HELD_SQL = f"""
            SELECT m.{col(m, "role")}, s.{col(s, "name")}, s.{col(s, "finess")},
                   r.{col(r, "ars_name")}, v.{col(v, "name")}, m.{col(m, "starts_at")}
              FROM "{m.db_table}" m
              LEFT JOIN "{s.db_table}" s ON s.{col(s, "id")} = m.{col(m, "structure")}
              LEFT JOIN "{r.db_table}" r ON r.{col(r, "id")} = m.{col(m, "region")}
              LEFT JOIN "{v.db_table}" v ON v.{col(v, "id")} = m.{col(m, "vendor")}
             WHERE m.{col(m, "user")} = %(user)s
               AND m.{col(m, "starts_at")} <= %(now)s
               AND (m.{col(m, "revoked_at")} IS NULL OR m.{col(m, "revoked_at")} > %(now)s)
             ORDER BY m.{col(m, "role")}, m.{col(m, "id")}
        """  # noqa: S608 (identifiers from the models' metadata; every value is bound)
    with connection.cursor() as cursor:
        cursor.execute(_ROLES_HELD_SQL, {"user": scope.user_id, "now": timezone.now()})
        rows = cursor.fetchall()
    return [
        RoleHeld(
            role=role,
            # As Structure.__str__, then the region's ARS, then Vendor.__str__.
            target=(
                f"{structure} ({format_finess(finess)})"
                if structure is not None
                else ars_name or vendor or ""
            ),
            starts_at=starts_at,
        )
        for role, structure, finess, ars_name, vendor, starts_at in rows
    ]


def role_labels(user: Any) -> list[str]:
    scope = scope_for(user)
    labels = [str(Role(role).label) for role in sorted(scope.roles) if role in Role.values]
    if scope.is_superuser and str(Role.ADMINISTRATOR.label) not in labels:
        labels.append(str(Role.ADMINISTRATOR.label))
    return labels


def delegations_of(user: Any, structure: Structure) -> QuerySet[Membership]:
    """Declarant delegations of a structure the user directs, revoked ones included."""
    return (
        Membership.objects.visible_to(user)
        .filter(structure=structure, role=Role.DECLARANT)
        .select_related("user", "granted_by", "revoked_by")
        .order_by("revoked_at", "-starts_at")
    )


def invitations_waiting(user: Any, structure: Structure) -> QuerySet[Invitation]:
    """Designations of a structure the user manages that nobody accepted yet (expired
    ones included, so the director sees they lapsed); replaced ones are left out."""
    return Invitation.objects.visible_to(user).filter(
        structure=structure, accepted_at__isnull=True, cancelled_at__isnull=True
    )


def invitation_from_token(token: str) -> Invitation | None:
    """The invitation of a link (None when the link was not signed by this server).

    Not a visible_to read: the signed link is the capability, whoever holds it; what it
    allows is decided by services.invitation_accept.
    """
    try:
        pk = signing.loads(token, salt=INVITATION_TOKEN_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(pk, int):
        return None
    return Invitation.objects.select_related("structure", "invited_by").filter(pk=pk).first()
