"""Statements the ORM compiles once and the app runs many times (issue 18).

Building and compiling a queryset costs the ORM 1 to 4 ms of Python, ten times what
PostgreSQL takes to run a statement read by its primary key. A page that reads the same
kind of row for each request (the case page: a case under its reader's rule) can keep
the ORM's own SQL and its own way of turning rows into models, and only change the values
that differ between requests: the queryset is built with *marks* (``mark(0)``,
``mark(1)``…) where those values go, compiled once per key, and run with the values.

The key must hold everything the queryset depends on besides the marked values. For a
scoped read that is the reader's ``Scope`` (vigie/core/scoping.py): the rules are
functions of the scope only, so the same scope compiles to the same statement. A rule or
a filter that read the clock or the database while building the queryset could not be
prepared this way. Marks are integers (``mark``, for ids) or texts (``text_mark``); an
integer mark given to a text column is compiled as text, not found, and the queryset
refused, as is one whose marks are not each found exactly once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Sequence
from typing import Any, Generic, TypeVar, cast

from django.core.exceptions import EmptyResultSet
from django.db import models
from django.db.models import signals
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]
from django.db.models.query_utils import DeferredAttribute

from vigie.core.sql import planned_cursor

M = TypeVar("M", bound=models.Model)

# The largest id a bigint column holds: a prepared read by id checks it first, as the ORM
# answers nothing for an id out of a column's range (PostgreSQL would refuse it).
BIGINT_MAX = 2**63 - 1
# Values no id takes (ids are positive): each stands for one value given at run time.
_MARK_BASE = -1_987_650_000
_MARKS = 64
# How many values a prepared statement takes at most.
MARKS_MAX = _MARKS
# Statements kept per process: each reader's scope is a key, so this bounds memory
# (a few kB each); past it the cache starts again empty.
CACHE_SIZE = 2048


# Text no one types (a NUL, which PostgreSQL text cannot hold): the same for text values.
_TEXT_MARKS = {f"\x00vigie-mark-{index}\x00": index for index in range(_MARKS)}


def mark(index: int) -> int:
    """The placeholder for the ``index``-th value of a prepared statement (an integer)."""
    if not 0 <= index < _MARKS:
        raise ValueError(f"a prepared statement takes at most {_MARKS} values")
    return _MARK_BASE - index


def text_mark(index: int) -> str:
    """The placeholder for the ``index``-th value of a prepared statement (a text)."""
    mark(index)
    return f"\x00vigie-mark-{index}\x00"


class Marks:
    """The values of one run, in order, and the mark that stands for each in the queryset:
    ``marks.int(case.pk)`` gives ``mark(0)`` and remembers the id; ``marks.values`` is
    what ``rows`` takes. Build the marks on every run, the queryset only when compiled.

    ``Marks(count)`` for a run of ``count`` values: past MARKS_MAX, ``enabled`` is False
    and each value stands for itself (compile that queryset for the run alone)."""

    def __init__(self, count: int = 0) -> None:
        self.values: list[Any] = []
        self.enabled = count <= MARKS_MAX

    def int(self, value: int) -> int:
        if not self.enabled:
            return value
        self.values.append(value)
        return mark(len(self.values) - 1)

    def text(self, value: str) -> str:
        if not self.enabled:
            return value
        self.values.append(value)
        return text_mark(len(self.values) - 1)


def _mark_index(value: Any) -> int | None:
    if type(value) is int and _MARK_BASE - _MARKS < value <= _MARK_BASE:
        return _MARK_BASE - value
    if type(value) is str:
        return _TEXT_MARKS.get(value)
    return None


class Prepared(Generic[M]):
    """A model queryset compiled once; ``rows(*values)`` runs it with the marks replaced.

    The rows are built as the ORM builds them (``ModelIterable``): the model, the related
    objects of ``select_related``, the annotations, each column through its converters.
    ``prefetch_related`` and ``_known_related_objects`` are not supported (refused).
    """

    def __init__(self, queryset: models.QuerySet[M]) -> None:
        if getattr(queryset, "_prefetch_related_lookups", ()) or getattr(
            queryset, "_known_related_objects", {}
        ):
            raise ValueError("prepared statements do not prefetch")
        if queryset._iterable_class is not models.query.ModelIterable:
            raise ValueError("prepared statements build model instances only")
        self.db = queryset.db
        compiler = queryset.query.get_compiler(using=self.db)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            # The rule selects nothing for this key (an administrator reads no case).
            self.sql = ""
            return
        self.sql = sql
        self.params = list(params)
        self.slots: list[tuple[int, int]] = []  # (position in params, index of the value)
        found = set()
        for position, value in enumerate(self.params):
            index = _mark_index(value)
            if index is not None:
                if index in found:
                    raise ValueError(f"mark({index}) appears twice in the statement")
                found.add(index)
                self.slots.append((position, index))
        self.values_expected = len(found)
        if found != set(range(self.values_expected)):
            raise ValueError("the marks of a prepared statement are mark(0), mark(1)…")
        self.compiler = compiler
        klass_info = compiler.klass_info
        select = compiler.select
        self.model: type[M] = klass_info["model"]
        select_fields = klass_info["select_fields"]
        self.start, self.end = select_fields[0], select_fields[-1] + 1
        self.init_list = [f[0].target.attname for f in select[self.start : self.end]]
        self.instances = _Instances(self.model, self.init_list)
        self.populators = [
            _Populator(p) for p in get_related_populators(klass_info, select, self.db)
        ]
        self.models = (self.model, *(m for p in self.populators for m in p.model_classes()))
        self.annotations = dict(compiler.annotation_col_map or {})
        fields = [s[0] for s in select[0 : compiler.col_count]]
        self.converters = compiler.get_converters(fields)
        self.col_count = compiler.col_count

    def rows(self, *values: Any) -> list[M]:
        if not self.sql:
            return []
        if len(values) != self.values_expected:
            raise TypeError(f"expected {self.values_expected} values, got {len(values)}")
        params = list(self.params)
        for position, index in self.slots:
            params[position] = values[index]
        with planned_cursor(self.db) as cursor:
            cursor.execute(self.sql, params)
            fetched: Sequence[Any] = cursor.fetchall()
        if self.converters:
            fetched = list(self.compiler.apply_converters(fetched, self.converters))
        db, make = self.db, self.instances.make
        start, end, col_count = self.start, self.end, self.col_count
        objects = []
        fast = not _listened(self.models)
        for row in fetched:
            row = row[:col_count]
            obj = make(db, row[start:end], fast)
            for populator in self.populators:
                populator.populate(row, obj, fast)
            for name, position in self.annotations.items():
                setattr(obj, name, row[position])
            objects.append(obj)
        return objects


# What Model.__init__ does with a row's values when nothing overrides it: each value set
# on its attribute (DeferredAttribute and ForeignKeyDeferredAttribute only store it in the
# instance's __dict__; the columns not read stay deferred), then the pre_init and
# post_init signals. Made that way a deferred read's instance costs ~1 µs instead of
# ~13 (from_db first lists every concrete field to mark the missing ones DEFERRED): the
# case page builds a hundred of them.
_PLAIN_DESCRIPTORS = (DeferredAttribute, ForeignKeyDeferredAttribute)


def _maker(model: type[M], init_list: list[str]) -> Callable[[str, Sequence[Any]], M] | None:
    """A function making ``model``'s instance from the values of ``init_list``'s columns as
    ``model.from_db`` would, or None when that model may do more (its own __init__ or
    from_db, another kind of attribute on a column)."""
    if (
        model.__init__ is not models.Model.__init__
        or model.from_db.__func__ is not models.Model.from_db.__func__  # type: ignore[attr-defined]
    ):
        return None
    if any(type(vars(model).get(name)) not in _PLAIN_DESCRIPTORS for name in init_list):
        # An attribute not found in the class itself (inherited) is refused too.
        return None
    names = tuple(init_list)
    new = object.__new__

    def make(db: str, values: Sequence[Any]) -> M:
        obj = new(model)
        state = obj._state = ModelState()
        state.adding = False
        state.db = db
        obj.__dict__.update(zip(names, values, strict=True))
        return obj

    return make


class _Instances:
    """``model.from_db`` for rows of the columns ``init_list``: made by ``_maker`` when the
    caller found that nothing listens to the init signals (``fast``) and the model allows
    it, by from_db otherwise."""

    def __init__(self, model: type[M], init_list: list[str]) -> None:
        self.model, self.init_list = model, list(init_list)
        self.maker = _maker(model, self.init_list)

    def make(self, db: str, values: Sequence[Any], fast: bool) -> Any:
        if fast and self.maker is not None:
            return self.maker(db, values)
        return self.model.from_db(db, self.init_list, values)


def instance_maker(model: type[M], attnames: list[str]) -> Callable[[str, Sequence[Any]], M]:
    """``model.from_db`` for rows of the columns ``attnames`` (the concrete fields' attnames,
    in order), made by ``_maker`` unless something listens to the model's init signals."""
    instances = _Instances(model, attnames)

    def from_db(db: str, values: Sequence[Any]) -> M:
        return cast(M, instances.make(db, values, not _listened((model,))))

    return from_db


def _listened(model_classes: tuple[type[models.Model], ...]) -> bool:
    """Whether something listens to these models' pre_init or post_init (then each instance
    is made by Model.__init__, which sends them)."""
    return any(
        signals.pre_init.has_listeners(m) or signals.post_init.has_listeners(m)
        for m in model_classes
    )


class _Populator:
    """Django's RelatedPopulator (select_related's objects), its instances made by
    ``_Instances``."""

    def __init__(self, populator: Any) -> None:
        self.reorder_for_init = populator.reorder_for_init
        self.cols_start, self.cols_end = populator.cols_start, populator.cols_end
        self.pk_idx = populator.pk_idx
        self.local_setter = populator.local_setter
        self.remote_setter = populator.remote_setter
        self.db = populator.db
        self.instances = _Instances(populator.model_cls, populator.init_list)
        self.related = [_Populator(p) for p in populator.related_populators]

    def model_classes(self) -> list[type[models.Model]]:
        """This one's model and those of the objects it populates in turn."""
        return [self.instances.model, *(m for p in self.related for m in p.model_classes())]

    def populate(self, row: Sequence[Any], from_obj: models.Model, fast: bool) -> None:
        if self.reorder_for_init:
            obj_data = self.reorder_for_init(row)
        else:
            obj_data = row[self.cols_start : self.cols_end]
        if obj_data[self.pk_idx] is None:
            obj = None
        else:
            obj = self.instances.make(self.db, obj_data, fast)
            for related in self.related:
                related.populate(row, obj, fast)
        self.local_setter(from_obj, obj)
        if obj is not None:
            self.remote_setter(obj, from_obj)


# One cache per thread: a compiled statement holds its thread's database connection.
_local = threading.local()


def _cache() -> dict[Hashable, Prepared[Any]]:
    cache = getattr(_local, "cache", None)
    if cache is None:
        cache = _local.cache = {}
    return cache


def prepared(key: Hashable, build: Callable[[], models.QuerySet[M]]) -> Prepared[M]:
    """The statement of ``build()`` (a queryset with marks), compiled once per ``key``."""
    cache = _cache()
    statement = cache.get(key)
    if statement is None:
        statement = Prepared(build())
        if len(cache) >= CACHE_SIZE:
            cache.clear()
        cache[key] = statement
    return statement


def forget_prepared() -> None:
    """Drop this thread's compiled statements (tests that change the rules)."""
    _cache().clear()
