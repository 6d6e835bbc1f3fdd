"""The doors to an account, tightened around allauth's views.

- The Django admin has no password form of its own: its login address hands over to
  allauth's sign-in (password, then second factor), keeping ``?next=``.
- Activating a TOTP device proves possession of it: the session is recorded as having
  passed the second factor (and as recently reauthenticated, as allauth records a code
  typed on its reauthentication page), so the recovery codes follow without a prompt.
- An e-mail address becomes the main one only once verified (allauth lets an account
  without any verified address promote an unverified one).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from allauth.account import views as account_views
from allauth.mfa.totp import views as totp_views
from allauth.mfa.totp.internal import flows as totp_flows
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.generic.edit import FormView

from vigie.core.mfa import session_record_mfa


@never_cache
def admin_login(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    """Replaces the admin's login view; never reads a password."""
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("admin:index")
    if request.user.is_authenticated:
        # Staff sessions reach this only once the MFA middleware let them through.
        if request.user.is_active and request.user.is_staff:
            return redirect(next_url)
        raise PermissionDenied
    return redirect(f"{reverse('account_login')}?{urlencode({'next': next_url})}")


class ActivateTOTPView(totp_views.ActivateTOTPView):
    def form_valid(self, form: Any) -> HttpResponse:
        totp, recovery_codes = totp_flows.activate_totp(self.request, form)
        # The code just typed proves the new device, in a session signed in with the
        # password: as allauth's own reauthentication by code, it counts as recent, so
        # the recovery codes shown next need no second password prompt.
        session_record_mfa(self.request, totp, reauthenticated=True)
        self.did_generate_recovery_codes = bool(recovery_codes)
        return FormView.form_valid(self, form)


class EmailView(account_views.EmailView):
    def _action_primary(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        address = self._get_email_address(request)
        if address is not None and not address.verified:
            messages.error(
                request, _("Only a verified e-mail address can become your main address.")
            )
            return HttpResponseRedirect(self.get_success_url())
        return super()._action_primary(request, *args, **kwargs)


activate_totp = ActivateTOTPView.as_view()
email = EmailView.as_view()
