# Run by tests/ops/multinode.py with `manage.py shell -c` on the multi-node site's database
# (a copy of the test database): people, the portal's API token, signed-in sessions.
import json

from django.conf import settings
from django.db import connection
from django.test import Client

from tests.factories import world_build
from vigie.api.services import api_token_create, integration_account_create
from vigie.declarations.models import IncidentType
from vigie.declarations.reference import typology_load
from vigie.directory.reference import reference_load

with connection.cursor() as cursor:
    cursor.execute(
        "TRUNCATE procrastinate_jobs, procrastinate_workers, procrastinate_periodic_defers CASCADE"
    )
# The copied test database may have been flushed by a transactional test run before
# this one: load the reference data (idempotent) rather than count on it.
reference_load()
typology_load()
world = world_build()
portal = integration_account_create(email="portail@signalement.test", name="Portail")
_token, key = api_token_create(user=portal, name="burst", by=None)
sessions = []
for _ in range(4):
    client = Client()
    client.force_login(world.declarant_lyon_lab)
    sessions.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
print(
    json.dumps(
        {
            "api_key": key,
            "api_finess": world.lyon.finess,
            "web_structure": world.lyon_lab.pk,
            "incident_type": IncidentType.objects.get(code="ransomware").pk,
            "sessions": sessions,
        }
    )
)
