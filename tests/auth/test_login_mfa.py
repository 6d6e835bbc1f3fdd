"""Login, MFA enforcement, rate limiting, password reset and session security."""

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
from django.test import Client

from tests.factories import login_with_mfa
from vigie.directory.models import Role

pytestmark = pytest.mark.django_db

PASSWORD = "Correct-Horse-Battery-42"


@pytest.fixture(autouse=True)
def _clear_rate_limits() -> None:
    cache.clear()


def current_code(secret: str) -> str:
    counter = list(yield_hotp_counters_from_time())[1]  # the middle one: "now"
    return format_hotp_value(hotp_value(secret, counter))


def login(client: Client, email: str, password: str = PASSWORD) -> Any:
    return client.post("/compte/login/", {"login": email, "password": password})


def test_passwords_are_hashed_with_argon2(make_user: Any) -> None:
    user = make_user(password=PASSWORD)
    assert user.password.startswith("argon2")


def test_declarant_logs_in_with_a_password_only(make_user: Any, world: Any) -> None:
    user = make_user(Role.DECLARANT, password=PASSWORD, structure=world.lyon)
    client = Client()
    response = login(client, user.email)
    assert response.status_code == 302 and response["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "Hôpital Édouard Herriot" in home.content.decode()


@pytest.mark.parametrize(
    ("role", "target"),
    [
        (Role.ACSS_ANALYST, None),
        (Role.ARS_OFFICER, "region"),
        (Role.HFDS, None),
        (Role.DGS, None),
        (Role.ANSM, None),
        (Role.DEFENCE, None),
        (Role.ADMINISTRATOR, None),
    ],
)
def test_staff_must_set_up_mfa_before_anything_else(
    make_user: Any, world: Any, role: str, target: str | None
) -> None:
    from vigie.directory.models import Region

    extra = {"region": Region.objects.get(code="11")} if target else {}
    user = make_user(role, password=PASSWORD, **extra)
    client = Client()
    login(client, user.email)
    for path in ("/", "/structures/", "/compte/profil/", "/admin/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == "/compte/2fa/totp/activate/", path
    assert client.get("/compte/2fa/totp/activate/").status_code == 200


def test_staff_sets_up_totp_then_logs_in_with_a_code(make_user: Any) -> None:
    user = make_user(Role.ACSS_ANALYST, password=PASSWORD)
    client = Client()
    login(client, user.email)
    page = client.get("/compte/2fa/totp/activate/")
    secret = page.context["form"].secret
    assert secret in page.content.decode()  # shown for manual entry beside the QR code

    wrong = client.post("/compte/2fa/totp/activate/", {"code": "000000"})
    assert wrong.status_code == 200
    assert not Authenticator.objects.filter(user=user).exists()

    activated = client.post("/compte/2fa/totp/activate/", {"code": current_code(secret)})
    assert activated.status_code == 302
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert client.get("/").status_code == 200

    # A new session: the password alone is not enough.
    fresh = Client()
    response = login(fresh, user.email)
    assert response["Location"] == "/compte/2fa/authenticate/"
    assert fresh.get("/").context["user"].is_authenticated is False
    bad = fresh.post("/compte/2fa/authenticate/", {"code": "123456"})
    assert bad.status_code == 200
    assert fresh.get("/").context["user"].is_authenticated is False

    cache.clear()  # the activation code was marked used; take the next valid one
    counter = list(yield_hotp_counters_from_time())[2]
    code = format_hotp_value(hotp_value(secret, counter))
    ok = fresh.post("/compte/2fa/authenticate/", {"code": code})
    assert ok.status_code == 302
    assert fresh.get("/").context["user"] == user


def test_staff_cannot_switch_mfa_off(make_user: Any) -> None:
    user = make_user(Role.HFDS, password=PASSWORD)
    TOTP.activate(user, generate_totp_secret())
    client = login_with_mfa(Client(), user)
    client.post("/compte/2fa/totp/deactivate/", {})
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def test_failed_logins_are_rate_limited(make_user: Any) -> None:
    user = make_user(password=PASSWORD)
    client = Client()
    for _ in range(5):
        response = login(client, user.email, "wrong-password")
        assert response.status_code == 200
        assert "L’adresse e-mail ou le mot de passe sont incorrects." in response.content.decode()
    # Past the limit, even the right password is refused, with an explanation.
    blocked = login(client, user.email)
    assert blocked.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "Trop de tentatives de connexion échouées" in blocked.content.decode()
    # Another account from another address is not affected.
    other = make_user(password=PASSWORD)
    assert login(Client(REMOTE_ADDR="10.0.0.9"), other.email).status_code == 302


def test_password_reset_sends_an_email(make_user: Any, mailoutbox: list[Any]) -> None:
    user = make_user(password=PASSWORD)
    response = Client().post("/compte/password/reset/", {"email": user.email})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [user.email]
    assert "/compte/password/reset/key/" in mailoutbox[0].body


def test_no_self_signup() -> None:
    response = Client().get("/compte/signup/")
    assert response.status_code in (200, 302)
    assert b'name="password1"' not in response.content


def test_session_and_csrf_cookies_are_secure(make_user: Any) -> None:
    user = make_user(password=PASSWORD)
    client = Client()
    client.get("/compte/login/")
    response = login(client, user.email)
    session = response.cookies["vigie_session"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
    csrf = (
        client.get("/compte/login/").cookies.get("vigie_csrftoken")
        or client.cookies["vigie_csrftoken"]
    )
    assert csrf["secure"]


def test_security_headers(client: Client) -> None:
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
