"""``Authorization: Bearer <key>`` (or ``Token <key>``) authentication for DRF."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied
from rest_framework.request import Request

from vigie.api.models import ApiToken
from vigie.api.services import api_token_authenticate, mfa_missing

KEYWORDS = (b"bearer", b"token")
MAX_KEY_LENGTH = 200


class ApiTokenAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None  # another scheme (or none): let the next class try
        if len(parts) != 2 or len(parts[1]) > MAX_KEY_LENGTH:
            raise AuthenticationFailed(
                _("Malformed Authorization header: expected “Bearer <key>”.")
            )
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise AuthenticationFailed(_("Invalid API token.")) from exc
        token = api_token_authenticate(key)
        if token is None:
            raise AuthenticationFailed(_("Invalid API token."))
        if token.revoked_at is not None:
            raise AuthenticationFailed(_("This API token has been revoked."))
        if not token.user.is_active:
            raise AuthenticationFailed(_("The account of this API token is deactivated."))
        if mfa_missing(token.user):
            # A token must not be a way around the second factor its account's role requires
            # (its scope is cached on the user for the view: no query added).
            raise PermissionDenied(
                _(
                    "This API token belongs to an account whose role requires two-factor "
                    "authentication, and the account has none: set up an authenticator "
                    "application on it first."
                )
            )
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (not 403) to a request without credentials.
        return 'Bearer realm="api"'
