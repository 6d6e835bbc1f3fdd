"""Staff sessions must have passed a second factor before they can do anything else."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from vigie.core.mfa import has_mfa, requires_mfa, session_passed_mfa
from vigie.core.scoping import scope_for

__all__ = ["RequireMFAMiddleware", "has_mfa", "requires_mfa"]

# Paths every signed-in user may reach whatever their second factor: logging out, assets.
_ALWAYS_ALLOWED = ("/compte/logout/", "/static/")
# A staff account without a device yet may set one up (allauth's MFA pages).
_SET_UP = ("/compte/2fa/", "/compte/reauthenticate/")
# A staff account with a device, in a session that has not proved it: the code prompt only.
_PROVE = ("/compte/2fa/reauthenticate/",)


def _refuse(request: HttpRequest, detail: str, page: str, message: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": detail}, status=403)
    messages.warning(request, message)
    return redirect(page)


class RequireMFAMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            not user.is_authenticated
            or request.path.startswith(_ALWAYS_ALLOWED)
            or not requires_mfa(user)
        ):
            return self.get_response(request)
        # Both read with the scope and the session already loaded: no extra query.
        if not scope_for(user).has_totp:
            if request.path.startswith(_SET_UP):
                return self.get_response(request)
            return _refuse(
                request,
                _("Multi-factor authentication must be set up first."),
                reverse("mfa_activate_totp"),
                _(
                    "Your role requires two-factor authentication. Set up an "
                    "authenticator application to continue."
                ),
            )
        if not session_passed_mfa(request, user):
            if request.path.startswith(_PROVE):
                return self.get_response(request)
            return _refuse(
                request,
                _(
                    "This session has not passed two-factor authentication: sign in with "
                    "the code of your authenticator application."
                ),
                f"{reverse('mfa_reauthenticate')}?{urlencode({'next': request.get_full_path()})}",
                _(
                    "Your role requires two-factor authentication. Enter the code of your "
                    "authenticator application to continue."
                ),
            )
        return self.get_response(request)
