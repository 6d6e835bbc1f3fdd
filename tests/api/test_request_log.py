"""The request log line of an API call names the account its token authenticated."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest


@pytest.mark.django_db
def test_an_api_call_logs_the_token_s_account(
    world: Any, token_client: Callable[..., Any], caplog: Any
) -> None:
    client = token_client(world.acss)
    caplog.set_level(logging.INFO, logger="vigie.request")

    response = client.get("/api/v1/declarations/SSI-2026-999999")

    assert response.status_code == 404
    [line] = [r for r in caplog.records if r.name == "vigie.request"]
    assert line.user_id == world.acss.pk  # type: ignore[attr-defined]
    assert line.path == "/api/v1/declarations/SSI-2026-999999"  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_a_refused_token_logs_no_account(caplog: Any) -> None:
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    caplog.set_level(logging.INFO, logger="vigie.request")

    response = client.get("/api/v1/declarations/SSI-2026-999999")

    assert response.status_code == 401
    [line] = [r for r in caplog.records if r.name == "vigie.request"]
    assert line.user_id is None  # type: ignore[attr-defined]
