"""A submission's UPDATE of the declaration writes only what submitting changes
(declarations.services.SUBMISSION_FIELDS, issue 18), where save() wrote every field: the
row, and what the audit trail (pghistory's triggers) records of it, must be those of the
whole save(), whichever door the declaration came through."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps

from tests.api.conftest import payload
from tests.api.conftest import token_client as token_client  # the API's fixture
from tests.factories import login_with_mfa
from vigie.api.services import integration_account_create
from vigie.declarations.models import Declaration, IncidentType
from vigie.declarations.services import declaration_submit

pytestmark = pytest.mark.django_db


def columns(declaration: Declaration) -> dict[str, Any]:
    return {f.attname: getattr(declaration, f.attname) for f in Declaration._meta.concrete_fields}


def assert_written_whole(declaration: Declaration, in_memory: Declaration | None = None) -> None:
    """The row holds what the submitted instance holds (what save() would have written),
    and the audit trail's last event is that row, recorded as an update."""
    row = Declaration.objects.get(pk=declaration.pk)
    if in_memory is not None:
        assert columns(row) == columns(in_memory)
    events = apps.get_model("declarations", "DeclarationEvent").objects.filter(
        pgh_obj_id=declaration.pk
    )
    last = events.order_by("-pgh_id").first()
    assert last is not None and last.pgh_label == "update"
    assert {name: getattr(last, name) for name in columns(row)} == columns(row)
    assert events.filter(pgh_label="insert").count() == 1


def test_api(world: Any, token_client: Callable[..., Any], monkeypatch: Any) -> None:
    from vigie.declarations import services

    submitted: list[Declaration] = []
    real = services._submit
    monkeypatch.setattr(
        services, "_submit", lambda *a, **k: submitted.append(real(*a, **k)) or submitted[-1]
    )
    client = token_client(integration_account_create(email="p@signalement.test", name="P"))
    for external_id in (None, "PORTAIL-1"):
        response = client.post(
            "/api/v1/declarations", payload(external_id=external_id), format="json"
        )
        assert response.status_code == 201, response.content
        assert_written_whole(submitted[-1], submitted[-1])
    events = apps.get_model("declarations", "DeclarationEvent").objects
    # Filed and submitted in one call: one insert, one update.
    assert [e.pgh_label for e in events.filter(pgh_obj_id=submitted[-1].pk).order_by("pgh_id")] == [
        "insert",
        "update",
    ]


def test_web_form(world: Any, make_declaration: Callable[..., Declaration]) -> None:
    draft = make_declaration(world.lyon, world.declarant_lyon)
    submitted = declaration_submit(declaration=draft, by=world.declarant_lyon)
    assert_written_whole(submitted, submitted)


def test_quick_declaration(world: Any, client: Any) -> None:
    login_with_mfa(client, world.declarant_lyon)
    form = {
        "structure": world.lyon.pk,
        "declarant_name": "Inès Garnier",
        "declarant_phone": "06 12 34 56 78",
        "incident_type": IncidentType.objects.get(code="ransomware").pk,
        "description": "Serveurs chiffrés",
        "care_impact": "actual",
        "urgent_help": "1",
    }
    assert client.post("/declarations/rapide/", form).status_code == 302
    assert_written_whole(Declaration.objects.get(declarant_phone="06 12 34 56 78"))
