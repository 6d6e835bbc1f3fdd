"""POST /api/v1/declarations is idempotent on ``external_id`` for the caller only: an
identifier another account used (for the same structure or another) behaves exactly
like a fresh one, so the answer tells nothing about anybody else's declarations."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.api.conftest import payload
from vigie.api.services import api_token_create, integration_account_create
from vigie.declarations.models import Declaration

pytestmark = pytest.mark.django_db

URL = "/api/v1/declarations"
SHAPE = ("reference", "external_id", "url", "submitted_at")  # differ between filings


def _client(user: Any) -> APIClient:
    _token, key = api_token_create(user=user, name=f"jeton {user.email}", by=None)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def _post(client: APIClient, **data: Any) -> Any:
    return client.post(URL, payload(**data), format="json")


def _same_answer(first: Any, second: Any) -> bool:
    """Same status and body but for what differs between any two filings."""

    def shape(response: Any) -> Any:
        body = response.json()
        return response.status_code, {k: v for k, v in body.items() if k not in SHAPE}

    return shape(first) == shape(second)


def test_an_identifier_used_by_another_account_behaves_like_a_fresh_one(world: Any) -> None:
    portal = integration_account_create(email="portail@signalement.test", name="Portail")
    other = integration_account_create(email="autre-portail@signalement.test", name="Autre")
    mine, theirs = _client(portal), _client(other)
    filed = _post(mine, external_id="P-1")
    assert filed.status_code == 201

    # Same identifier, same structure, another account: a new declaration of its own.
    used = _post(theirs, external_id="P-1")
    fresh = _post(theirs, external_id="P-2")
    assert used.status_code == 201
    assert _same_answer(used, fresh)
    assert used.json()["reference"] != filed.json()["reference"]
    assert Declaration.objects.get(reference=used.json()["reference"]).created_by == other

    # Same identifier, another structure, another account: no "already used" either.
    elsewhere = _post(
        _client(world.declarant_lyon_lab), external_id="P-1", structure_finess=world.lyon_lab.finess
    )
    fresh_elsewhere = _post(
        _client(world.declarant_lyon_lab), external_id="P-3", structure_finess=world.lyon_lab.finess
    )
    assert elsewhere.status_code == 201, elsewhere.json()
    assert _same_answer(elsewhere, fresh_elsewhere)

    # Each account's retry still returns its own declaration, unchanged.
    assert _post(theirs, external_id="P-1").json() == used.json()
    again = _post(mine, external_id="P-1", description="Renvoi")
    assert again.status_code == 200
    assert again.json() == filed.json()
    assert Declaration.objects.filter(external_id="P-1").count() == 3
