"""A submission costs a fixed number of SQL statements, however many people its entities
have (issue 18: 33 statements through the API before, one per person alerted and per
message). Counted like the benchmark (bench/): every statement of the request,
the transaction's and those run once it has committed (the e-mails handed to the worker).
The structure is a realistic one: an OIV (its ARS, the cell, the HFDS/FSSI and the ANSSI
are alerted), with a director, several declarants, several people in each entity, and
someone on call for the FSSI and for the cell."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.api.conftest import payload
from tests.api.conftest import token_client as token_client  # the API's fixture
from tests.factories import declaration_draft, login_with_mfa
from vigie.api.services import integration_account_create
from vigie.declarations.models import Declaration, IncidentType
from vigie.declarations.services import declaration_submit
from vigie.directory.models import Membership, Region, Role, User
from vigie.notifications.models import Notification, OutgoingEmail
from vigie.oncall.models import OnCallAtArrival, OnCallShift

pytestmark = pytest.mark.django_db

# The API reads its structure and incident type in one statement (the form reads its
# draft, then locks it); the quick declaration's page also reads the structures its user
# may choose from.
API_MAX = 13
WEB_MAX = 14
QUICK_MAX = 16


@pytest.fixture
def crowd(world: Any, make_user: Callable[..., User]) -> dict[str, list[User]]:
    """People behind each entity alerted for world.lyon, and the rota running now."""
    region = Region.objects.get(code="84")
    people = {
        "ars": [world.ars_ara, *(make_user(Role.ARS_OFFICER, region=region) for _ in range(3))],
        "acss": [world.acss, *(make_user(Role.ACSS_ANALYST) for _ in range(4))],
        "fssi": [world.hfds, make_user(Role.HFDS)],
    }
    for _ in range(2):
        make_user(Role.DECLARANT, structure=world.lyon)
    world.lyon.director = make_user()
    world.lyon.save()
    now = timezone.now()
    for kind, person in (("fssi", world.hfds), ("cell", world.acss)):
        OnCallShift.objects.create(
            person=person,
            kind=kind,
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(hours=12),
            recorded_by=person,
        )
    return people


@contextmanager
def counted(capture_callbacks: Any) -> Iterator[CaptureQueriesContext]:
    """The statements of a request, including those it leaves for after the commit."""
    with CaptureQueriesContext(connection) as queries, capture_callbacks(execute=True):
        yield queries


def statements(queries: CaptureQueriesContext) -> str:
    return "\n".join(q["sql"].rpartition("true); ")[2][:160] for q in queries.captured_queries)


def assert_everyone_told(declaration: Declaration, crowd: dict[str, list[User]], by: User) -> None:
    topic = f"declaration:{declaration.pk}"
    told = set(Notification.objects.filter(topic=topic).values_list("user_id", flat=True))
    assert told == {user.pk for users in crowd.values() for user in users} | {by.pk}
    assert set(OutgoingEmail.objects.filter(topic=topic).values_list("purpose", flat=True)) == {
        "routed:ars",
        "routed:acss",
        "routed:fssi",
        "routed:anssi",
        "acknowledgement",
    }
    assert set(
        OnCallAtArrival.objects.filter(declaration=declaration).values_list("kind", "person_id")
    ) == {("fssi", crowd["fssi"][0].pk), ("cell", crowd["acss"][0].pk)}


def test_api_submission_costs_a_fixed_number_of_statements(
    world: Any,
    crowd: dict[str, list[User]],
    token_client: Callable[..., Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    portal = integration_account_create(email="portail@signalement.test", name="Portail")
    client = token_client(portal)
    # The token's first use is recorded (then at most once a minute): not counted.
    assert client.post("/api/v1/declarations", payload(), format="json").status_code == 201

    with counted(django_capture_on_commit_callbacks) as queries:
        response = client.post(
            "/api/v1/declarations", payload(external_id="PORTAIL-2026-1"), format="json"
        )
    assert response.status_code == 201, response.json()
    assert len(queries) <= API_MAX, statements(queries)
    declaration = Declaration.objects.get(reference=response.json()["reference"])
    assert_everyone_told(declaration, crowd, portal)
    # The answer is built from what was written: the same as reading it back.
    assert response.json() == client.get(response["Location"]).json()


def test_web_form_submission_costs_a_fixed_number_of_statements(
    world: Any, crowd: dict[str, list[User]], client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    login_with_mfa(client, world.declarant_lyon)
    draft = declaration_draft(world.lyon, world.declarant_lyon)

    with counted(django_capture_on_commit_callbacks) as queries:
        response = client.post(f"/declarations/{draft.pk}/recapitulatif/")
    assert response.status_code == 302
    assert len(queries) <= WEB_MAX, statements(queries)
    assert_everyone_told(Declaration.objects.get(pk=draft.pk), crowd, world.declarant_lyon)


def test_quick_declaration_costs_a_fixed_number_of_statements(
    world: Any, crowd: dict[str, list[User]], client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    login_with_mfa(client, world.declarant_lyon)
    form = {
        "structure": world.lyon.pk,
        "declarant_name": "Inès Garnier",
        "declarant_phone": "06 12 34 56 78",
        "incident_type": IncidentType.objects.get(code="ransomware").pk,
        "description": "Serveurs chiffrés, note de rançon sur les écrans",
        "care_impact": "actual",
        "urgent_help": "0",
    }
    with counted(django_capture_on_commit_callbacks) as queries:
        response = client.post("/declarations/rapide/", form)
    assert response.status_code == 302
    assert len(queries) <= QUICK_MAX, statements(queries)
    declaration = Declaration.objects.get(structure=world.lyon, declarant_phone="06 12 34 56 78")
    assert_everyone_told(declaration, crowd, world.declarant_lyon)


def test_the_people_told_hold_their_role_now(
    world: Any, make_user: Callable[..., User], make_declaration: Callable[..., Declaration]
) -> None:
    """The one statement that finds them (declarations.services._people_sql) tells the
    people the memberships' rule says (Membership.objects.active(), active accounts):
    not a revoked or future role, a closed account, another region's ARS."""
    region = Region.objects.get(code="84")
    now = timezone.now()
    revoked = make_user(Role.ARS_OFFICER, region=region)
    Membership.objects.filter(user=revoked).update(revoked_at=now - timedelta(minutes=1))
    leaving = make_user(Role.ARS_OFFICER, region=region)
    Membership.objects.filter(user=leaving).update(revoked_at=now + timedelta(days=1))
    future = make_user(Role.ACSS_ANALYST)
    Membership.objects.filter(user=future).update(starts_at=now + timedelta(days=1))
    closed = make_user(Role.HFDS)
    closed.is_active = False
    closed.save()
    both = make_user(Role.ACSS_ANALYST)
    Membership.objects.create(user=both, role=Role.HFDS)

    by = world.declarant_lyon
    declaration = declaration_submit(declaration=make_declaration(world.lyon, by), by=by)

    notices = Notification.objects.filter(topic=f"declaration:{declaration.pk}")
    told = set(notices.values_list("user_id", flat=True))
    rule = Membership.objects.active().filter(
        Q(role=Role.ARS_OFFICER, region=region) | Q(role__in=[Role.ACSS_ANALYST, Role.HFDS]),
        user__is_active=True,
    )
    assert told == {*rule.values_list("user_id", flat=True), by.pk}
    assert {leaving.pk, both.pk} <= told
    assert not {revoked.pk, future.pk, closed.pk, world.ars_idf.pk} & told
    # Told once for each entity it belongs to (the cell and the HFDS/FSSI).
    assert notices.filter(user=both).count() == 2
