"""The two-factor page: staff roles, whose second factor is mandatory, are told so and
get no "Désactiver" button; the server refuses anyway. Others may switch it off."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client, RequestFactory

from tests.factories import login_with_mfa
from vigie.core.mfa import session_record_mfa
from vigie.directory.models import Role

pytestmark = pytest.mark.django_db
DEACTIVATE = "/compte/2fa/totp/deactivate/"
MANDATORY = "Obligatoire pour votre rôle"


def reauthenticated(client: Client, user: Any) -> None:
    """The session just typed a code again, as allauth asks before changing the factor."""
    request = RequestFactory().get("/")
    request.session = client.session
    totp = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    session_record_mfa(request, totp, reauthenticated=True)
    request.session.save()


def has_totp(user: Any) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


@pytest.mark.parametrize("role", [Role.ACSS_ANALYST, Role.ARS_OFFICER, Role.HFDS, Role.DGS])
def test_staff_see_why_and_no_deactivate_button(make_user: Any, world: Any, role: str) -> None:
    where = {"region": world.ars_ara.memberships.get().region} if role == Role.ARS_OFFICER else {}
    user = make_user(role, **where)
    client = login_with_mfa(Client(), user)
    page = client.get("/compte/2fa/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "L’authentification à l’aide d’une application d’authentification est active." in html
    assert MANDATORY in html
    assert "ne peut pas être désactivé" in html
    assert "code de récupération" in html and "administrateur de la plateforme" in html
    assert DEACTIVATE not in html and "Désactiver" not in html
    # The address typed by hand: the explanation, no button that can only fail.
    reauthenticated(client, user)
    confirm = client.get(DEACTIVATE).content.decode()
    assert MANDATORY in confirm and f'action="{DEACTIVATE}"' not in confirm
    # And the server refuses the request a hand-made form would send.
    refused = client.post(DEACTIVATE, {})
    assert refused.status_code == 200
    assert has_totp(user)


def test_a_declarant_may_switch_their_own_second_factor_off(world: Any) -> None:
    client = login_with_mfa(Client(), world.declarant_lyon)
    html = client.get("/compte/2fa/").content.decode()
    assert MANDATORY not in html
    assert f'href="{DEACTIVATE}"' in html
    reauthenticated(client, world.declarant_lyon)
    response = client.post(DEACTIVATE, {})
    assert response.status_code == 302 and response["Location"] == "/compte/2fa/"
    assert not has_totp(world.declarant_lyon)
