"""Authentication backends: Django's and allauth's, whose signed-in user comes with their
scope in one statement (scoping.user_with_scope) instead of a user query followed by the
scope's. Nothing else differs: same passwords, same checks, same session verification.

Sessions opened before these backends were named in AUTHENTICATION_BACKENDS carry the
names of the original classes; vigie/core/sessions.py reads those as these.
"""

from __future__ import annotations

from typing import Any

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

from vigie.core.scoping import user_with_scope


def _get_user(backend: DjangoModelBackend, user_id: Any) -> Any:
    user = user_with_scope(user_id)
    return user if user is not None and backend.user_can_authenticate(user) else None


class ModelBackend(DjangoModelBackend):
    def get_user(self, user_id: Any) -> Any:
        return _get_user(self, user_id)


class AuthenticationBackend(AllauthBackend):
    def get_user(self, user_id: Any) -> Any:
        return _get_user(self, user_id)


# The backends' former names, as sessions opened before the change store them.
RENAMED = {
    "django.contrib.auth.backends.ModelBackend": f"{__name__}.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend": f"{__name__}.AuthenticationBackend",
}
