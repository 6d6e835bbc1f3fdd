"""GET /api/v1/declarations/<reference> and the answer to POST build their body by hand
(issue 18): the same JSON as the DeclarationOutput serializer that documents it, for
every kind of recipient."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from tests.api.conftest import payload
from vigie.api.selectors import declaration_with_recipients
from vigie.api.serializers import DeclarationOutput, declaration_output
from vigie.declarations.models import Declaration, RecipientKind

pytestmark = pytest.mark.django_db

URL = "/api/v1/declarations"


def rendered(body: Any) -> bytes:
    return JSONRenderer().render(body)


def test_the_body_is_the_serializer_s(
    world: Any, portal: Any, token_client: Callable[..., APIClient]
) -> None:
    client = token_client(portal)
    kinds: set[str] = set()
    notice_only = False
    for structure, external_id in [
        (world.lyon, "PORTAIL-1"),  # an OIV: ARS, cell, HFDS/FSSI...
        (world.military, None),  # a military hospital: the ARS gets a notice only
        (world.reunion, "PORTAIL-3"),  # overseas
        (world.lyon_lab, ""),
    ]:
        response = client.post(
            URL,
            payload(structure_finess=structure.finess, external_id=external_id),
            format="json",
        )
        assert response.status_code == 201, response.content
        declaration = Declaration.objects.get(reference=response.json()["reference"])
        expected = DeclarationOutput(declaration_with_recipients(declaration)).data
        assert rendered(declaration_output(declaration)) == rendered(expected)
        # The answer to the filing, built from the rows just written, is the same too.
        assert response.content == rendered(expected)
        got = client.get(f"{URL}/{declaration.reference}")
        assert got.status_code == 200 and got.content == rendered(expected)
        recipients = declaration_with_recipients(declaration).recipients.all()
        kinds |= {recipient.kind for recipient in recipients}
        notice_only |= any(recipient.notice_only for recipient in recipients)
    # Not vacuous: ARS recipients (named after their region) and a notice of existence.
    assert RecipientKind.ARS in kinds and len(kinds) >= 3
    assert notice_only


def test_get_by_reference_query_bound(
    world: Any,
    portal: Any,
    token_client: Callable[..., APIClient],
    django_assert_max_num_queries: Any,
) -> None:
    client = token_client(portal)
    reference = client.post(URL, payload(), format="json").json()["reference"]
    # The token with its account and the account's scope, the rate window, the declaration
    # (only the fields shown: none loaded late), its recipients.
    with django_assert_max_num_queries(4):
        assert client.get(f"{URL}/{reference}").status_code == 200
