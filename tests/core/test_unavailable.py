"""A database that does not answer gives a French 503 (page or JSON) with Retry-After,
never a 500, and the next request after it is back reconnects by itself.
(tests/ops/test_multinode.py restarts a real PostgreSQL under real gunicorn nodes.)"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from tests.conftest import free_port
from tests.factories import client_for
from vigie.api.services import api_token_create, integration_account_create

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def database_away() -> Iterator[Any]:
    """Call it to point the connection at a port where nothing listens."""
    saved = dict(connection.settings_dict)

    def away() -> None:
        connection.close()
        connection.settings_dict["PORT"] = str(free_port())

    yield away
    connection.close()
    connection.settings_dict.update(saved)


def test_pages_and_api_answer_503_in_french_while_the_database_is_away(
    world: Any, database_away: Any
) -> None:
    declarant = client_for(world.declarant_lyon)
    _token, key = api_token_create(
        user=integration_account_create(email="portail@signalement.test"), name="portail", by=None
    )
    api = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {key}")
    declarant.raise_request_exception = False
    anonymous = Client(raise_request_exception=False)
    assert declarant.get("/declarations/rapide/").status_code == 200

    database_away()
    for client, method, path in (
        (declarant, "get", "/declarations/rapide/"),
        (declarant, "post", "/declarations/rapide/"),
        (declarant, "get", "/declarations/"),
    ):
        page = getattr(client, method)(path)
        assert page.status_code == 503, path
        assert page["Retry-After"] == "5"
        assert page["Content-Type"].startswith("text/html")
        text = page.content.decode()
        assert '<html lang="fr"' in text
        assert "<h1" in text and "Service momentanément indisponible" in text
        assert "n’a peut-être pas été enregistré" in text
    for answer in (
        api.get("/api/v1/declarations/SSI-2025-00001"),
        api.post("/api/v1/declarations", data="{}", content_type="application/json"),
    ):
        assert answer.status_code == 503
        assert answer["Retry-After"] == "5"
        body = json.loads(answer.content)
        assert body["detail"].startswith("Vigie est momentanément indisponible")
    # The probes say so too, without an error page.
    assert anonymous.get("/healthz").status_code == 200
    assert anonymous.get("/readyz").status_code == 503


def test_back_after_the_outage_without_a_restart(world: Any, database_away: Any) -> None:
    declarant = client_for(world.declarant_lyon)
    declarant.raise_request_exception = False
    saved = dict(connection.settings_dict)
    database_away()
    assert declarant.get("/declarations/").status_code == 503
    connection.settings_dict.update(saved)
    assert declarant.get("/declarations/").status_code == 200


def test_other_errors_stay_500(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from vigie.declarations import views

    def broken(*args: Any, **kwargs: Any) -> None:
        raise ValueError("a bug, not an outage")

    monkeypatch.setattr(views.selectors, "submitted_visible", broken)
    client = client_for(world.declarant_lyon)
    client.raise_request_exception = False
    response = client.get("/declarations/")
    assert response.status_code == 500
    assert "Retry-After" not in response
    assert "Service momentanément indisponible" not in response.content.decode()
