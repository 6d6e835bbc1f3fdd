"""The app's database connections: JIT off (its compilation costs the statistics and regional
pages more than it saves), unless DATABASE_URL says otherwise."""

from __future__ import annotations

import pytest
from django.db import connection

from vigie.settings import database_from_url


@pytest.mark.django_db
def test_the_apps_connections_run_without_jit() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)


def test_database_url_options_replace_the_default() -> None:
    default = database_from_url("postgres://vigie:secret@db.example/vigie")
    assert default["OPTIONS"]["options"] == "-c jit=off"
    chosen = database_from_url("postgres://vigie:secret@db.example/vigie?options=-c%20jit%3Don")
    assert chosen["OPTIONS"]["options"] == "-c jit=on"
