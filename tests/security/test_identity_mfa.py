"""Every door checks that *this session* passed the second factor: the site, the admin
and the session-authenticated API. A TOTP device merely existing is not enough."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.core.cache import cache
from django.test import Client, RequestFactory

from vigie.directory import services
from vigie.directory.models import Role, User

pytestmark = pytest.mark.django_db

PASSWORD = "Correct-Horse-Battery-42"
STAFF_PAGES = ("/", "/dossiers/", "/structures/", "/statistiques/", "/compte/profil/")


@pytest.fixture(autouse=True)
def _clear_rate_limits() -> None:
    cache.clear()  # login rate limits and used TOTP codes


def code(secret: str, step: int = 0) -> str:
    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counters[1 + step]))


def administrator(make_user: Any) -> tuple[User, str]:
    user = make_user(password=PASSWORD)
    services.membership_grant(user=user, role=Role.ADMINISTRATOR, by=None)
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return user, secret


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def password_only_session(user: User) -> Client:
    """A session holding the user but no second factor (what Django's own admin login
    produced): allauth's records show the password step only."""
    from allauth.account.internal.flows.login import record_authentication

    client = Client()
    client.force_login(user)
    request = RequestFactory().get("/")
    request.session = client.session
    record_authentication(request, user, "password", email=user.email)
    request.session.save()
    return client


def test_admin_password_login_does_not_open_the_admin(make_user: Any) -> None:
    user, _secret = administrator(make_user)
    client = Client()
    response = client.post(
        "/admin/login/?next=/admin/", {"username": user.email, "password": PASSWORD}
    )
    # The admin has no password form any more: it hands over to the site's sign-in.
    assert response.status_code == 302
    assert response["Location"].startswith("/compte/login/")
    assert "next=%2Fadmin%2F" in response["Location"]
    assert not signed_in(client)
    admin = client.get("/admin/")
    assert admin.status_code == 302 and admin["Location"].startswith("/admin/login/")
    for path in STAFF_PAGES[1:]:
        page = client.get(path)
        assert page.status_code == 302 and page["Location"].startswith("/compte/login/"), path


def test_password_only_session_reaches_no_staff_page(make_user: Any, world: Any) -> None:
    user, _secret = administrator(make_user)
    client = password_only_session(user)
    for path in ("/admin/", "/admin/directory/user/", *STAFF_PAGES):
        page = client.get(path)
        assert page.status_code == 302, path
        assert page["Location"].startswith("/compte/2fa/reauthenticate/"), path
    # Nor the pages that manage the second factor itself (recovery codes).
    for path in ("/compte/2fa/", "/compte/2fa/recovery-codes/", "/compte/2fa/totp/deactivate/"):
        page = client.get(path)
        assert page.status_code == 302, path
        assert page["Location"].startswith("/compte/2fa/reauthenticate/"), path
    api = client.get("/api/v1/declarations/SSI-2000-00001")
    assert api.status_code == 403 and api["Content-Type"] == "application/json"
    # A staff role without any membership but the admin flag is held to the same rule.
    operator = make_user(password=PASSWORD)
    operator.is_staff = True
    operator.save()
    TOTP.activate(operator, generate_totp_secret())
    assert password_only_session(operator).get("/admin/").status_code == 302


def test_admin_login_goes_through_password_and_code(make_user: Any) -> None:
    user, secret = administrator(make_user)
    client = Client()
    start = client.get("/admin/login/?next=/admin/directory/structure/")
    assert start.status_code == 302
    assert start["Location"] == "/compte/login/?next=%2Fadmin%2Fdirectory%2Fstructure%2F"
    # A next that leaves the site is dropped.
    evil = client.get("/admin/login/?next=https://evil.example/")
    assert evil["Location"] == "/compte/login/?next=%2Fadmin%2F"

    step = client.post(
        "/compte/login/",
        {"login": user.email, "password": PASSWORD, "next": "/admin/directory/structure/"},
    )
    assert step.status_code == 302 and step["Location"] == "/compte/2fa/authenticate/"
    assert not signed_in(client)
    assert client.get("/admin/").status_code == 302
    done = client.post("/compte/2fa/authenticate/", {"code": code(secret)})
    assert done.status_code == 302 and done["Location"] == "/admin/directory/structure/"
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/directory/structure/").status_code == 200
    # Once signed in, the admin's login address simply leads on.
    assert client.get("/admin/login/?next=/admin/")["Location"] == "/admin/"


def test_signed_in_non_staff_is_refused_by_the_admin_login(world: Any) -> None:
    from tests.factories import client_for

    client = client_for(world.declarant_lyon)
    assert client.get("/admin/login/?next=/admin/").status_code == 403


def test_a_session_without_mfa_is_asked_for_a_code_then_let_through(make_user: Any) -> None:
    user, secret = administrator(make_user)
    client = password_only_session(user)
    asked = client.get("/admin/directory/structure/")
    prompt = "/compte/2fa/reauthenticate/?next=%2Fadmin%2Fdirectory%2Fstructure%2F"
    assert asked["Location"] == prompt
    page = client.get(asked["Location"])
    assert page.status_code == 200
    wrong = client.post(asked["Location"], {"code": "000000"})
    assert wrong.status_code == 200
    assert client.get("/admin/").status_code == 302
    ok = client.post(asked["Location"], {"code": code(secret)})
    assert ok.status_code == 302 and ok["Location"] == "/admin/directory/structure/"
    assert client.get("/admin/").status_code == 200


def test_deleted_or_replaced_totp_voids_the_sessions_second_factor(make_user: Any) -> None:
    user, secret = administrator(make_user)
    client = Client()
    client.post("/compte/login/", {"login": user.email, "password": PASSWORD})
    client.post("/compte/2fa/authenticate/", {"code": code(secret)})
    assert client.get("/admin/").status_code == 200

    # The device is reset (lost phone): the session must set a new one up before going on;
    # activating it in this session proves possession, so the session counts as complete.
    Authenticator.objects.filter(user=user).delete()
    reset = client.get("/admin/")
    assert reset.status_code == 302 and reset["Location"] == "/compte/2fa/totp/activate/"
    form = client.get("/compte/2fa/totp/activate/")
    assert form.status_code == 200
    new_secret = form.context["form"].secret
    activated = client.post("/compte/2fa/totp/activate/", {"code": code(new_secret)})
    assert activated.status_code == 302
    assert client.get("/admin/").status_code == 200

    # The device is replaced from elsewhere: what this session proved is no longer current.
    Authenticator.objects.filter(user=user).delete()
    TOTP.activate(user, generate_totp_secret())
    stale = client.get("/admin/")
    assert stale.status_code == 302
    assert stale["Location"].startswith("/compte/2fa/reauthenticate/")
