"""Staff accounts must have a second factor before they can do anything else."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from vigie.core.scoping import scope_for

# Paths a staff user without MFA may still reach: setting MFA up, logging out, assets.
_ALLOWED_PREFIXES = (
    "/compte/2fa/",
    "/compte/logout/",
    "/compte/reauthenticate/",
    "/static/",
)


def requires_mfa(user: Any) -> bool:
    return scope_for(user).is_staff_role or bool(getattr(user, "is_staff", False))


def has_mfa(user: Any) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class RequireMFAMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(_ALLOWED_PREFIXES)
            and requires_mfa(user)
            and not scope_for(user).has_totp  # read with the scope: no extra query
        ):
            if request.path.startswith("/api/"):
                return HttpResponse(
                    '{"detail": "Multi-factor authentication must be set up first."}',
                    status=403,
                    content_type="application/json",
                )
            messages.warning(
                request,
                _(
                    "Your role requires two-factor authentication. Set up an "
                    "authenticator application to continue."
                ),
            )
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)
