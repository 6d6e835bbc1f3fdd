"""scope_for's rows as the ORM built them before issue 18 (kept verbatim as the reference
the fixed SQL statement is compared with, by tests/core/test_scope_sql.py and by
bench/cuts.py's "before" rounds)."""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from django.db.models import Case, F, IntegerField, Value, When

from vigie.core.scoping import _DIRECTOR, _RECOVERY_CODES, _TOTP
from vigie.directory.models import Membership, Structure


def scope_rows_orm(user_id: int) -> list[Any]:
    memberships = (
        Membership.objects.active()
        .filter(user_id=user_id)
        .order_by()
        .values_list("role", "structure_id", "region_id", "vendor_id")
    )
    directs = (
        Structure.objects.filter(director_id=user_id, is_active=True)
        .order_by()
        .annotate(
            role=Value(_DIRECTOR),
            region_id=Value(None, IntegerField()),
            vendor_id=Value(None, IntegerField()),
        )
        .values_list("role", "pk", "region_id", "vendor_id")
    )
    second_factors = (
        Authenticator.objects.filter(
            user_id=user_id,
            type__in=[Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES],
        )
        .order_by()
        .annotate(
            role=Case(
                When(type=Authenticator.Type.TOTP, then=Value(_TOTP)),
                default=Value(_RECOVERY_CODES),
            ),
            structure_id=F("pk"),
            region_id=Value(None, IntegerField()),
            vendor_id=Value(None, IntegerField()),
        )
        .values_list("role", "structure_id", "region_id", "vendor_id")
    )
    return list(memberships.union(directs, second_factors, all=True))
