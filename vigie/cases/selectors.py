"""Reads on cases; each one starts from visible_to(user)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from django.core.exceptions import EmptyResultSet
from django.db import connection, models
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Value, When
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
from vigie.declarations.models import Declaration
from vigie.directory.models import Structure, User, Vendor

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
    if query:
        qs = qs.filter(_search(query))
    counts, capped = _queue_counts(qs)
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
# newest first when they are many); beyond, a hashed IN (subquery) under the OR.
SEARCH_STRUCTURES_LISTED = 500


def _search(query: str) -> Q:
    """Cases whose reference or structure's name holds ``query`` (case ignored), or whose
    structure's FINESS number starts with it (spaces ignored). Each side is read from its
    own index (trigrams on UPPER(reference) and UPPER(name), Case/Structure Meta.indexes)
    rather than by joining every case to its structure and testing each pair."""
    structures = (
        Structure.objects.filter(
            Q(name__icontains=query) | Q(finess__startswith=query.replace(" ", ""))
        )
        .order_by()
        .values_list("pk", flat=True)
    )
    ids = list(structures[: SEARCH_STRUCTURES_LISTED + 1])
    in_structures = (
        Q(structure_id__in=ids)
        if len(ids) <= SEARCH_STRUCTURES_LISTED
        else Q(structure_id__in=structures)
    )
    return Q(reference__icontains=query) | in_structures


# Stands for the status while the counting statement is compiled: PostgreSQL's text
# cannot hold NUL, so no other value of the statement can be taken for it.
_STATUS_SLOT = "\x00status"


def _queue_counts(qs: CaseQuerySet) -> tuple[dict[str, int], set[str]]:
    """Cases per status, each counted up to COUNT_CAP + 1 (its own LIMIT subquery, read
    from the status and region indexes), in one statement: the queue's counts cost the
    same for 300 or 30,000 open cases and a million closed ones. The subquery is compiled
    once, the status bound in each copy."""
    try:
        sql, slot_params = (
            qs.filter(status=_STATUS_SLOT)
            .order_by()
            .values("pk")[: COUNT_CAP + 1]
            .query.sql_with_params()
        )
    except EmptyResultSet:  # a filter that matches nothing, compiled away
        row: Any = [0] * len(CaseStatus.values)
    else:
        part = f"(SELECT count(*) FROM ({sql}) AS s)"  # noqa: S608 (ORM SQL)
        params: list[Any] = []
        for value in CaseStatus.values:
            params.extend(value if p == _STATUS_SLOT else p for p in slot_params)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {', '.join([part] * len(CaseStatus.values))}", params)
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
    the same software, newest first, each with why it matched."""
    declaration = case.declaration
    vendor_ids = {v.pk for v in declaration.vendors.all()}
    software = declaration.software.strip().lower()
    # No join on the vendors (it would need a DISTINCT over every row): an EXISTS per
    # candidate, so the newest open cases are read from the index until 20 match.
    condition = Q(pk__in=[])
    if declaration.incident_type_id:
        condition |= Q(declaration__incident_type_id=declaration.incident_type_id)
    if vendor_ids:
        condition |= Q(
            Exists(
                Declaration.vendors.through.objects.filter(
                    declaration_id=OuterRef("declaration_id"), vendor_id__in=vendor_ids
                )
            )
        )
    if software:
        condition |= Q(software_key=software)
    matches = (
        cases_visible(user)
        .open()
        .exclude(pk=case.pk)
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
        .order_by("-opened_at", "-pk")
    )
    if vendor_ids:
        # Only the vendors in common, for the reasons; none to read when this case has none.
        matches = matches.prefetch_related(
            Prefetch(
                "declaration__vendors",
                queryset=Vendor.objects.filter(pk__in=vendor_ids).order_by("name"),
            )
        )
    similar = []
    for other in matches[:SIMILAR_MAX]:
        reasons = []
        if declaration.incident_type_id and (
            other.declaration.incident_type_id == declaration.incident_type_id
        ):
            reasons.append(_("same incident type (%(type)s)") % {"type": declaration.incident_type})
        shared = [v.name for v in other.declaration.vendors.all()] if vendor_ids else []
        if shared:
            reasons.append(_("same vendor (%(vendors)s)") % {"vendors": ", ".join(shared)})
        if software and other.declaration.software.strip().lower() == software:
            reasons.append(
                _("same software (%(software)s)") % {"software": declaration.software.strip()}
            )
        similar.append(SimilarCase(case=other, reasons=reasons))
    return similar


def case_of_declaration(user: Any, declaration: Declaration) -> Case | None:
    """The case opened for ``declaration``, when the user may see it."""
    return cases_visible(user).filter(declaration=declaration).first()


# --- one case --------------------------------------------------------------------------


def case_detail(user: Any, pk: int) -> Case | None:
    """A case with everything its page shows, or None when the user may not see it.
    What hangs off it is read under the case's own rule, applied once by the case's read."""
    prefetches: list[Any] = [
        Prefetch("declaration__vendors", queryset=Vendor.objects.order_by("name")),
        Prefetch(
            "timeline",
            queryset=children_of_read_cases(TimelineEvent.objects.all()).select_related("actor"),
        ),
        Prefetch(
            "questions",
            queryset=children_of_read_cases(Question.objects.all()).select_related(
                "asked_by", "answered_by"
            ),
        ),
        Prefetch(
            "tracking",
            # The document sent with an entry: the exact version (vigie/cases/documents.py).
            queryset=children_of_read_cases(TrackingEntry.objects.all())
            .select_related("by")
            .prefetch_related("document"),
        ),
        Prefetch(
            "agreements",
            queryset=children_of_read_cases(ClosureAgreement.objects.all()).select_related("by"),
        ),
        Prefetch(
            "handlers",
            queryset=children_of_read_cases(CaseHandler.objects.all()).select_related("user"),
        ),
    ]
    case = (
        cases_visible(user)
        .select_related("structure__departement__region", "declaration__incident_type")
        .prefetch_related(*prefetches)
        .filter(pk=pk)
        .first()
    )
    if case is None:
        return None
    if case.declaration.structure_id == case.structure_id:
        # The declaration's sections read the same structure: share the loaded one.
        case.declaration.structure = case.structure
    _people_attach(case)
    return case


def _people_attach(case: Case) -> None:
    """The people the case page names (director, declarant, creator, who qualified and
    closed), in one query. Joined to the case's, they made an 11-table statement that
    PostgreSQL took six times longer to plan than to run."""
    holders: list[tuple[Any, str]] = [
        (case.structure, "director"),
        (case.declaration, "submitted_by"),
        (case.declaration, "created_by"),
        (case, "qualified_by"),
        (case, "closed_by"),
    ]
    wanted = {getattr(obj, f"{name}_id") for obj, name in holders} - {None}
    people = {user.pk: user for user in User.objects.filter(pk__in=wanted)} if wanted else {}
    for obj, name in holders:
        person = people.get(getattr(obj, f"{name}_id"))
        if person is not None:
            setattr(obj, name, person)


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
