"""POST /api/v1/declarations and GET /api/v1/declarations/<reference>, end to end on
PostgreSQL: same validation and routing as the web form, JSON errors naming each field."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, timedelta
from typing import Any

import pytest
from django.utils import timezone
from django.utils.translation import gettext, override
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from tests.api.conftest import iso, payload
from tests.core.test_scope_sql import world_users
from tests.factories import email_jobs
from vigie.api.serializers import DeclarationInput
from vigie.api.services import (
    api_token_create,
    api_token_revoke,
    integration_account_create,
)
from vigie.declarations.models import Declaration, DeclarationSource, DeclarationStatus
from vigie.declarations.steps import REQUIRED_FIELDS, STEPS
from vigie.directory.finess import finess_error
from vigie.directory.models import Role
from vigie.notifications.models import OutgoingEmail

pytestmark = pytest.mark.django_db

URL = "/api/v1/declarations"
Client = Callable[..., APIClient]


def post(client: APIClient, data: Any) -> Any:
    return client.post(URL, data, format="json")


def french(message: str) -> str:
    with override("fr"):
        return gettext(message)


def test_portal_files_a_complete_declaration(
    world: Any, portal: Any, token_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    client = token_client(portal)
    data = payload(vendors=["Éditeur DPI"], external_id="PORTAIL-1")
    with django_capture_on_commit_callbacks() as callbacks:
        response = post(client, data)
        assert not email_jobs()  # nothing handed to the worker before the commit
    for callback in callbacks:
        callback()

    assert response.status_code == 201, response.json()
    body = response.json()
    assert re.fullmatch(rf"SSI-{timezone.now().year}-\d{{5}}", body["reference"])
    assert body["status"] == "submitted"
    assert body["structure_finess"] == "690784137"
    assert body["external_id"] == "PORTAIL-1"
    # Ordinary routing plus the OIV flags: HFDS/FSSI and ANSSI.
    assert [r["entity"] for r in body["recipients"]] == ["ars", "acss", "fssi", "anssi"]
    ars = body["recipients"][0]
    assert ars["label"] == "ARS Auvergne-Rhône-Alpes" and ars["notice_only"] is False
    assert ars["reasons"] == [french("competent ARS for the structure's département")]
    declaration = Declaration.objects.get(reference=body["reference"])
    assert body["url"].endswith(f"/declarations/{declaration.pk}/")
    assert response["Location"] == f"{URL}/{declaration.reference}"
    assert declaration.status == DeclarationStatus.SUBMITTED
    assert declaration.source == DeclarationSource.API
    assert declaration.structure == world.lyon
    assert declaration.created_by == declaration.submitted_by == portal
    assert list(declaration.vendors.all()) == [world.vendor]
    assert declaration.incident_type.code == "ransomware"
    assert timezone.is_aware(declaration.detected_at)
    # Same notifications as the web form; e-mails leave only once the transaction commits.
    emails = dict(
        OutgoingEmail.objects.filter(topic=f"declaration:{declaration.pk}").values_list(
            "pk", "purpose"
        )
    )
    assert set(emails.values()) == {
        "routed:ars",
        "routed:acss",
        "routed:fssi",
        "routed:anssi",
        "acknowledgement",
    }
    # After the commit: one job for each.
    assert sorted(json.loads(job["args"])["email_id"] for job in email_jobs()) == sorted(emails)


def test_same_external_id_twice_files_one_declaration(
    world: Any, portal: Any, token_client: Client
) -> None:
    client = token_client(portal)
    first = post(client, payload(external_id="PORTAIL-7"))
    second = post(client, payload(external_id="PORTAIL-7", description="Renvoi"))
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json() == first.json()
    assert Declaration.objects.filter(external_id="PORTAIL-7").count() == 1
    assert Declaration.objects.get(external_id="PORTAIL-7").description != "Renvoi"


def test_external_id_of_another_structure_is_refused(
    world: Any, portal: Any, token_client: Client
) -> None:
    client = token_client(portal)
    assert post(client, payload(external_id="PORTAIL-8")).status_code == 201
    response = post(client, payload(external_id="PORTAIL-8", structure_finess="750712184"))
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["external_id"]


def test_missing_fields_are_each_named(world: Any, portal: Any, token_client: Client) -> None:
    client = token_client(portal)
    response = post(client, payload(description=..., malicious=..., declarant_email=""))
    assert response.status_code == 400
    body = response.json()
    assert set(body["errors"]) == {"description", "malicious", "declarant_email"}
    assert body["errors"]["description"] == [french("This field is required.")]
    assert "description" in body["detail"] and "malicious" in body["detail"]
    assert not Declaration.objects.exists()


def test_empty_object_names_every_required_field(
    world: Any, portal: Any, token_client: Client
) -> None:
    response = post(token_client(portal), {})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {*REQUIRED_FIELDS, "structure_finess"}


def test_blank_required_text_is_refused(world: Any, portal: Any, token_client: Client) -> None:
    response = post(token_client(portal), payload(description="   ", systems_affected=[]))
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"description", "systems_affected"}


def test_bad_finess_check_key(world: Any, portal: Any, token_client: Client) -> None:
    response = post(token_client(portal), payload(structure_finess="690784138"))
    assert response.status_code == 400
    with override("fr"):
        expected = finess_error("690784138")
    assert response.json()["errors"] == {"structure_finess": [expected]}


def test_unknown_or_inactive_structure(world: Any, portal: Any, token_client: Client) -> None:
    client = token_client(portal)
    response = post(client, payload(structure_finess="690000005"))  # valid key, no such site
    assert response.status_code == 400 and list(response.json()["errors"]) == ["structure_finess"]
    world.paris.is_active = False
    world.paris.save()
    response = post(client, payload(structure_finess="75 071 218 4"))
    assert response.status_code == 400 and list(response.json()["errors"]) == ["structure_finess"]


def test_finess_with_spaces_is_accepted(world: Any, portal: Any, token_client: Client) -> None:
    response = post(token_client(portal), payload(structure_finess="69 078 413 7"))
    assert response.status_code == 201
    assert response.json()["structure_finess"] == "690784137"


def test_unknown_incident_type_and_vendor(world: Any, portal: Any, token_client: Client) -> None:
    response = post(
        token_client(portal),
        payload(incident_type="cyberattaque", vendors=["Éditeur DPI", "Inconnu SA", "Autre"]),
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"incident_type", "vendors"}
    assert "cyberattaque" in errors["incident_type"][0]
    assert len(errors["vendors"]) == 2
    assert "Inconnu SA" in errors["vendors"][0] and "Autre" in errors["vendors"][1]


def test_vendor_names_are_matched_without_case(
    world: Any, portal: Any, token_client: Client
) -> None:
    response = post(token_client(portal), payload(vendors=["éditeur dpi"]))
    assert response.status_code == 201
    declaration = Declaration.objects.get(reference=response.json()["reference"])
    assert list(declaration.vendors.all()) == [world.vendor]


def test_bad_choices_name_the_value(world: Any, portal: Any, token_client: Client) -> None:
    response = post(
        token_client(portal),
        payload(systems_affected=["servers", "mainframe"], care_impact="severe", tlp="white"),
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"systems_affected", "care_impact", "tlp"}
    assert "mainframe" in errors["systems_affected"][0]


def test_unknown_field_is_refused(world: Any, portal: Any, token_client: Client) -> None:
    response = post(token_client(portal), payload(descritpion="typo"))
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["descritpion"]


def test_naive_datetime_is_refused(world: Any, portal: Any, token_client: Client) -> None:
    naive = (timezone.now() - timedelta(hours=1)).replace(tzinfo=None).isoformat()
    response = post(token_client(portal), payload(detected_at=naive, started_at="hier"))
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"detected_at", "started_at"}
    assert "+01:00" in errors["detected_at"][0]


def test_utc_z_suffix_is_accepted(world: Any, portal: Any, token_client: Client) -> None:
    detected = (timezone.now() - timedelta(hours=1)).replace(microsecond=0)
    text = detected.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"
    response = post(token_client(portal), payload(detected_at=text, started_at=None))
    assert response.status_code == 201, response.json()
    declaration = Declaration.objects.get(reference=response.json()["reference"])
    assert declaration.detected_at == detected and declaration.started_at is None


def test_detection_in_the_future_is_refused(world: Any, portal: Any, token_client: Client) -> None:
    future = iso(timezone.now() + timedelta(hours=3))
    response = post(token_client(portal), payload(detected_at=future, started_at=None))
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "detected_at": [french("The detection date cannot be in the future.")]
    }


def test_start_after_detection_is_refused(world: Any, portal: Any, token_client: Client) -> None:
    response = post(
        token_client(portal),
        payload(
            detected_at=iso(timezone.now() - timedelta(hours=5)),
            started_at=iso(timezone.now() - timedelta(hours=2)),
        ),
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "started_at": [french("The incident cannot start after it was detected.")]
    }


def test_out_of_range_numbers_are_refused(world: Any, portal: Any, token_client: Client) -> None:
    response = post(token_client(portal), payload(estimated_patients=10**12, estimated_records=-1))
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"estimated_patients", "estimated_records"}


@pytest.mark.parametrize("header", [None, "Bearer nope", "Bearer", "Basic dXNlcjpwYXNz"])
def test_missing_or_wrong_token_is_401(world: Any, header: str | None) -> None:
    client = APIClient()
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)
    response = post(client, payload())
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert not Declaration.objects.exists()


def test_revoked_token_is_401(world: Any, portal: Any) -> None:
    token, key = api_token_create(user=portal, name="Portail", by=None)
    api_token_revoke(token=token, by=None)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    response = post(client, payload())
    assert response.status_code == 401
    assert response.json()["detail"] == french("This API token has been revoked.")


def test_token_keyword_is_accepted(world: Any, portal: Any, token_client: Client) -> None:
    assert post(token_client(portal, keyword="Token"), payload()).status_code == 201


def test_declarant_token_files_only_for_its_own_structure(world: Any, token_client: Client) -> None:
    client = token_client(world.declarant_lyon_lab)
    refused = post(client, payload(structure_finess=world.lyon.finess))
    assert refused.status_code == 403
    assert refused.json()["detail"] == french("You are not a declarant of this structure.")
    filed = post(client, payload(structure_finess=world.lyon_lab.finess))
    assert filed.status_code == 201
    # An ordinary structure: its ARS and the cell only.
    assert [r["entity"] for r in filed.json()["recipients"]] == ["ars", "acss"]
    assert Declaration.objects.get().created_by == world.declarant_lyon_lab


def test_a_known_external_id_reveals_nothing_to_another_declarant(
    world: Any, portal: Any, token_client: Client
) -> None:
    assert post(token_client(portal), payload(external_id="PORTAIL-9")).status_code == 201
    response = post(token_client(world.declarant_lyon_lab), payload(external_id="PORTAIL-9"))
    assert response.status_code == 403
    assert "reference" not in response.json()


def test_staff_token_without_declarant_role_is_403(world: Any, token_client: Client) -> None:
    # Token requests are not caught by the web MFA redirect; the analyst simply may not file.
    response = post(token_client(world.acss), payload())
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"


def test_get_by_reference(world: Any, portal: Any, token_client: Client) -> None:
    portal_client = token_client(portal)
    filed = post(portal_client, payload(structure_finess=world.lyon_lab.finess)).json()
    url = f"{URL}/{filed['reference']}"

    mine = portal_client.get(url)
    assert mine.status_code == 200 and mine.json() == filed
    # The structure's declarant and the routed analyst see it; another structure does not.
    assert token_client(world.declarant_lyon_lab).get(url).status_code == 200
    assert token_client(world.acss).get(url).status_code == 200
    hidden = token_client(world.declarant_reunion).get(url)
    assert hidden.status_code == 404 and hidden.json()["detail"]
    # Another portal account does not see the first one's declarations.
    other = token_client(integration_account_create(email="autre@portail.test"))
    assert other.get(url).status_code == 404
    assert portal_client.get(f"{URL}/SSI-1999-00001").status_code == 404
    assert APIClient().get(url).status_code == 401


def test_get_by_reference_answers_each_reader_as_its_scoped_reading(
    world: Any,
    portal: Any,
    token_client: Client,
    make_case: Callable[..., Any],
    make_user: Callable[..., Any],
) -> None:
    """The statement compiled once per reader's scope answers every user of the test world
    exactly as the ORM's scoped reading does, declaration by declaration (asked in turns,
    so a statement compiled for one reader is never another's)."""
    declarations = [
        make_case(structure, by).declaration
        for structure, by in (
            (world.lyon, world.declarant_lyon),
            (world.reunion, world.declarant_reunion),
            (world.lyon_lab, world.declarant_lyon_lab),
            (world.military, make_user(Role.DECLARANT, structure=world.military)),
        )
    ]
    readers = {"portal": portal, **world_users(world)}
    clients = {name: token_client(user) for name, user in readers.items() if user.is_active}
    seen = set()
    for declaration in declarations:
        for name, client in clients.items():
            expected = (
                Declaration.objects.visible_to(readers[name]).filter(pk=declaration.pk).exists()
            )
            response = client.get(f"{URL}/{declaration.reference}")
            assert response.status_code == (200 if expected else 404), (name, declaration)
            if expected:
                assert response.json()["reference"] == declaration.reference
            seen.add(expected)
    assert seen == {True, False}


@pytest.mark.parametrize(
    ("reference", "status"),
    [
        ("SSI%00X", 404),  # PostgreSQL text holds no NUL: not a reference, not a 500
        ("S" * 300, 404),
        ("%C3%A9t%C3%A9", 404),
        ("%20", 404),
        ("{lower}", 200),  # read as typed in capitals, spaces around trimmed
    ],
)
def test_odd_references_get_a_french_404(
    world: Any, portal: Any, token_client: Client, reference: str, status: int
) -> None:
    client = token_client(portal)
    filed = post(client, payload()).json()["reference"]
    response = client.get(f"{URL}/" + reference.format(lower=f"%20{filed.lower()}%20"))
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    if status == 404:
        assert response.json() == {
            "detail": french("No such declaration, or not visible to this account.")
        }


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        ("structure_finess=690784137", "application/x-www-form-urlencoded", 415),
        ("<declaration/>", "application/xml", 415),
        ('{"structure_finess": ', "application/json", 400),
        ('["a", "b"]', "application/json", 400),
        ("", "application/json", 400),
        ("\xff\xfe", "application/json", 400),
    ],
)
def test_non_json_body_gets_a_json_error(
    world: Any, portal: Any, token_client: Client, body: str, content_type: str, expected: int
) -> None:
    response = token_client(portal).generic("POST", URL, body, content_type=content_type)
    assert response.status_code == expected
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]


def test_oversized_body_is_413(
    world: Any, portal: Any, token_client: Client, settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = post(token_client(portal), payload(description="x" * 5000))
    assert response.status_code == 413 and response.json()["detail"]


def test_submissions_are_throttled(
    world: Any, portal: Any, token_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"declarations": "2/min"})
    client = token_client(portal)
    assert [post(client, payload()).status_code for _ in range(2)] == [201, 201]
    refused = post(client, payload())
    assert refused.status_code == 429
    assert refused.json()["detail"] and int(refused["Retry-After"]) > 0
    # Reading is not a submission.
    assert client.get(f"{URL}/SSI-1999-00001").status_code == 404


ODD_VALUES = [None, "", [], {}, 0, -1, 1.5, True, "x" * 3000, ["x"], {"a": 1}, "\x00"]


def test_odd_values_never_cause_a_server_error(
    world: Any, portal: Any, token_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"declarations": "100000/min"})
    client = token_client(portal)
    seen: set[int] = set()
    for name in DeclarationInput().fields:
        for value in ODD_VALUES:
            response = post(client, payload(**{name: value}))
            assert response.status_code in (200, 201, 400), (name, value, response.content)
            assert response["Content-Type"] == "application/json"
            seen.add(response.status_code)
    assert seen >= {201, 400}


def test_every_form_field_is_in_the_api() -> None:
    fields = DeclarationInput().fields
    form_fields = {name for step in STEPS for name in step.fields}
    assert form_fields <= set(fields)
    assert {name for name, field in fields.items() if field.required} == {
        *REQUIRED_FIELDS,
        "structure_finess",
    }


def test_openapi_schema_documents_the_endpoint(db: None) -> None:
    response = APIClient().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schema["components"]["securitySchemes"]["bearerAuth"]["description"],
    }
    create = schema["paths"]["/api/v1/declarations"]["post"]
    assert {"bearerAuth": []} in create["security"]
    assert {"201", "200", "400", "401", "403", "415", "429"} <= set(create["responses"])
    assert create["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/DeclarationInput"
    )
    assert "get" in schema["paths"]["/api/v1/declarations/{reference}"]
    detected = schema["components"]["schemas"]["DeclarationInput"]["properties"]["detected_at"]
    assert detected["format"] == "date-time"


def test_csrf_never_blocks_a_token_client_but_guards_sessions(
    world: Any, portal: Any, make_user: Any
) -> None:
    _token, key = api_token_create(user=portal, name="Portail", by=None)
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert post(client, payload()).status_code == 201
    # A browser session without the CSRF token is refused (a forged cross-site POST).
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(world.declarant_lyon)
    refused = post(browser, payload())
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
