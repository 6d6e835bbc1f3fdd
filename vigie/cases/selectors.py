"""Reads on cases; each one starts from visible_to(user)."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar, cast

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connection, models
from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower, Trim
from django.utils import timezone
from django.utils.translation import gettext as _

from vigie.cases.models import (
    URGENT_EXPRESSION,
    Case,
    CaseHandler,
    CaseQuerySet,
    CaseStatus,
    ClosureAgreement,
    Criticity,
    Question,
    TimelineEvent,
    TrackingEntry,
)
from vigie.cases.scopes import children_of_read_cases
from vigie.core.prepared import BIGINT_MAX, Marks, Prepared, instance_maker, mark, prepared
from vigie.core.scoping import scope_for
from vigie.core.sql import col, planned_cursor
from vigie.declarations.models import Declaration, DeclarationRecipient
from vigie.directory.models import Structure, User, Vendor

M = TypeVar("M", bound=models.Model)

# Tabs of the queue: "open" (every status but closed) first, "all" last.
OPEN = "open"
ALL = "all"
QUEUE_STATUSES = [OPEN, *CaseStatus.values, ALL]

# Workflow order, so that sorting by status follows the phases rather than the alphabet.
_STATUS_ORDER = models.Case(
    *(When(status=value, then=Value(n)) for n, value in enumerate(CaseStatus.values)),
    output_field=models.IntegerField(),
)
# Urgent: help needed now, or care affected (actual impact, patients transferred, plan
# blanc: Case.care_affected). Such cases stand out and come first in open queues, in the
# order of the open queues' indexes (Case.Meta.indexes).
URGENT = Q(care_affected=True) | Q(urgent_help=True)
URGENT_FIRST = URGENT_EXPRESSION.desc()
OPEN_STATUSES = frozenset(value for value in CaseStatus.values if value != CaseStatus.CLOSED)
SORTS: dict[str, list[Any]] = {
    "-opened_at": ["-opened_at", "-pk"],
    "opened_at": ["opened_at", "pk"],
    "structure": ["structure__name", "-opened_at"],
    "status": [_STATUS_ORDER.asc(), "-opened_at"],
    "ars_update_due_at": [F("ars_update_due_at").asc(nulls_last=True), "-opened_at", "-pk"],
}


# Cases pile up (a million over ten years): each tab counts up to this many, and the queue
# pages through at most this many; beyond, the filters narrow.
COUNT_CAP = 1000


@dataclass
class CaseQueue:
    cases: QuerySet[Case]
    # Cases per tab (QUEUE_STATUSES) with every other filter applied; the tabs in
    # ``capped`` hold COUNT_CAP cases or more, and their count is COUNT_CAP.
    counts: dict[str, int]
    capped: set[str] = field(default_factory=set)


def cases_visible(user: Any) -> CaseQuerySet:
    return cast(CaseQuerySet, Case.objects.visible_to(user))


def case_queue(
    user: Any,
    *,
    status: str | None = None,
    region: str | None = None,
    structure_kind: str | None = None,
    incident_type: str | None = None,
    overdue: bool = False,
    significant: bool | None = None,
    q: str | None = None,
    sort: str = "-opened_at",
    mine: bool = False,
    unhandled: bool = False,
) -> CaseQueue:
    """The work queue: filters, counts per status (one query) and the sorted page source.

    ``region`` is a region's INSEE code, ``incident_type`` an incident type's code,
    ``status`` one of QUEUE_STATUSES (None: all).
    """
    qs = cases_visible(user)
    if region:
        qs = qs.filter(region__code=region)
    if structure_kind:
        qs = qs.filter(structure__kind=structure_kind)
    if incident_type:
        qs = qs.filter(declaration__incident_type__code=incident_type)
    if overdue:
        qs = qs.overdue()
    if significant is not None:
        qs = (
            qs.filter(criticity=Criticity.SIGNIFICANT)
            if significant
            else qs.exclude(criticity=Criticity.SIGNIFICANT)
        )
    if mine:
        qs = qs.filter(Exists(CaseHandler.objects.filter(case=OuterRef("pk"), user=user)))
    if unhandled:
        qs = qs.filter(~Exists(CaseHandler.objects.filter(case=OuterRef("pk"))))
    query = (q or "").strip()
    search = _search(query) if query else None
    counts, capped = _queue_counts(qs, search)
    if search is not None:
        qs = qs.filter(search.matches)
    if status == OPEN:
        qs = qs.open()
    elif status in CaseStatus.values:
        qs = qs.filter(status=status)
    order = SORTS.get(sort, SORTS["-opened_at"])
    if status == OPEN or status in OPEN_STATUSES:
        # Where work is waiting, urgent cases come first whatever the sort.
        order = [URGENT_FIRST, *order]
    # What each row shows is read for the page's cases only (queue_rows.queue_rows).
    return CaseQueue(cases=qs.order_by(*order), counts=counts, capped=capped)


# The queue's search lists the matching structures' ids in its statement up to this many:
# the planner then knows how many cases they hold (read from the structure index, or the
# newest first when they are many).
SEARCH_STRUCTURES_LISTED = 500
# Beyond, up to this many, the ids read once are handed to each of the request's statements
# as one array, each hashing it (an IN (subquery) matched the names again in each copy
# instead: five times per page, 60 % of the search's time at 11,000 structures, issue 18);
# beyond, a hashed IN (subquery) under the OR.
SEARCH_STRUCTURES_HASHED = 20_000


@dataclass(frozen=True)
class _Search:
    matches: Q
    # Where the matching structures' ids are hashed: their ids (PostgreSQL's text of an
    # array) and the cases whose own reference matches; ``matches`` is the cases of those
    # structures or of that reference.
    structure_ids: str | None = None
    by_reference: Q | None = None


def _search(query: str) -> _Search:
    """Cases whose reference or structure's name holds ``query`` (case ignored), or whose
    structure's FINESS number starts with it (spaces ignored). Each side is read from its
    own index (trigrams on UPPER(reference) and UPPER(name), Case/Structure Meta.indexes)
    rather than by joining every case to its structure and testing each pair."""
    finess = query.replace(" ", "")
    count, ids = _structure_ids(query, finess)
    if count <= SEARCH_STRUCTURES_LISTED:
        listed = [int(pk) for pk in ids.strip("{}").split(",")] if count else []
        return _Search(Q(reference__icontains=query) | Q(structure_id__in=listed))
    if count <= SEARCH_STRUCTURES_HASHED:
        # The structures' side first (a hash probe), then the reference's: the cases
        # whose own reference matches, read from the trigram index once (a hash too; a
        # probe by case where they are too many to hash) rather than UPPER(reference)
        # computed for every case the scan reads.
        own_reference = Exists(Case.objects.filter(pk=OuterRef("pk"), reference__icontains=query))
        return _Search(
            _of_structures(ids) | Q(own_reference),
            structure_ids=ids,
            by_reference=Q(reference__icontains=query),
        )
    structures = (
        Structure.objects.filter(Q(name__icontains=query) | Q(finess__startswith=finess))
        .order_by()
        .values_list("pk", flat=True)
    )
    return _Search(Q(reference__icontains=query) | Q(structure_id__in=structures))


def _of_structures(ids: str) -> Q:
    return Q(structure_id__in=RawSQL("SELECT unnest(%s::bigint[])", (ids,)))


def _structure_ids(query: str, finess: str) -> tuple[int, str]:
    """How many structures the search matches (SEARCH_STRUCTURES_HASHED + 1: more) and
    their ids as PostgreSQL's text of a bigint array ("{}" for none), in one statement:
    the names and the FINESS numbers each read from their own index."""
    by_name = Structure.objects.filter(name__icontains=query).order_by().values("pk")
    by_finess = Structure.objects.filter(finess__startswith=finess).order_by().values("pk")
    either = by_name.union(by_finess, all=True)[: SEARCH_STRUCTURES_HASHED + 1]
    sql, params = either.query.sql_with_params()
    with connection.cursor() as cursor:
        # A structure found by both its name and its FINESS number comes twice: the ids
        # are told apart, but a list cut by the LIMIT is never taken for the whole.
        cursor.execute(
            f"""SELECT count(*), COALESCE(array_agg(DISTINCT s.pk), '{{}}')::text
                  FROM ({sql}) AS s""",  # noqa: S608 (ORM SQL)
            params,
        )
        found, ids = cursor.fetchone()
    if found > SEARCH_STRUCTURES_HASHED:
        return SEARCH_STRUCTURES_HASHED + 1, ""
    return (ids.count(",") + 1 if found else 0), ids


# Stands for the status while the counting statement is compiled: PostgreSQL's text
# cannot hold NUL, so no other value of the statement can be taken for it.
_STATUS_SLOT = "\x00status"


def _closed_of_structures(qs: CaseQuerySet, search: _Search) -> tuple[str, list[Any]]:
    """The closed tab's count where the search hashes its structures' ids: most cases are
    closed, so each structure's closed cases are read from the structure index, structure
    by structure until COUNT_CAP + 1 (a hundred structures where they hold ten each,
    rather than scanning closed cases until enough match); only under the cap, the cases
    whose own reference matches and whose structure is not among them are added. The
    same number, capped the same way."""
    assert search.structure_ids is not None and search.by_reference is not None
    closed = qs.filter(status=CaseStatus.CLOSED).order_by()
    s_sql, s_params = (
        closed.filter(structure_id=RawSQL('"queue_structure"."id"', ()))
        .values("pk")
        .query.sql_with_params()
    )
    r_sql, r_params = (
        closed.filter(search.by_reference)
        .exclude(_of_structures(search.structure_ids))
        .values("pk")[: COUNT_CAP + 1]
        .query.sql_with_params()
    )
    sql = (
        f"(SELECT LEAST({COUNT_CAP + 1}, s.n + CASE WHEN s.n > {COUNT_CAP} THEN 0"  # noqa: S608 (ORM SQL)
        f" ELSE (SELECT count(*) FROM ({r_sql}) AS r) END)"
        " FROM (SELECT count(*) AS n FROM (SELECT c.pk"
        " FROM (SELECT unnest(%s::bigint[]) AS id) AS queue_structure"  # one by one
        f" CROSS JOIN LATERAL ({s_sql}) AS c LIMIT {COUNT_CAP + 1}) AS s0) AS s)"
    )
    return sql, [*r_params, search.structure_ids, *s_params]


def _queue_counts(
    qs: CaseQuerySet, search: _Search | None = None
) -> tuple[dict[str, int], set[str]]:
    """Cases per status (``qs``, matching ``search``), each counted up to COUNT_CAP + 1 (its
    own LIMIT subquery, read from the status and region indexes), in one statement: the
    queue's counts cost the same for 300 or 30,000 open cases and a million closed ones.
    The subquery is compiled once, the status bound in each copy; under a search that
    hashes its structures' ids, the closed tab is counted from the structures' side
    (_closed_of_structures)."""
    matching = qs if search is None else qs.filter(search.matches)
    try:
        sql, slot_params = (
            matching.filter(status=_STATUS_SLOT)
            .order_by()
            .values("pk")[: COUNT_CAP + 1]
            .query.sql_with_params()
        )
        closed = None
        if search is not None and search.structure_ids is not None:
            closed = _closed_of_structures(qs, search)
    except EmptyResultSet:  # a filter that matches nothing, compiled away
        row: Any = [0] * len(CaseStatus.values)
    else:
        part = f"(SELECT count(*) FROM ({sql}) AS s)"  # noqa: S608 (ORM SQL)
        parts: list[str] = []
        params: list[Any] = []
        for value in CaseStatus.values:
            if value == CaseStatus.CLOSED and closed is not None:
                parts.append(closed[0])
                params.extend(closed[1])
                continue
            parts.append(part)
            params.extend(value if p == _STATUS_SLOT else p for p in slot_params)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {', '.join(parts)}", params)
            row = cursor.fetchone()
    counts = dict(zip(CaseStatus.values, row, strict=True))
    counts[OPEN] = sum(n for value, n in counts.items() if value in OPEN_STATUSES)
    counts[ALL] = counts[OPEN] + counts[CaseStatus.CLOSED]
    capped = {tab for tab, n in counts.items() if n > COUNT_CAP}
    for tab in capped:
        counts[tab] = COUNT_CAP
    return counts, capped


# --- task A of phase 4: similar incidents in progress ----------------------------------


@dataclass
class SimilarCase:
    case: Case
    reasons: list[str] = field(default_factory=list)


SIMILAR_MAX = 20


def similar_open_cases(case: Case, user: Any) -> list[SimilarCase]:
    """Other open cases the user may see with the same incident type, a shared vendor or
    the same software, newest first, each with why it matched.

    The cases by the ORM's scoped statement, compiled once per reader's scope and shape
    of the question (vigie/core/prepared.py); the vendors in common by a fixed one."""
    declaration = case.declaration
    vendor_ids = sorted({v.pk for v in declaration.vendors.all()})
    software = declaration.software.strip().lower()
    marks = Marks(3 + len(vendor_ids))
    case_mark = marks.int(case.pk)
    type_mark = marks.int(declaration.incident_type_id) if declaration.incident_type_id else None
    software_mark = marks.text(software) if software else None
    vendor_marks = [marks.int(vendor_id) for vendor_id in vendor_ids]

    def build() -> QuerySet[Case]:
        # No join on the vendors (it would need a DISTINCT over every row): an EXISTS per
        # candidate, so the newest open cases are read from the index until 20 match.
        condition = Q(pk__in=[])
        if type_mark is not None:
            condition |= Q(declaration__incident_type_id=type_mark)
        if vendor_marks:
            condition |= Q(
                Exists(
                    Declaration.vendors.through.objects.filter(
                        declaration_id=OuterRef("declaration_id"), vendor_id__in=vendor_marks
                    )
                )
            )
        if software_mark is not None:
            condition |= Q(software_key=software_mark)
        return (
            cases_visible(user)
            .open()
            .exclude(pk=case_mark)
            .annotate(software_key=Lower(Trim("declaration__software")))
            .filter(condition)
            .select_related("structure__departement", "declaration")
            # What the list shows and the reasons need: not the declarations' long texts.
            .only(
                "reference",
                "status",
                "opened_at",
                "declaration__incident_type_id",
                "declaration__software",
                "structure__name",
                "structure__departement__code",
                "structure__departement__name",
            )
            .order_by("-opened_at", "-pk")[:SIMILAR_MAX]
        )

    shape = (type_mark is not None, software_mark is not None, len(vendor_marks))
    if marks.enabled:
        statement = prepared(("cases.similar", scope_for(user), shape), build)
    else:  # more vendors than marks: compiled for this request only
        statement = Prepared(build())
    matches = statement.rows(*marks.values)
    # Only the vendors in common, for the reasons; none to read when this case has none.
    shared = _shared_vendors([m.declaration_id for m in matches], vendor_ids)
    similar = []
    for other in matches:
        reasons = []
        if declaration.incident_type_id and (
            other.declaration.incident_type_id == declaration.incident_type_id
        ):
            reasons.append(_("same incident type (%(type)s)") % {"type": declaration.incident_type})
        names = shared.get(other.declaration_id)
        if names:
            reasons.append(_("same vendor (%(vendors)s)") % {"vendors": ", ".join(names)})
        if software and other.declaration.software.strip().lower() == software:
            reasons.append(
                _("same software (%(software)s)") % {"software": declaration.software.strip()}
            )
        similar.append(SimilarCase(case=other, reasons=reasons))
    return similar


def _shared_vendors(declaration_ids: list[int], vendor_ids: list[int]) -> dict[int, list[str]]:
    """The names of ``vendor_ids`` each declaration has, by name (vendors are public
    reference data; the declarations are those of cases the reader may read)."""
    if not declaration_ids or not vendor_ids:
        return {}
    through, vendor = Declaration.vendors.through._meta, Vendor._meta
    link, linked = col(through, "declaration"), col(through, "vendor")
    name = col(vendor, "name")
    # Identifiers from the models' metadata, values as parameters.
    sql = (
        f'SELECT t.{link}, v.{name} FROM "{through.db_table}" t'  # noqa: S608
        f' JOIN "{vendor.db_table}" v ON v.{col(vendor, "id")} = t.{linked}'
        f" WHERE t.{link} = ANY(%s) AND t.{linked} = ANY(%s) ORDER BY v.{name}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [declaration_ids, vendor_ids])
        shared: dict[int, list[str]] = {}
        for declaration_id, name in cursor.fetchall():
            shared.setdefault(declaration_id, []).append(name)
    return shared


def case_of_declaration(user: Any, declaration: Declaration) -> Case | None:
    """The case opened for ``declaration``, when the user may see it."""
    return cases_visible(user).filter(declaration=declaration).first()


# --- one case --------------------------------------------------------------------------


def case_detail(user: Any, pk: int, *, declaration_readable: bool = False) -> Case | None:
    """A case with everything its page shows, or None when the user may not see it.

    Two statements: the case under the reader's rule (the ORM's scoped read, as every
    case), then, for that case only, one fixed statement giving as JSON what hangs off it
    (the declaration's vendors, timeline, questions, tracking, agreements, handlers, the
    lists of ``page_list``) and the people the page names. A child's rule is its case's
    (vigie/cases/scopes.py, ``children_of_read_cases``): a case the reader may not read
    is not returned, and none of its children is read. The second statement is written
    once from the models' metadata. (Both in one statement, PostgreSQL took 6 ms to plan
    the subqueries under the case's joins, against 1 ms for each apart.)

    ``declaration_readable``: whether the reader may also read the case's declaration
    (its own rule), asked by the same statement; the answer is ``DECLARATION_READABLE``
    on the case."""

    def build() -> QuerySet[Case]:
        annotations: dict[str, Any] = {}
        if declaration_readable:
            annotations[DECLARATION_READABLE] = Exists(
                Declaration.objects.visible_to(user).filter(pk=OuterRef("declaration_id"))
            )
        return (
            cases_visible(user)
            .select_related("structure__departement__region", "declaration__incident_type")
            .annotate(**annotations)
            .filter(pk=mark(0))
        )

    # The rules are functions of the reader's scope: one statement per scope, compiled
    # once by the ORM (vigie/core/prepared.py).
    key = ("cases.case_detail", scope_for(user), declaration_readable)
    if not 0 < pk <= BIGINT_MAX:
        return None  # no such id (the ORM answers none without asking)
    found = prepared(key, build).rows(pk)
    if not found:
        return None
    case = found[0]
    if case.declaration.structure_id == case.structure_id:
        # The declaration's sections read the same structure: share the loaded one.
        case.declaration.structure = case.structure
    with planned_cursor() as cursor:
        cursor.execute(_children_sql(), {"case": case.pk})
        (page_rows,) = cursor.fetchone()
    _children_attach(case, json.loads(page_rows))
    vars(case)[_READ_FOR] = getattr(user, "pk", None)
    return case


# On the declaration of a case read by ``case_detail``: the frozenset of the kinds of
# entities it was routed to, which the regulatory clock needs (vigie/insights/clock.py).
ROUTED_TO = "_vigie_routed_to"
# On a case read by ``case_detail(..., declaration_readable=True)``.
DECLARATION_READABLE = "_vigie_declaration_readable"
# The lists hung off the case: (name of the reverse relation, its model, the foreign keys
# to people read with each row). Each list is in its model's Meta.ordering.
_CHILDREN: list[tuple[str, type[models.Model], tuple[str, ...]]] = [
    ("timeline", TimelineEvent, ("actor",)),
    ("questions", Question, ("asked_by", "answered_by")),
    ("tracking", TrackingEntry, ("by",)),
    ("agreements", ClosureAgreement, ("by",)),
    ("handlers", CaseHandler, ("user",)),
]
# Which reader the case was read for, on the case object (``read_for``).
_READ_FOR = "_vigie_read_for"


def page_list(name: str, model: type[models.Model], people: tuple[str, ...] = ()) -> None:
    """Have ``case_detail`` read a later app's rows of ``model`` hanging off the case by
    reverse relation ``name`` (called by its ``ready()``). Only for a model whose rule is
    exactly its case's (the app's tests must check it, as tests/cases/
    test_case_children_scope.py does here): its rows are read for a case that passed the
    reader's rule, without restating a rule of their own. The app reads them back with
    ``page_rows``."""
    global _CHILDREN_SQL
    if all(entry[0] != name for entry in _CHILDREN):
        _CHILDREN.append((name, model, people))
        _CHILDREN_SQL = None


def page_rows(case: Case, user: Any, name: str) -> list[Any] | None:
    """The rows of ``page_list`` ``name`` read with ``case`` for ``user`` by
    ``case_detail``, or None when ``case`` was not read that way (the caller reads them
    itself, under their rule)."""
    reader = getattr(user, "pk", None)
    if reader is None or vars(case).get(_READ_FOR) != reader:
        return None
    cache = getattr(case, "_prefetched_objects_cache", {})
    return list(cache[name]) if name in cache else None


# What the JSON rows hold, field by field, and how each becomes the value the ORM gives.
_FROM_JSON: dict[str, Any] = {
    "AutoField": None,
    "BigAutoField": None,
    "BooleanField": None,
    "CharField": None,
    "TextField": None,
    "EmailField": None,
    "SlugField": None,
    "URLField": None,
    "IntegerField": None,
    "BigIntegerField": None,
    "PositiveIntegerField": None,
    "PositiveBigIntegerField": None,
    "PositiveSmallIntegerField": None,
    "SmallIntegerField": None,
    "ForeignKey": None,
    "OneToOneField": None,
    "JSONField": None,  # row_to_json embeds it as JSON: already decoded
    "DateTimeField": datetime.fromisoformat,
    "DateField": date.fromisoformat,
}
_CHILDREN_SQL: str | None = None


def _order_by(meta: Any, alias: str) -> str:
    """``meta``'s Meta.ordering as SQL on ``alias``."""
    terms = []
    for name in meta.ordering:
        descending = name.startswith("-")
        field = meta.pk if name.lstrip("-") == "pk" else meta.get_field(name.lstrip("-"))
        terms.append(f'{alias}."{field.column}"{" DESC" if descending else ""}')
    return ", ".join(terms)


def _children_sql() -> str:
    """The JSON object of what hangs off case %(case)s, for ``case_detail``."""
    global _CHILDREN_SQL
    if _CHILDREN_SQL is None:
        case, user, vendor = Case._meta, User._meta, Vendor._meta
        structure, declaration = Structure._meta, Declaration._meta
        through = Declaration.vendors.through._meta
        recipient = DeclarationRecipient._meta
        models_read: list[Any] = [User, Vendor]
        for _name, child, _people in _CHILDREN:
            models_read.append(child)
            if child._meta.app_label == Case._meta.app_label:
                # Refuses a model of this app with a rule of its own.
                children_of_read_cases(child._default_manager.none())
        for model in models_read:
            for f in model._meta.concrete_fields:
                if f.get_internal_type() not in _FROM_JSON:
                    raise NotImplementedError(f"{model.__name__}.{f.name}: {f.get_internal_type()}")
        outer = f'"{case.db_table}"'

        def children(model: Any, people: tuple[str, ...]) -> str:
            meta = model._meta
            joins = "".join(
                f' LEFT JOIN "{user.db_table}" p{n} ON p{n}.{col(user, "id")} = c.{col(meta, name)}'
                for n, name in enumerate(people)
            )
            row = ", ".join(["row_to_json(c)", *(f"row_to_json(p{n})" for n in range(len(people)))])
            return f"""(
                SELECT json_agg(json_build_array({row}) ORDER BY {_order_by(meta, "c")})
                  FROM "{meta.db_table}" c{joins}
                 WHERE c.{col(meta, "case")} = {outer}.{col(case, "id")})"""  # noqa: S608 (identifiers from the models' metadata)

        lists = ", ".join(
            f"'{name}', {children(model, people)}" for name, model, people in _CHILDREN
        )
        _CHILDREN_SQL = f"""SELECT json_build_object(
            'vendors', (
                SELECT json_agg(row_to_json(v) ORDER BY v.{col(vendor, "name")})
                  FROM "{vendor.db_table}" v
                  JOIN "{through.db_table}" t ON t.{col(through, "vendor")} = v.{col(vendor, "id")}
                 WHERE t.{col(through, "declaration")} = {outer}.{col(case, "declaration")}),
            {lists},
            'routed_to', (
                SELECT json_agg(r.{col(recipient, "kind")}) FROM "{recipient.db_table}" r
                 WHERE r.{col(recipient, "declaration")} = {outer}.{col(case, "declaration")}),
            'people', (
                SELECT json_agg(row_to_json(u)) FROM "{user.db_table}" u
                 WHERE u.{col(user, "id")} IN (
                       SELECT s.{col(structure, "director")} FROM "{structure.db_table}" s
                        WHERE s.{col(structure, "id")} = {outer}.{col(case, "structure")}
                       UNION ALL
                       SELECT unnest(ARRAY[d.{col(declaration, "submitted_by")},
                                           d.{col(declaration, "created_by")}])
                         FROM "{declaration.db_table}" d
                        WHERE d.{col(declaration, "id")} = {outer}.{col(case, "declaration")}
                       UNION ALL
                       SELECT unnest(ARRAY[{outer}.{col(case, "qualified_by")},
                                           {outer}.{col(case, "closed_by")}])))
        )::text
          FROM {outer} WHERE {outer}.{col(case, "id")} = %(case)s"""  # noqa: S608 (identifiers from the models' metadata; every value is bound)
    return _CHILDREN_SQL


def _from_json(model: type[M], row: dict[str, Any]) -> M:
    """The instance the ORM would have built from the row ``row_to_json`` gave."""
    columns, make = _json_reader(model)
    values = []
    for column, convert in columns:
        value = row[column]
        values.append(value if value is None or convert is None else convert(value))
    return make(DEFAULT_DB_ALIAS, values)


@functools.cache
def _json_reader(model: type[M]) -> tuple[list[tuple[str, Any]], Any]:
    """Each concrete field's column and conversion from JSON, and the maker of instances."""
    fields = model._meta.concrete_fields
    columns = [(f.column, _FROM_JSON[f.get_internal_type()]) for f in fields]
    return columns, instance_maker(model, [f.attname for f in fields])


def _prefetched(instance: models.Model, name: str, rows: list[Any]) -> None:
    """``rows`` as ``instance``'s prefetched ``name`` (what prefetch_related leaves)."""
    queryset = getattr(instance, name).get_queryset()  # the relation's filter, not run
    queryset._result_cache = rows
    queryset._prefetch_done = True
    cache = instance.__dict__.setdefault("_prefetched_objects_cache", {})
    cache[name] = queryset


def _children_attach(case: Case, data: dict[str, Any]) -> None:
    _prefetched(
        case.declaration,
        "vendors",
        [_from_json(Vendor, row) for row in data["vendors"] or []],
    )
    users: dict[int, User] = {}

    def person_of(row: dict[str, Any]) -> User:
        # One instance per person named on the page (read-only there).
        found = users.get(row["id"])
        if found is None:
            found = users[row["id"]] = _from_json(User, row)
        return found

    for name, model, people in _CHILDREN:
        rows = []
        for child_row, *people_rows in data[name] or []:
            child = _from_json(model, child_row)
            child.case = case  # type: ignore[attr-defined]
            for name_of_person, person in zip(people, people_rows, strict=True):
                if person is not None:
                    setattr(child, name_of_person, person_of(person))
            rows.append(child)
        _prefetched(case, name, rows)
    # The kinds of entities the declaration was routed to (the regulatory clock's input).
    setattr(case.declaration, ROUTED_TO, frozenset(data["routed_to"] or ()))
    tracking = case.tracking.all()
    if any(entry.document_id is not None for entry in tracking):
        # The document sent with an entry: the exact version (vigie/cases/documents.py).
        prefetch_related_objects(list(tracking), "document")
    # The people the case page names (director, declarant, creator, who qualified and
    # closed).
    named = {row["id"]: person_of(row) for row in data["people"] or []}
    holders: list[tuple[Any, str]] = [
        (case.structure, "director"),
        (case.declaration, "submitted_by"),
        (case.declaration, "created_by"),
        (case, "qualified_by"),
        (case, "closed_by"),
    ]
    for obj, name in holders:
        found = named.get(getattr(obj, f"{name}_id"))
        if found is not None:
            setattr(obj, name, found)


# --- what needs a handler now (home pages) ----------------------------------------------


@dataclass
class WorkNow:
    awaiting_qualification: int
    urgent: int
    overdue: int
    significant: int
    crisis: int

    @property
    def anything(self) -> bool:
        return any(vars(self).values())


def work_now(user: Any, *, now: Any = None) -> WorkNow:
    """Counts of the open cases that need the people handling them, in one query."""
    now = now or timezone.now()
    counts = (
        cases_visible(user)
        .open()
        .aggregate(
            awaiting=Count("pk", filter=Q(status=CaseStatus.AWAITING_QUALIFICATION)),
            urgent=Count("pk", filter=URGENT),
            overdue=Count("pk", filter=Q(status=CaseStatus.TO_PROCESS, ars_update_due_at__lt=now)),
            significant=Count("pk", filter=Q(criticity=Criticity.SIGNIFICANT)),
            crisis=Count("pk", filter=Q(crisis_mode=True)),
        )
    )
    return WorkNow(
        awaiting_qualification=counts["awaiting"],
        urgent=counts["urgent"],
        overdue=counts["overdue"],
        significant=counts["significant"],
        crisis=counts["crisis"],
    )
