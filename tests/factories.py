"""Builders shared by the test packages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from django.utils import timezone

from vigie.declarations.models import IncidentType
from vigie.directory.models import Role


def complete_values(**overrides: Any) -> dict[str, Any]:
    """Every field a submission needs, as a declarant would fill them."""
    values: dict[str, Any] = {
        "declarant_name": "Claire Martin",
        "declarant_function": "RSSI",
        "declarant_email": "claire.martin@chu.example.test",
        "declarant_phone": "04 72 00 00 00",
        "detected_at": timezone.now() - timedelta(hours=2),
        "incident_type": IncidentType.objects.get(code="ransomware"),
        "systems_affected": ["servers", "workstations"],
        "care_impact": "potential",
        "data_availability": True,
        "malicious": "yes",
        "can_handle_alone": "no",
        "help_needed": True,
        "description": "Chiffrement des serveurs de fichiers découvert à 1 h du matin.",
    }
    values.update(overrides)
    return values


def client_for(user: Any) -> Client:
    """A signed-in client; staff roles get the authenticator they are required to have."""
    client = Client()
    if (
        user.memberships.exclude(
            role__in=[Role.DECLARANT, Role.STRUCTURE_MEMBER, Role.VENDOR_CONTACT]
        ).exists()
        and not Authenticator.objects.filter(user=user).exists()
    ):
        TOTP.activate(user, generate_totp_secret())
    client.force_login(user)
    return client
