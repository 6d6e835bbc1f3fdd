"""Right after activating an authenticator, the recovery codes are shown without a
second password prompt; later, seeing them again needs a fresh reauthentication."""

from __future__ import annotations

import time
from typing import Any

import pytest
from allauth.account import app_settings as account_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.core.cache import cache
from django.test import Client

from vigie.directory.models import Role

pytestmark = pytest.mark.django_db

PASSWORD = "Correct-Horse-Battery-42"


@pytest.fixture(autouse=True)
def _clear_rate_limits() -> None:
    cache.clear()


def current_code(secret: str) -> str:
    counter = list(yield_hotp_counters_from_time())[1]
    return format_hotp_value(hotp_value(secret, counter))


def test_recovery_codes_follow_the_activation_without_a_password_prompt(
    make_user: Any, settings: Any
) -> None:
    user = make_user(Role.ACSS_ANALYST, password=PASSWORD)
    client = Client()
    client.post("/compte/login/", {"login": user.email, "password": PASSWORD})
    secret = client.get("/compte/2fa/totp/activate/").context["form"].secret

    activated = client.post(
        "/compte/2fa/totp/activate/", {"code": current_code(secret)}, follow=True
    )
    assert activated.redirect_chain[-1][0] == "/compte/2fa/recovery-codes/"
    page = activated.content.decode()
    codes = (
        Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
        .wrap()
        .get_unused_codes()
    )
    assert len(codes) == settings.MFA_RECOVERY_CODE_COUNT
    assert all(code in page for code in codes)
    assert 'name="password"' not in page

    # The proof ages like allauth's own reauthentication: later, a prompt again.
    session = client.session
    for record in session["account_authentication_methods"]:
        record["at"] = time.time() - account_settings.REAUTHENTICATION_TIMEOUT - 1
    session.save()
    later = client.get("/compte/2fa/recovery-codes/")
    assert later.status_code == 302
    assert "reauthenticate" in later["Location"]
