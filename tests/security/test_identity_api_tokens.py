"""API tokens are a door too: a staff role without a second factor gets no token, and a
token issued earlier stops working once the account has no second factor."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils.translation import gettext, override
from rest_framework.test import APIClient

from tests.factories import client_for
from vigie.api.models import ApiToken
from vigie.api.services import api_token_create, integration_account_create
from vigie.directory.models import Role, User

pytestmark = pytest.mark.django_db

DETAIL_URL = "/api/v1/declarations/SSI-2000-00001"  # no such declaration: 404 once let in
REFUSAL = (
    "This API token belongs to an account whose role requires two-factor "
    "authentication, and the account has none: set up an authenticator application "
    "on it first."
)


def bearer(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.mark.parametrize("who", ["acss", "ars_idf", "admin", "superuser", "is_staff"])
def test_a_staff_token_stops_working_without_a_second_factor(
    world: Any, make_user: Any, who: str
) -> None:
    if who == "superuser":
        user = User.objects.create_superuser(email="root@vigie.test", password=None)
    elif who == "is_staff":
        user = make_user()
        user.is_staff = True
        user.save()
    else:
        user = getattr(world, who)
    TOTP.activate(user, generate_totp_secret())
    _token, key = api_token_create(user=user, name="Script", by=None)
    assert bearer(key).get(DETAIL_URL).status_code == 404  # let in

    Authenticator.objects.filter(user=user).delete()
    refused = bearer(key).get(DETAIL_URL)
    assert refused.status_code == 403
    assert refused["Content-Type"] == "application/json"
    with override("fr"):
        assert refused.json() == {"detail": gettext(REFUSAL)}
    assert "double authentification" in refused.json()["detail"]
    # The same account's session is refused as well (the MFA middleware).
    session = client_for(user)
    Authenticator.objects.filter(user=user).delete()
    assert session.get(DETAIL_URL).status_code == 403


def test_no_token_is_issued_to_a_staff_account_without_a_second_factor(world: Any) -> None:
    with pytest.raises(ValidationError) as refused, override("fr"):
        api_token_create(user=world.acss, name="Script", by=world.admin)
    assert "double authentification" in " ".join(refused.value.messages)
    assert not ApiToken.objects.filter(user=world.acss).exists()

    # Accounts without a staff role need no second factor for their tokens.
    portal = integration_account_create(email="portail@signalement.test", name="Portail")
    for user in (world.declarant_lyon, world.vendor_contact, portal):
        _token, key = api_token_create(user=user, name="Script", by=None)
        assert bearer(key).get(DETAIL_URL).status_code == 404, user


def run_command(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("create_api_token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_refuses_a_staff_account_without_a_second_factor(world: Any) -> None:
    with pytest.raises(CommandError) as refused:
        run_command("--email", world.hfds.email, "--name", "Script")
    assert "two-factor" in str(refused.value) or "double authentification" in str(refused.value)
    assert not ApiToken.objects.filter(user=world.hfds).exists()
    # Nor by making it an integration account: it keeps its staff role.
    with pytest.raises(CommandError):
        run_command("--email", world.hfds.email, "--name", "Script", "--integration")
    assert not ApiToken.objects.filter(user=world.hfds).exists()
    assert not world.hfds.memberships.filter(role=Role.API_INTEGRATION).exists()

    TOTP.activate(world.hfds, generate_totp_secret())
    out, _err = run_command("--email", world.hfds.email, "--name", "Script")
    assert ApiToken.objects.get(user=world.hfds).key_prefix == out.strip()[:8]
    # The portal's service account is not a staff role.
    out, _err = run_command("--email", "portail@signalement.test", "--name", "P", "--integration")
    assert ApiToken.objects.filter(user__email="portail@signalement.test").count() == 1
