"""API clients holding a bearer token, and a complete JSON declaration."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.utils import timezone
from rest_framework.test import APIClient

from vigie.api.services import api_token_create, integration_account_create, mfa_missing
from vigie.core.scoping import forget_scope
from vigie.directory.models import User


@pytest.fixture
def portal(db: None) -> User:
    """The national portal's service account."""
    return integration_account_create(email="portail@signalement.test", name="Portail")


@pytest.fixture
def token_client(db: None) -> Callable[..., APIClient]:
    """An APIClient authenticated with a fresh token of ``user`` (staff roles get the
    authenticator they must have to hold a token)."""

    def make(user: User, keyword: str = "Bearer") -> APIClient:
        if mfa_missing(user):
            TOTP.activate(user, generate_totp_secret())
            forget_scope(user)
        _token, key = api_token_create(user=user, name=f"test {user.email}", by=None)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"{keyword} {key}")
        return client

    return make


def iso(moment: Any) -> str:
    return moment.isoformat()


def payload(**overrides: Any) -> dict[str, Any]:
    """A complete declaration as the portal sends it (JSON types)."""
    data: dict[str, Any] = {
        "structure_finess": "690784137",  # world.lyon, an OIV
        "declarant_name": "Claire Martin",
        "declarant_function": "RSSI",
        "declarant_email": "claire.martin@chu.example.test",
        "declarant_phone": "04 72 00 00 00",
        "detected_at": iso(timezone.now() - timedelta(hours=2)),
        "started_at": iso(timezone.now() - timedelta(hours=5)),
        "incident_type": "ransomware",
        "systems_affected": ["servers", "workstations"],
        "care_impact": "potential",
        "data_availability": True,
        "malicious": "yes",
        "can_handle_alone": "no",
        "help_needed": True,
        "description": "Chiffrement des serveurs de fichiers découvert à 1 h du matin.",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not ...}
