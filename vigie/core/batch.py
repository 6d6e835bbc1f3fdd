"""Several writes in one statement, each compiled by Django itself (no hand-written
column list): for hot paths where a round trip and its ORM work per table dominate (a
submission writes its recipients, e-mails and notices together).

``insert_together`` sends what ``bulk_create`` would send for each batch, as the
data-modifying parts (CTEs) of one statement; ``save_sql`` gives the UPDATE that
``instance.save()`` would send, for a caller to run inside a statement of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, Q
from django.db.models.sql import InsertQuery, UpdateQuery


def insert_together(*batches: Sequence[Model]) -> None:
    """Insert each batch (objects of one model; empty ones are skipped) in one
    statement, and give every object its primary key, as ``bulk_create`` does."""
    batches = tuple(batch for batch in batches if batch)
    if not batches:
        return
    # The connection itself, not django.db.connection: the proxy's attribute lookups cost
    # more than the rest of the compilation of each value.
    connection = connections[DEFAULT_DB_ALIAS]
    parts: list[str] = []
    params: list[Any] = []
    for n, objs in enumerate(batches):
        model = type(objs[0])
        meta = model._meta
        for obj in objs:
            # What bulk_create checks first (unsaved related objects); not in the stubs.
            obj._prepare_related_fields_for_save(operation_name="insert_together")  # type: ignore[attr-defined]
        fields = [
            field
            for field in meta.concrete_fields
            if field is not meta.auto_field and not field.generated
        ]
        query = InsertQuery(model)
        query.insert_values(fields, list(objs))
        compiler = query.get_compiler(connection=connection)
        compiler.returning_fields = [meta.pk]
        [(sql, sql_params)] = compiler.as_sql()
        parts.append(f"batch{n} AS ({sql})")
        params.extend(sql_params)
    # RETURNING gives the rows in the order of the VALUES (what bulk_create relies on).
    quote = connection.ops.quote_name
    pks = " UNION ALL ".join(
        f"SELECT {n}, array(SELECT {quote(type(objs[0])._meta.pk.column)} FROM batch{n})"  # noqa: S608 (identifiers from the models' metadata)
        for n, objs in enumerate(batches)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {', '.join(parts)} {pks}", params)
        written = dict(cursor.fetchall())
    for n, objs in enumerate(batches):
        for obj, pk in zip(objs, written[n], strict=True):
            obj.pk = pk
            obj._state.adding = False
            obj._state.db = connection.alias


def save_sql(instance: Model, **expressions: Any) -> tuple[str, list[Any]]:
    """The UPDATE ``instance.save()`` would send (every field, ``auto_now`` ones
    refreshed on ``instance``), with ``expressions`` (field name -> SQL expression, e.g.
    RawSQL) in place of some values."""
    meta = instance._meta
    values: list[Any] = [
        (
            field,
            None,
            expressions[field.name]
            if field.name in expressions
            else field.pre_save(instance, False),
        )
        for field in meta.local_concrete_fields
        if not field.primary_key and not field.generated
    ]
    connection = connections[DEFAULT_DB_ALIAS]
    query = UpdateQuery(type(instance))
    query.add_update_fields(values)
    query.add_q(Q(pk=instance.pk))
    sql, params = query.get_compiler(connection=connection).as_sql()
    return sql, list(params)
