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


def in_own_thread(function: Any) -> Any:
    """Call ``function`` in a new thread and return its result (re-raising its error), so
    that asyncio.run() works even when an event loop is left running in this thread
    (Playwright's, after the browser tests)."""
    import threading

    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = function()
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")
