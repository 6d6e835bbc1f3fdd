"""Who must use a second factor, and whether the current session has passed it.

allauth keeps, in the session, a record of each authentication step ("password", then
"mfa" with the authenticator's id). A staff session counts as complete only when it
holds an "mfa" record for one of the user's *current* second factors: a device that
merely exists proves nothing about this session, and a replaced device voids older proofs.
"""

from __future__ import annotations

from typing import Any

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from django.http import HttpRequest

from vigie.core.scoping import scope_for

MFA_METHOD = "mfa"


def requires_mfa(user: Any) -> bool:
    return scope_for(user).is_staff_role or bool(getattr(user, "is_staff", False))


def has_mfa(user: Any) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def session_passed_mfa(request: HttpRequest, user: Any) -> bool:
    """The session proved one of the user's current second factors (no query: the
    session is loaded already and the authenticators come with the scope)."""
    current = scope_for(user).mfa_authenticator_ids
    return any(
        record.get("method") == MFA_METHOD and record.get("id") in current
        for record in get_authentication_records(request, user)
    )


def session_record_mfa(
    request: HttpRequest, authenticator: Authenticator, *, reauthenticated: bool = False
) -> None:
    """Record a second factor proved in this session outside allauth's login stage (the
    code typed to activate a new TOTP device proves possession of it), in allauth's format.

    ``reauthenticated`` marks it as allauth marks a code typed on its reauthentication
    page: for allauth's reauthentication timeout the session needs no other prompt."""
    # allauth's own recorder (an internal module: its format is what the checks above read).
    from allauth.account.internal.flows.login import record_authentication

    extra: dict[str, Any] = {"id": authenticator.pk, "type": authenticator.type}
    if reauthenticated:
        extra["reauthenticated"] = True
    record_authentication(request, authenticator.user, MFA_METHOD, **extra)
