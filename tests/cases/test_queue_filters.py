"""The queue's filter lists (regions, incident types) come from one fixed statement
(issue 18): the same choices, in the same order, as the ORM's reads they replace, for
every role, since the typology's scope rule lets everyone read every type."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.core.test_scope_sql import world_users
from vigie.cases.forms import queue_filter_choices
from vigie.declarations.models import IncidentType
from vigie.directory.models import Region

pytestmark = pytest.mark.django_db


def test_the_filter_lists_are_the_orm_s_for_every_role(world: Any) -> None:
    # Ties on position, accents and case in labels, an inactive type.
    IncidentType.objects.create(code="zz-tie-b", label="Écran figé", position=5)
    IncidentType.objects.create(code="zz-tie-a", label="alerte éteinte", position=5)
    IncidentType.objects.create(code="zz-old", label="Ancien type", position=1, is_active=False)
    regions = list(Region.objects.values_list("code", "name"))
    assert len(regions) == 18

    with CaptureQueriesContext(connection) as captured:
        offered_regions, offered_types = queue_filter_choices(True)
    assert len(captured) == 1
    assert offered_regions == regions
    for name, user in world_users(world).items():
        expected = list(IncidentType.objects.visible_to(user).values_list("code", "label"))
        assert offered_types == expected, name

    assert queue_filter_choices(False) == ([], offered_types)


def test_the_queue_offers_them(world: Any) -> None:
    from tests.factories import client_for

    response = client_for(world.acss).get("/dossiers/")
    page = response.content.decode()
    assert response.status_code == 200
    assert '<option value="84">Auvergne-Rhône-Alpes</option>' in page
    assert '<option value="ransomware">' in page
