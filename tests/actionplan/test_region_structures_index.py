"""The region's structures of the figures (``_structures_of``: active, of the region's
départements, within the reader's scope) can be read from the partial indexes
structure_active_name and structure_active_name_c alone (directory 0007, which replaced
0006's structure_active_departement): the incidents count takes their ids from them, the
grouped statement counts them by type and reads the page (by name in the database's
order) and the first of them by name as Python orders them ("C"), département by
département, with their ids, FINESS numbers, names, types and towns, instead of scanning
and sorting every structure of the region or the country (issue 18).

Which plan PostgreSQL picks on a test database's few rows depends on its statistics and
visibility map (an EXPLAIN-based check passed alone and failed in the full suite), so this
holds the index to what the figures read: it exists on the active structures, keyed by
département, and carries every column the two statements take from the structures."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from vigie.actionplan.figures import _structures_of
from vigie.directory.models import Region, Structure

pytestmark = pytest.mark.django_db

# The columns figures.py reads from the region's structures (incidents count, grouped
# statement): each must be in the index.
READ = ["pk", "finess", "name", "kind", "town"]


@pytest.mark.parametrize(
    ("index", "key"),
    [
        ("structure_active_name", "(departement_id, name, id)"),
        ("structure_active_name_c", '(departement_id, name COLLATE "C", id)'),
    ],
)
def test_the_indexes_cover_what_the_figures_read_of_the_active_structures(
    index: str, key: str
) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = %s AND indexname = %s",
            [Structure._meta.db_table, index],
        )
        (definition,) = cursor.fetchone()
    meta = Structure._meta
    assert f"USING btree {key}" in definition, definition
    assert "WHERE is_active" in definition, definition
    included = definition.split("INCLUDE (", 1)[1].split(")", 1)[0]
    columns = {name.strip().strip('"') for name in included.split(",")}
    columns |= {name.split()[0] for name in key.strip("()").split(", ")}
    for name in READ:
        field = meta.pk if name == "pk" else meta.get_field(name)
        assert field.column in columns, (name, definition)


@pytest.mark.parametrize("who", ["ars_ara", "hfds", "acss"])
def test_the_figures_read_active_structures_of_the_regions_departements(
    world: Any, who: str
) -> None:
    # The index's predicate and key: the structures' statement must keep both conditions
    # for the planner to read it alone.
    structures = _structures_of(getattr(world, who), Region.objects.get(code="84")).order_by()
    sql = str(structures.values_list(*READ).query)
    table = Structure._meta.db_table
    assert f'"{table}"."is_active"' in sql, sql
    assert f'"{table}"."departement_id"' in sql, sql
