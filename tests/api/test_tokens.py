"""API tokens: only a hash is stored, revocation is immediate, the command prints the key."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from django.utils.translation import gettext, override
from rest_framework.test import APIClient

from tests.factories import login_with_mfa
from vigie.api.models import ApiToken
from vigie.api.services import api_token_authenticate, api_token_create, api_token_revoke
from vigie.core.scoping import forget_scope, scope_for
from vigie.directory import services as directory_services
from vigie.directory.models import Membership, Role, User

pytestmark = pytest.mark.django_db

DETAIL_URL = "/api/v1/declarations/SSI-2000-00001"


def get_with(key: str) -> Any:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client.get(DETAIL_URL)


def test_only_the_hash_of_the_key_is_stored(world: Any) -> None:
    token, key = api_token_create(user=world.declarant_lyon, name="Script", by=None)
    assert len(key) >= 40
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert key not in {str(value) for value in row.values()}
    assert row["key_hash"] == hashlib.sha256(key.encode()).hexdigest()
    assert row["key_prefix"] == key[:8]
    assert key not in str(token)
    assert api_token_authenticate(key) == token
    assert api_token_authenticate(key + "x") is None


def test_two_tokens_never_share_a_key(world: Any) -> None:
    keys = {api_token_create(user=world.declarant_lyon, name="t", by=None)[1] for _ in range(5)}
    assert len(keys) == 5


def test_last_use_is_written_at_most_once_a_minute(world: Any) -> None:
    token, key = api_token_create(user=world.declarant_lyon, name="Script", by=None)
    assert token.last_used_at is None
    assert get_with(key).status_code == 404  # authenticated: the reference does not exist
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    get_with(key)
    token.refresh_from_db()
    assert token.last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=2))
    get_with(key)
    token.refresh_from_db()
    assert token.last_used_at > first - timedelta(seconds=1)


def test_revoked_token_is_refused_at_once(world: Any) -> None:
    token, key = api_token_create(user=world.declarant_lyon, name="Script", by=None)
    assert get_with(key).status_code == 404
    revoked = api_token_revoke(token=token, by=world.declarant_lyon)  # its own user may
    assert revoked.revoked_at is not None and revoked.revoked_by == world.declarant_lyon
    response = get_with(key)
    assert response.status_code == 401
    with override("fr"):
        assert response.json()["detail"] == gettext("This API token has been revoked.")
    # Revoking twice keeps the first date.
    again = api_token_revoke(token=token, by=None)
    assert again.revoked_at == revoked.revoked_at


def test_deactivated_account_token_is_refused(world: Any) -> None:
    _token, key = api_token_create(user=world.declarant_lyon, name="Script", by=None)
    world.declarant_lyon.is_active = False
    world.declarant_lyon.save()
    assert get_with(key).status_code == 401


def test_only_administrators_issue_or_revoke_others_tokens(world: Any) -> None:
    with pytest.raises(PermissionDenied):
        api_token_create(user=world.declarant_lyon, name="x", by=world.declarant_lyon)
    token, _key = api_token_create(user=world.declarant_lyon, name="x", by=world.admin)
    assert token.created_by == world.admin
    with pytest.raises(PermissionDenied):
        api_token_revoke(token=token, by=world.acss)
    assert api_token_revoke(token=token, by=world.admin).revoked_by == world.admin


def test_tokens_visible_to_their_user_and_administrators(world: Any) -> None:
    mine, _ = api_token_create(user=world.declarant_lyon, name="a", by=None)
    TOTP.activate(world.acss, generate_totp_secret())  # a staff role's token needs it
    forget_scope(world.acss)
    other, _ = api_token_create(user=world.acss, name="b", by=None)
    assert list(ApiToken.objects.visible_to(world.declarant_lyon)) == [mine]
    assert set(ApiToken.objects.visible_to(world.admin)) == {mine, other}
    assert not ApiToken.objects.visible_to(world.nobody).exists()


def run_command(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("create_api_token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_command_creates_the_integration_account_and_prints_the_key_once(db: None) -> None:
    out, err = run_command(
        "--email", "Portail@Signalement.test", "--name", "Portail", "--integration"
    )
    key = out.strip()
    assert "\n" not in key and len(key) >= 40
    assert key not in err
    user = User.objects.get(email="portail@signalement.test")
    assert not user.has_usable_password()
    assert Membership.objects.active().filter(user=user, role=Role.API_INTEGRATION).exists()
    assert scope_for(user).has(Role.API_INTEGRATION)
    token = ApiToken.objects.get(user=user)
    assert token.name == "Portail" and token.created_by is None
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    # A second token for the same account: no second membership.
    run_command("--email", "portail@signalement.test", "--name", "Secours", "--integration")
    assert Membership.objects.filter(user=user).count() == 1
    assert ApiToken.objects.filter(user=user).count() == 2


def test_command_refuses_an_unknown_account_without_integration(world: Any) -> None:
    with pytest.raises(CommandError):
        run_command("--email", "inconnu@example.test", "--name", "x")
    out, _err = run_command("--email", world.declarant_lyon.email, "--name", "Script")
    assert ApiToken.objects.get(user=world.declarant_lyon).key_prefix == out.strip()[:8]


def test_admin_lists_and_revokes_without_showing_keys(world: Any, make_user: Any) -> None:
    token, key = api_token_create(user=world.declarant_lyon, name="Script RSSI", by=None)
    operator = make_user()
    directory_services.membership_grant(user=operator, role=Role.ADMINISTRATOR, by=None)
    client = login_with_mfa(Client(), operator)
    page = client.get("/admin/api/apitoken/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Script RSSI" in html and token.key_prefix in html
    assert key not in html and token.key_hash not in html
    assert client.get("/admin/api/apitoken/add/").status_code == 403
    detail = client.get(f"/admin/api/apitoken/{token.pk}/change/").content.decode()
    assert token.key_hash not in detail
    response = client.post(
        "/admin/api/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == operator
    assert timezone.now() - token.revoked_at < timedelta(minutes=1)
