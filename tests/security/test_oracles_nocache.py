"""Pages and files shown to a signed-in user are never kept by a browser or proxy cache
(``Cache-Control: no-store, private``): a shared computer or a proxy must not hand a case
to the next person. Public pages seen anonymously keep ordinary caching."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from tests.factories import client_for
from vigie.api.services import api_token_create
from vigie.declarations.models import Attachment

pytestmark = pytest.mark.django_db


def _no_store(response: Any) -> bool:
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    return {"no-store", "private"} <= directives


def test_case_declaration_exports_and_files_are_not_stored(world: Any, make_case: Any) -> None:
    case = make_case(world.lyon, world.declarant_lyon)
    attachment = Attachment(
        declaration=case.declaration,
        original_name="journal.txt",
        content_type="text/plain",
        size=5,
        sha256="0" * 64,
        uploaded_by=world.declarant_lyon,
    )
    attachment.file.save("journal.txt", ContentFile(b"trace"), save=True)
    declarant, acss = client_for(world.declarant_lyon), client_for(world.acss)
    _token, key = api_token_create(user=world.declarant_lyon, name="SIH", by=None)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    responses = {
        "case page": acss.get(f"/dossiers/{case.pk}/"),
        "case page (structure)": declarant.get(f"/dossiers/{case.pk}/"),
        "declaration page": declarant.get(f"/declarations/{case.declaration_id}/"),
        "case list": acss.get("/dossiers/"),
        "CSV export": acss.get("/statistiques/export.csv"),
        "STIX export": acss.get(f"/dossiers/{case.pk}/indicateurs/stix.json"),
        "attachment": declarant.get(f"/declarations/pieces-jointes/{attachment.pk}/"),
        # The API authenticates its token inside the view.
        "API declaration": api.get(f"/api/v1/declarations/{case.declaration.reference}"),
    }
    for name, response in responses.items():
        assert response.status_code == 200, name
        assert _no_store(response), (name, response.get("Cache-Control"))
        assert response.get("Pragma") == "no-cache" or name == "attachment", name
    # A view that says how it is cached keeps its own header.
    assert responses["attachment"]["Cache-Control"] == "private, no-store"
    # Public pages seen anonymously keep ordinary caching.
    for url in ("/portail/", "/portail/bulletins/", "/statistiques/publiques/"):
        response = Client().get(url)
        assert response.status_code == 200, url
        assert "no-store" not in response.get("Cache-Control", ""), url
        assert not response.has_header("Pragma"), url
