"""The region's structures of the figures (``_structures_of``: active, of the region's
départements, within the reader's scope) can be read from the partial index
structure_active_departement alone (directory 0006): the incidents count takes their ids
from it, the grouped statement their ids, FINESS numbers, names, types and towns, instead
of scanning every structure of the country (issue 18). The planner chooses it by the
data's size; here it is made to show that it can: with every other way to read a
table disabled, the plan reads the structures by an index-only scan of that index."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from vigie.actionplan.figures import _structures_of
from vigie.directory.models import Region

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["ars_ara", "hfds", "acss"])
def test_the_regions_structures_come_from_the_partial_index(world: Any, who: str) -> None:
    structures = _structures_of(getattr(world, who), Region.objects.get(code="84")).order_by()
    for columns in (["pk"], ["pk", "finess", "name", "kind", "town"]):  # as figures.py reads
        sql, params = structures.values_list(*columns).query.sql_with_params()
        with connection.cursor() as cursor:
            # Only index-only scans left to the planner (the others cost it as disabled):
            # which one it takes on a test database's few rows depends on its statistics
            # and visibility map, not on whether the index can serve the statement.
            for scan in ("seqscan", "bitmapscan", "indexscan"):
                cursor.execute(f"SET LOCAL enable_{scan} = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            for scan in ("seqscan", "bitmapscan", "indexscan"):
                cursor.execute(f"RESET enable_{scan}")
        assert "Index Only Scan using structure_active_departement" in plan, plan
