"""Property-based fuzzing of the declarations API from its own OpenAPI schema.

Schemathesis reads /api/schema/ from the WSGI application and, for every operation,
sends the schema's examples and generated (valid and invalid) requests with a valid
integration token. Whatever it sends, the API must never answer 5xx, and every 4xx
must be a JSON object with a ``detail`` message (what the portal displays).

The WSGI application runs in this thread but closes its database connection at the end
of each request, so the data must be committed: the test uses ``transactional_db``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import schemathesis
from django.core.cache import cache
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from vigie.api import views
from vigie.api.services import api_token_create, integration_account_create
from vigie.wsgi import application

MAX_EXAMPLES = 30


@pytest.fixture
def bearer(transactional_db: None, world: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Authorization header of the national portal's integration account.

    Throttling is off, or after a few requests every answer would be a 429.
    """
    for view in (views.DeclarationCreateApi, views.DeclarationDetailApi):
        monkeypatch.setattr(view, "throttle_classes", [])
    portal = integration_account_create(email="portail@signalement.test", name="Portail")
    _token, key = api_token_create(user=portal, name="fuzz", by=None)
    cache.clear()  # throttling counters
    return {"Authorization": f"Bearer {key}"}


def client_error_is_json_with_detail(ctx: Any, response: Any, case: Any) -> bool | None:
    """A 4xx answer is a JSON object carrying a ``detail`` message."""
    if not 400 <= response.status_code < 500:
        return None
    content_type = response.headers.get("content-type", [""])
    if isinstance(content_type, list):
        content_type = content_type[0] if content_type else ""
    assert content_type.startswith("application/json"), (
        f"{response.status_code} answered with Content-Type {content_type!r}"
    )
    body = json.loads(response.content)
    assert isinstance(body, dict) and isinstance(body.get("detail"), str), (
        f"{response.status_code} without a 'detail' string: {body!r}"
    )
    return True


def served_schema() -> dict[str, Any]:
    """What /api/schema/ serves, built without a request (the view's throttling needs the
    database-backed cache, which collection may not touch)."""
    generator = SchemaGenerator()
    return json.loads(json.dumps(generator.get_schema(request=None, public=True), default=str))


# Loaded at collection: the lazy ``schemathesis.pytest.from_fixture`` loader does not
# support pytest 9. Requests then go to the WSGI application in this thread.
schema = schemathesis.openapi.from_dict(served_schema())
schema.app = application


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_never_fails_and_errors_are_json(case: Any, bearer: dict[str, str]) -> None:
    response = case.call(headers=bearer)
    case.validate_response(response, checks=[not_a_server_error, client_error_is_json_with_detail])


@schema.parametrize()
@settings(
    max_examples=10,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_refuses_a_bad_token_in_json(case: Any, bearer: dict[str, str]) -> None:
    """An unknown token is a JSON 401, whatever the request."""
    response = case.call(headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code in {401, 405}, response.status_code
    case.validate_response(response, checks=[not_a_server_error, client_error_is_json_with_detail])
