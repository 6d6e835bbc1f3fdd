from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.factories import login_with_mfa
from vigie.directory import services
from vigie.directory.models import Role, Structure

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_mfa(make_user: Any) -> Client:
    operator = make_user()
    services.membership_grant(user=operator, role=Role.ADMINISTRATOR, by=None)
    return login_with_mfa(Client(), operator)


def test_admin_refuses_an_invalid_finess_in_french(world: Any, admin_client_mfa: Client) -> None:
    response = admin_client_mfa.post(
        "/admin/directory/structure/add/",
        {
            "finess": "690784138",
            "name": "Clinique test",
            "kind": "health_facility",
            "departement": world.lyon.departement_id,
            "nis2_category": "none",
            "is_active": "on",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "La clé de contrôle (dernier chiffre) du numéro FINESS 69 078 413 8 est erronée" in (
        response.content.decode()
    )
    assert not Structure.objects.filter(name="Clinique test").exists()


def test_admin_is_for_the_operator_only(world: Any) -> None:
    client = login_with_mfa(Client(), world.acss)
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
