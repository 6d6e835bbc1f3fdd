from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    """Accounts are opened by the operator or a structure's director, never by sign-up."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def is_reauthentication_required(self, *, app: str, **kwargs: Any) -> bool:
        """The first MFA set-up comes straight after login: no second password prompt.

        Changing an existing second factor still requires a fresh reauthentication.
        """
        from vigie.core.mfa import has_mfa

        user = getattr(self.request, "user", None)
        if app.endswith("mfa") and user is not None and user.is_authenticated and not has_mfa(user):
            return False
        return bool(super().is_reauthentication_required(app=app, **kwargs))


class MFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """Staff roles cannot switch their second factor off, only replace it."""
        from vigie.core.mfa import requires_mfa

        if authenticator.type == Authenticator.Type.TOTP and requires_mfa(authenticator.user):
            return False
        return super().can_delete_authenticator(authenticator)
