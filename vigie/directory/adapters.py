from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    """Accounts are opened by the operator or a structure's director, never by sign-up."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False
