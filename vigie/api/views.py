"""The declarations API: thin views over declarations.services and api.selectors."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from vigie.api.exceptions import validation_response
from vigie.api.selectors import declaration_by_reference, declaration_with_recipients
from vigie.api.serializers import (
    DeclarationInput,
    DeclarationOutput,
    ErrorOutput,
    declaration_output,
)
from vigie.api.throttling import UserAndScopedThrottle
from vigie.declarations.models import Declaration, DeclarationSource
from vigie.declarations.services import DeclarationIncomplete, declaration_file


def _error(description: Any) -> OpenApiResponse:
    return OpenApiResponse(ErrorOutput, description=description)


EXAMPLE_REQUEST = {
    "structure_finess": "690784137",
    "external_id": "PORTAIL-2025-000123",
    "declarant_name": "Claire Martin",
    "declarant_function": "RSSI",
    "declarant_email": "claire.martin@chu.example.fr",
    "declarant_phone": "04 72 00 00 00",
    "detected_at": "2025-03-14T06:45:00+01:00",
    "started_at": "2025-03-14T01:10:00+01:00",
    "incident_type": "ransomware",
    "systems_affected": ["servers", "workstations"],
    "vendors": [],
    "care_impact": "potential",
    "data_availability": True,
    "degraded_mode": True,
    "malicious": "yes",
    "can_handle_alone": "no",
    "help_needed": True,
    "containment_done": True,
    "description": "Chiffrement des serveurs de fichiers découvert à 6 h 45.",
    "tlp": "amber",
}
EXAMPLE_RESPONSE = {
    "reference": "SSI-2025-00042",
    "status": "submitted",
    "submitted_at": "2025-03-14T07:02:11+01:00",
    "structure_finess": "690784137",
    "external_id": "PORTAIL-2025-000123",
    "recipients": [
        {
            "entity": "ars",
            "label": "ARS Auvergne-Rhône-Alpes",
            "reasons": ["ARS compétente pour le département de la structure"],
            "notice_only": False,
        },
        {
            "entity": "acss",
            "label": "Cellule ACSS",
            "reasons": ["cellule nationale d'appui, pour toute déclaration"],
            "notice_only": False,
        },
    ],
    "url": "https://vigie.sante.gouv.fr/declarations/42/",
}
EXAMPLE_ERROR = {
    "detail": "Données invalides : structure_finess, malicious.",
    "errors": {
        "structure_finess": [
            "La clé du numéro FINESS 69 078 413 8 est fausse (dernier chiffre) : "
            "vérifiez sa saisie."
        ],
        "malicious": ["Ce champ est obligatoire."],
    },
}


class JsonApiView(APIView):
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]


class DeclarationCreateApi(JsonApiView):
    # The user's rate and the submissions' scope, counted in one statement.
    throttle_classes = [UserAndScopedThrottle]
    throttle_scope = "declarations"

    @extend_schema(
        operation_id="declarations_create",
        tags=["declarations"],
        summary=_("File and submit a declaration"),
        description=_(
            "Files a complete declaration for a structure and submits it at once: the "
            "same validation and routing as the Vigie web form apply (ARS, ACSS cell, "
            "HFDS/FSSI, ANSSI, ANSM, defence chain). Dates must carry their UTC offset. "
            "Every invalid field is reported in `errors`. Idempotent on `external_id`."
        ),
        request=DeclarationInput,
        responses={
            201: OpenApiResponse(DeclarationOutput, description=_("Declaration filed and routed.")),
            200: OpenApiResponse(
                DeclarationOutput,
                description=_(
                    "This account already filed a declaration with this external_id: "
                    "it is returned unchanged."
                ),
            ),
            400: _error(_("Invalid data: `errors` names each bad field.")),
            401: _error(_("No API token, or an unknown, revoked or deactivated one.")),
            403: _error(_("The token's account may not declare for this structure.")),
            413: _error(_("Request body too large.")),
            415: _error(_("The body is not JSON (Content-Type: application/json).")),
            429: _error(_("Too many submissions; retry after the Retry-After delay.")),
        },
        examples=[
            OpenApiExample("Declaration", value=EXAMPLE_REQUEST, request_only=True),
            OpenApiExample(
                "Filed", value=EXAMPLE_RESPONSE, response_only=True, status_codes=["201", "200"]
            ),
            OpenApiExample(
                "Invalid fields", value=EXAMPLE_ERROR, response_only=True, status_codes=["400"]
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        serializer = DeclarationInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        values: dict[str, Any] = dict(serializer.validated_data)
        structure = values.pop("structure_finess")
        vendors = values.pop("vendors")
        external_id = values.pop("external_id") or None
        try:
            declaration, created = declaration_file(
                structure=structure,
                by=request.user,  # type: ignore[arg-type]
                values=values,
                vendors=vendors,
                external_id=external_id,
                source=DeclarationSource.API,
            )
        except DeclarationIncomplete as exc:
            return validation_response(
                {
                    name if not name.startswith("step:") else "non_field_errors": [str(message)]
                    for name, message in exc.problems.items()
                }
            )
        except IntegrityError:
            # Two concurrent calls with the same external_id: the loser returns the winner.
            existing = Declaration.objects.filter(
                created_by_id=request.user.pk, external_id=external_id, structure=structure
            ).first()
            if external_id is None or existing is None:
                raise
            declaration, created = existing, False
        if not created:
            body = DeclarationOutput(declaration_with_recipients(declaration)).data
            return Response(body, status=status.HTTP_200_OK)
        # Just filed: it carries its structure and the recipients just written.
        filed = declaration_output(declaration, just_filed=True)
        location = reverse("api:declaration-detail", args=[declaration.reference])
        return Response(filed, status=status.HTTP_201_CREATED, headers={"Location": location})


class DeclarationDetailApi(JsonApiView):
    @extend_schema(
        operation_id="declarations_retrieve",
        tags=["declarations"],
        summary=_("Status and recipients of a declaration"),
        description=_(
            "The declaration with this reference, if the token's account may see it "
            "(the portal account sees the declarations it filed)."
        ),
        responses={
            200: OpenApiResponse(DeclarationOutput),
            401: _error(_("No API token, or an unknown, revoked or deactivated one.")),
            404: _error(_("No such declaration, or not visible to this account.")),
        },
        examples=[OpenApiExample("Filed", value=EXAMPLE_RESPONSE, response_only=True)],
    )
    def get(self, request: Request, reference: str) -> Response:
        declaration = declaration_by_reference(user=request.user, reference=reference)
        return Response(declaration_output(declaration))
