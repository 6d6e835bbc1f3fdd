"""Several writes in one statement (no hand-written column list: the columns come from
the models): for hot paths where a round trip and its ORM work per table dominate (a
submission writes its recipients, e-mails and notices together).

``insert_together`` inserts the rows ``bulk_create`` would insert for each batch, as the
data-modifying parts (CTEs) of one statement; ``save_sql`` gives the UPDATE that
``instance.save()`` would send, for a caller to run inside a statement of its own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import (
    BooleanField,
    CharField,
    DateTimeField,
    Field,
    ForeignKey,
    IntegerField,
    Model,
    Q,
    TextField,
)
from django.db.models.constants import OnConflict
from django.db.models.expressions import RawSQL
from django.db.models.fields import AutoFieldMixin
from django.db.models.sql import InsertQuery, UpdateQuery
from psycopg.types.json import Jsonb


def insert_together(*batches: Sequence[Model]) -> None:
    """Insert each batch (objects of one model; empty ones are skipped) in one
    statement, and give every object its primary key, as ``bulk_create`` does.

    Each field's value is prepared as Django prepares it for an INSERT (``pre_save`` then
    ``get_db_prep_save``); the rows go as one JSON document per batch into a statement
    written once for these models (``_insert_sql``). Compiling a multi-row INSERT with
    Django and binding its ~160 values cost more than the rest of a submission's writes.
    Values JSON does not carry exactly (see ``_json_value``) make the whole call fall
    back to the INSERTs compiled by Django (``insert_compiled``)."""
    batches = tuple(batch for batch in batches if batch)
    if not batches:
        return
    # The connection itself, not django.db.connection: the proxy's attribute lookups cost
    # more than the rest of the preparation of each value.
    connection = connections[DEFAULT_DB_ALIAS]
    sql, columns = _insert_sql(tuple(type(objs[0]) for objs in batches), connection.alias)
    documents = [
        _document(objs, fields, connection) for objs, fields in zip(batches, columns, strict=True)
    ]
    if any(document is None for document in documents):
        insert_compiled(*batches)
        return
    with connection.cursor() as cursor:
        cursor.execute(sql, documents)
        written = dict(cursor.fetchall())
    _give_keys(batches, written, connection.alias)


def insert_unless_conflict(obj: Model) -> bool:
    """Insert ``obj`` (every concrete field, as ``bulk_create`` does) unless that
    conflicts with a unique constraint, in one statement: INSERT ... ON CONFLICT DO
    NOTHING. True and ``obj`` given its primary key when inserted; False when nothing was
    written. Written once for the model, like ``insert_together``'s statement (with its
    fallback to the INSERT compiled by Django)."""
    connection = connections[DEFAULT_DB_ALIAS]
    model = type(obj)
    sql, [fields] = _insert_sql((model,), connection.alias, on_conflict_ignore=True)
    document = _document([obj], fields, connection)
    if document is None:
        sql, params = _insert_compiled_sql([[obj]], connection, on_conflict_ignore=True)
    else:
        params = [document]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return False
    _give_keys([[obj]], {0: rows[0][1]}, connection.alias)
    return True


def _document(objs: Sequence[Model], fields: list[Field[Any, Any]], connection: Any) -> str | None:
    """``objs`` as the JSON rows of ``_insert_sql`` (c0, c1, ... the fields' values as
    an INSERT prepares them), or None when a value does not fit JSON exactly."""
    plan = _plan(type(objs[0]), fields)
    rows = []
    for obj in objs:
        # What bulk_create checks first (unsaved related objects); not in the stubs.
        obj._prepare_related_fields_for_save(operation_name="insert_together")  # type: ignore[attr-defined]
        values = obj.__dict__
        row = {}
        value: Any
        for key, field, attname, kind in plan:
            if kind is None:
                value = _json_value(field.get_db_prep_save(field.pre_save(obj, True), connection))
                if value is _UNFIT:
                    return None
            else:
                # pre_save() reads the attribute; None and a value of this type are
                # prepared as they are.
                value = values[attname] if attname in values else getattr(obj, attname)
                if value is None:
                    pass
                elif type(value) is not kind:
                    value = _json_value(field.get_db_prep_save(value, connection))
                    if value is _UNFIT:
                        return None
                elif kind is str:
                    if "\x00" in cast(str, value):
                        return None
                elif kind is datetime:
                    moment = cast(datetime, value)
                    if moment.utcoffset() is None:
                        return None
                    value = moment.isoformat()
            row[key] = value
        rows.append(row)
    return json.dumps(rows, ensure_ascii=False, separators=(",", ":"))


# For each model: (key in the document, field, attname, the one type of value that
# field's preparation leaves as it is, or None to prepare every value as Django does).
_PLANS: dict[type[Model], list[tuple[str, Field[Any, Any], str, type | None]]] = {}


def _plan(
    model: type[Model], fields: list[Field[Any, Any]]
) -> list[tuple[str, Field[Any, Any], str, type | None]]:
    if model not in _PLANS:
        _PLANS[model] = [
            (f"c{n}", field, field.attname, _kept(field)) for n, field in enumerate(fields)
        ]
    return _PLANS[model]


def _kept(field: Field[Any, Any]) -> type | None:
    """The type of value (besides None) that ``field.get_db_prep_save(field.pre_save(obj,
    True))`` returns unchanged, when its class uses Django's own preparation (checked
    method by method): str for text fields, bool, int for integers and foreign keys to
    an automatic primary key, datetime (aware) for DateTimeField without auto_now(_add).
    None for any other field: its values go through Django's methods."""
    cls: Any = type(field)
    saves_plainly = cls.get_db_prep_save is Field.get_db_prep_save
    if cls.pre_save is DateTimeField.pre_save:
        if field.auto_now or field.auto_now_add:  # type: ignore[attr-defined]
            return None
    elif cls.pre_save is not Field.pre_save:
        return None
    if saves_plainly and cls.get_db_prep_value is Field.get_db_prep_value:
        for kind, base in ((str, CharField), (str, TextField), (bool, BooleanField)):
            if cls.get_prep_value is base.get_prep_value and cls.to_python is base.to_python:
                return kind
        return None
    if saves_plainly and (
        cls.get_db_prep_value is DateTimeField.get_db_prep_value
        and cls.get_prep_value is DateTimeField.get_prep_value
        and cls.to_python is DateTimeField.to_python
    ):
        return datetime
    if saves_plainly and (
        cls.get_db_prep_value is IntegerField.get_db_prep_value
        and cls.get_prep_value is IntegerField.get_prep_value
    ):
        return int
    if cls.get_db_prep_save is ForeignKey.get_db_prep_save:
        target: Any = type(field.target_field)  # type: ignore[attr-defined]
        if (
            target.get_db_prep_save is Field.get_db_prep_save
            and target.get_db_prep_value is AutoFieldMixin.__dict__["get_db_prep_value"]
            and target.get_prep_value is IntegerField.get_prep_value
        ):
            return int
    return None


_UNFIT = object()


def _json_value(value: Any) -> Any:
    """``value`` as JSON carries it to its column unchanged (None, booleans, integers,
    text, aware datetimes, lists of those; JSON fields' documents), or _UNFIT."""
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, str):
        # PostgreSQL's text refuses NUL, and jsonb refuses \u0000 with another error.
        return value if "\x00" not in value else _UNFIT
    if isinstance(value, datetime):
        # ISO 8601 with its offset and microseconds: the same instant once read back.
        return value.isoformat() if value.utcoffset() is not None else _UNFIT
    if isinstance(value, (list, tuple)):
        items = [_json_value(item) for item in value]
        return _UNFIT if any(item is _UNFIT for item in items) else items
    if isinstance(value, Jsonb):
        # A JSONField's document as its own encoder writes it: the same jsonb once parsed.
        dumps: Any = value.dumps
        return json.loads(dumps(value.obj))
    return _UNFIT


_InsertKey = tuple[tuple[type[Model], ...], str, bool]
_INSERT_SQL: dict[_InsertKey, tuple[str, list[list[Field[Any, Any]]]]] = {}


def _insert_fields(model: type[Model]) -> list[Field[Any, Any]]:
    """The fields bulk_create inserts for ``model``."""
    meta = model._meta
    return [
        field
        for field in meta.concrete_fields
        if field is not meta.auto_field and not field.generated
    ]


def _insert_sql(
    models: tuple[type[Model], ...], alias: str, on_conflict_ignore: bool = False
) -> tuple[str, list[list[Field[Any, Any]]]]:
    """The statement inserting the rows of one JSON document per model, in the order
    given (``jsonb_to_recordset``, its columns typed as the table's but without their
    length: the assignment to the table's column then refuses what is too long, as an
    INSERT of the values would, where a cast would cut it), written once per sequence of
    models; and the fields of each document's c0, c1, ... It answers (n, primary keys
    of the n-th model's rows in the order given)."""
    key = (models, alias, on_conflict_ignore)
    if key not in _INSERT_SQL:
        connection = connections[alias]
        quote = connection.ops.quote_name
        parts, pks, columns = [], [], []
        for n, model in enumerate(models):
            meta = model._meta
            fields = _insert_fields(model)
            types = [re.sub(r"\(\d+(,\s*\d+)?\)", "", str(f.db_type(connection))) for f in fields]
            record = ", ".join(f"c{i} {kind}" for i, kind in enumerate(types))
            picked = ", ".join(f"c{i}" for i in range(len(fields)))
            conflict = " ON CONFLICT DO NOTHING" if on_conflict_ignore else ""
            parts.append(
                f"batch{n} AS (INSERT INTO {quote(meta.db_table)} "  # noqa: S608 (identifiers from the models' metadata; values bound)
                f"({', '.join(quote(f.column) for f in fields)}) "
                f"SELECT {picked} FROM ROWS FROM (jsonb_to_recordset(%s::jsonb) AS ({record})) "
                f"WITH ORDINALITY AS r{n}({picked}, n) ORDER BY n{conflict} "
                f"RETURNING {quote(meta.pk.column)})"
            )
            # RETURNING gives the rows in the order inserted (what bulk_create relies on).
            pks.append(
                f"SELECT {n}, array(SELECT {quote(meta.pk.column)} FROM batch{n})"  # noqa: S608 (identifiers from the models' metadata)
                + (f" WHERE EXISTS (SELECT FROM batch{n})" if on_conflict_ignore else "")
            )
            columns.append(fields)
        _INSERT_SQL[key] = (f"WITH {', '.join(parts)} {' UNION ALL '.join(pks)}", columns)
    return _INSERT_SQL[key]


def _give_keys(batches: Sequence[Sequence[Model]], written: dict[int, Any], alias: str) -> None:
    for n, objs in enumerate(batches):
        for obj, pk in zip(objs, written[n], strict=True):
            obj.pk = pk
            obj._state.adding = False
            obj._state.db = alias


def insert_compiled(*batches: Sequence[Model]) -> None:
    """What ``insert_together`` does, each INSERT compiled by Django as ``bulk_create``
    compiles it: for values JSON does not carry exactly (and the reference the fast
    path is compared with in tests)."""
    batches = tuple(batch for batch in batches if batch)
    if not batches:
        return
    connection = connections[DEFAULT_DB_ALIAS]
    sql, params = _insert_compiled_sql(batches, connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        written = dict(cursor.fetchall())
    _give_keys(batches, written, connection.alias)


def _insert_compiled_sql(
    batches: Sequence[Sequence[Model]], connection: Any, *, on_conflict_ignore: bool = False
) -> tuple[str, list[Any]]:
    """Django's INSERT of each batch, in a statement answering what ``_insert_sql``'s
    answers."""
    parts: list[str] = []
    answers: list[str] = []
    params: list[Any] = []
    quote = connection.ops.quote_name
    for n, objs in enumerate(batches):
        model = type(objs[0])
        meta = model._meta
        for obj in objs:
            # What bulk_create checks first (unsaved related objects); not in the stubs.
            obj._prepare_related_fields_for_save(operation_name="insert_together")  # type: ignore[attr-defined]
        query = InsertQuery(model, on_conflict=OnConflict.IGNORE if on_conflict_ignore else None)
        query.insert_values(_insert_fields(model), list(objs))
        compiler = query.get_compiler(connection=connection)
        compiler.returning_fields = [meta.pk]
        [(sql, sql_params)] = compiler.as_sql()
        parts.append(f"batch{n} AS ({sql})")
        params.extend(sql_params)
        # RETURNING gives the rows in the order of the VALUES (what bulk_create relies on).
        answers.append(
            f"SELECT {n}, array(SELECT {quote(meta.pk.column)} FROM batch{n})"  # noqa: S608 (identifiers from the models' metadata)
            + (f" WHERE EXISTS (SELECT FROM batch{n})" if on_conflict_ignore else "")
        )
    return f"WITH {', '.join(parts)} {' UNION ALL '.join(answers)}", params


def save_sql(
    instance: Model, update_fields: Sequence[str] | None = None, **expressions: Any
) -> tuple[str, list[Any]]:
    """The UPDATE ``instance.save()`` would send, with ``expressions`` (field name -> SQL
    expression, e.g. RawSQL) in place of some values; ``auto_now`` fields are refreshed on
    ``instance``. With ``update_fields``, only those fields, the expressions' and the
    ``auto_now`` ones are written: the same row as a whole save() when the instance's
    other fields hold what is stored (it was just written or read under lock)."""
    meta = instance._meta
    wanted = None if update_fields is None else {*update_fields, *expressions}
    values: list[Any] = [
        (
            field,
            None,
            expressions[field.name]
            if field.name in expressions
            else field.pre_save(instance, False),
        )
        for field in meta.local_concrete_fields
        if not field.primary_key
        and not field.generated
        and (wanted is None or field.name in wanted or getattr(field, "auto_now", False))
    ]
    connection = connections[DEFAULT_DB_ALIAS]
    written = _update_sql(instance, values, connection)
    if written is not None:
        return written
    return update_compiled(instance, values, connection)


def update_compiled(instance: Model, values: list[Any], connection: Any) -> tuple[str, list[Any]]:
    """Django's UPDATE of ``values`` ((field, None, value) as UpdateQuery takes them) on
    ``instance``'s row."""
    query = UpdateQuery(type(instance))
    query.add_update_fields(values)
    query.add_q(Q(pk=instance.pk))
    sql, params = query.get_compiler(connection=connection).as_sql()
    return sql, list(params)


_UPDATE_SQL: dict[tuple[Any, ...], str] = {}


def _update_sql(
    instance: Model, values: list[Any], connection: Any
) -> tuple[str, list[Any]] | None:
    """What ``update_compiled`` sends, from a statement written once per model, columns
    and raw expressions (compiling it cost more than running it), each value prepared as
    the compiler prepares it (``get_db_prep_save``); a NULL is bound where the compiler
    writes it out. None for anything the compiler would treat otherwise (expressions
    other than RawSQL, fields with their own placeholder, model instances)."""
    assignments: list[str] = []
    params: list[Any] = []
    for field, _model, value in values:
        if hasattr(field, "get_placeholder"):
            return None
        if isinstance(value, RawSQL):
            assignments.append(f"({value.sql})")
            params.extend(value.params)
            continue
        if hasattr(value, "resolve_expression") or hasattr(value, "prepare_database_save"):
            return None
        prepared = field.get_db_prep_save(value, connection)
        if hasattr(prepared, "as_sql"):
            return None
        assignments.append("%s")
        params.append(prepared)
    meta = instance._meta
    key = (type(instance), connection.alias, *(f.column for f, _m, _v in values), *assignments)
    if key not in _UPDATE_SQL:
        quote = connection.ops.quote_name
        table = quote(meta.db_table)
        sets = ", ".join(
            f"{quote(field.column)} = {assignment}"
            for (field, _m, _v), assignment in zip(values, assignments, strict=True)
        )
        _UPDATE_SQL[key] = f"UPDATE {table} SET {sets} WHERE {table}.{quote(meta.pk.column)} = %s"  # noqa: S608 (identifiers from the models' metadata; values bound)
    params.append(meta.pk.get_db_prep_value(instance.pk, connection))
    return _UPDATE_SQL[key], params
