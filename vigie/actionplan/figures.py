"""Progress figures of a region (or the country): the regional view and the quarterly report.

Figures are a plain JSON-able dict so a quarter's figures can be kept (QuarterSnapshot) and
compared with the next quarter's. Every read starts from ``visible_to(user)``.
"""

from __future__ import annotations

import heapq
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, overload

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from vigie.actionplan.deadlines import add_months
from vigie.actionplan.models import (
    CLOSED_STATUSES,
    AssessmentStatus,
    Measure,
    MeasureAssessment,
    Plan,
    StructurePlan,
)
from vigie.actionplan.selectors import assessment_event_model, start_dates, structures_for_plan
from vigie.core.prepared import mark, prepared
from vigie.directory.models import Departement, Region, StructureKind

# Structures with overdue priority-1 measures listed on pages and in the PDF, most overdue
# first; the spreadsheet lists them all.
OVERDUE_LISTED = 100
# Column and bar order: the good news first.
STATUSES = ["done", "in_progress", "not_started", "not_applicable"]
BAR_ORDER = STATUSES


def _counter() -> dict[str, int]:
    return {
        "done": 0,
        "in_progress": 0,
        "not_started": 0,
        "not_applicable": 0,
        "overdue": 0,
        "total": 0,
    }


def _add(counter: dict[str, int], status: str, overdue: bool) -> None:
    counter[status] += 1
    counter["total"] += 1
    counter["overdue"] += overdue


def _merge(into: dict[str, int], counter: dict[str, int], times: int = 1) -> None:
    for key, value in counter.items():
        into[key] += value * times


@dataclass
class _Profile:
    """The counts of one structure, given its start date and its status per measure."""

    counter: dict[str, int]
    by_priority: dict[str, dict[str, int]]
    by_theme: dict[str, dict[str, int]]
    overdue_p1: list[int]
    structures: int = 0

    @classmethod
    def evaluate(
        cls, measures: list[Any], start: date, statuses: tuple[str, ...], today: date
    ) -> _Profile:
        profile = cls(_counter(), {}, {}, [])
        for measure, status in zip(measures, statuses, strict=True):
            deadline = add_months(start, measure.deadline_months)
            overdue = status not in CLOSED_STATUSES and deadline < today
            for target in (
                profile.counter,
                profile.by_priority.setdefault(str(measure.priority), _counter()),
                profile.by_theme.setdefault(measure.theme.code, _counter()),
            ):
                _add(target, status, overdue)
            if overdue and measure.priority == 1:
                profile.overdue_p1.append(measure.number)
        return profile


# One structure of the figures: its row (pk, finess, name, kind, town), start date, profile.
_Entry = tuple[Mapping[str, Any], date, _Profile]


# Letters that do not decompose into a base letter and an accent, and the typographic
# apostrophe (the search box gets the typewriter one).
_SPELLED_OUT = [("œ", "oe"), ("Œ", "OE"), ("æ", "ae"), ("Æ", "AE"), ("ß", "ss"), ("’", "'")]


def _fold_all(texts: list[str]) -> list[str]:
    """``texts`` for a search: case and accents ignored ("hopital" finds "Hôpital").
    Folded in one string (a region holds thousands of names): PostgreSQL's text never
    holds a NUL character, which separates them."""
    joined = "\x00".join(texts)
    for letter, spelled in _SPELLED_OUT:
        joined = joined.replace(letter, spelled)
    plain = unicodedata.normalize("NFKD", joined).encode("ascii", "ignore").decode()
    return plain.casefold().split("\x00")


class StructureRows(Sequence[dict[str, Any]]):
    """The structures of the figures, in their order (by name), each one's row (as in
    ``per_structure``, plus its town) built only when read: a page shows 50 of a region's
    thousands."""

    def __init__(self, entries: list[_Entry]) -> None:
        self._entries = entries

    def __len__(self) -> int:
        return len(self._entries)

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(index, slice):
            return [_page_row(entry) for entry in self._entries[index]]
        return _page_row(self._entries[index])

    def matching(self, query: str) -> StructureRows:
        """Those whose name or town contains ``query`` (case and accents ignored) or whose
        FINESS number starts with it (spaces ignored), in the same order."""
        folded, compact = _fold_all([query.strip()])[0], query.replace(" ", "")
        names = _fold_all([entry[0]["name"] for entry in self._entries])
        towns = _fold_all([entry[0]["town"] for entry in self._entries])
        return StructureRows(
            [
                entry
                for entry, name, town in zip(self._entries, names, towns, strict=True)
                if (folded and (folded in name or folded in town))
                or entry[0]["finess"].startswith(compact)
            ]
        )

    def overdue_p1(self, listed: int) -> tuple[list[dict[str, Any]], int]:
        """The ``listed`` structures with the most overdue priority-1 measures (as
        ``tables`` ranks them), and how many have any."""
        overdue = [entry for entry in self._entries if entry[2].overdue_p1]
        top = heapq.nsmallest(
            listed, overdue, key=lambda entry: (-len(entry[2].overdue_p1), entry[0]["name"])
        )
        return [_row_of(entry) for entry in top], len(overdue)


def _row_of(entry: _Entry) -> dict[str, Any]:
    """One structure's row of ``per_structure``."""
    row, start, profile = entry
    return {
        "id": row["pk"],
        "finess": row["finess"],
        "name": row["name"],
        "kind": row["kind"],
        "start_date": start.isoformat(),
        "overdue_p1": list(profile.overdue_p1),
        **profile.counter,
    }


def _page_row(entry: _Entry) -> dict[str, Any]:
    return {**_row_of(entry), "town": entry[0]["town"]}


def compute_figures(
    *, user: Any, plan: Plan, region: Region | None, today: date, now: datetime | None = None
) -> dict[str, Any]:
    """Counts of (structure, measure) pairs by status, overall and by priority/theme/kind."""
    figures, entries = _figures_by_structure(
        user=user, plan=plan, region=region, today=today, now=now
    )
    figures["per_structure"] = [_row_of(entry) for entry in entries]
    return figures


def _measures_of(plan: Plan) -> list[Measure]:
    """The plan's measures with their themes, by priority and number (the catalogue: the
    same for every reader); the statement compiled once (vigie/core/prepared.py)."""

    def build() -> QuerySet[Measure]:
        return (
            Measure.objects.filter(plan_id=mark(0))
            .select_related("theme")
            .order_by("priority", "number")
        )

    return prepared(("actionplan.measures",), build).rows(plan.pk)


class _Profiles:
    """The profiles of one computation: structures with the same start date and the same
    statuses count the same, so each such profile is evaluated once (most structures share
    one: nothing assessed yet)."""

    def __init__(self, measures: list[Measure], today: date) -> None:
        self.measures = measures
        self.measure_ids = [m.pk for m in measures]
        self.today = today
        self.nothing_recorded = tuple(AssessmentStatus.NOT_STARTED for _m in measures)
        self.profiles: dict[tuple[date, tuple[str, ...]], _Profile] = {}
        self.per_kind: dict[tuple[str, tuple[date, tuple[str, ...]]], int] = {}

    def key(self, start: date, recorded: dict[int, str] | None) -> tuple[date, tuple[str, ...]]:
        if not recorded:
            return (start, self.nothing_recorded)
        return (
            start,
            tuple(recorded.get(m, AssessmentStatus.NOT_STARTED) for m in self.measure_ids),
        )

    def get(self, key: tuple[date, tuple[str, ...]]) -> _Profile:
        profile = self.profiles.get(key)
        if profile is None:
            profile = self.profiles[key] = _Profile.evaluate(
                self.measures, key[0], key[1], self.today
            )
        return profile

    def count(self, kind: str, key: tuple[date, tuple[str, ...]], structures: int = 1) -> _Profile:
        """``structures`` structures of ``kind`` with the profile ``key``."""
        profile = self.get(key)
        profile.structures += structures
        kind_key = (kind, key)
        self.per_kind[kind_key] = self.per_kind.get(kind_key, 0) + structures
        return profile

    def figures(
        self, *, plan: Plan, region: Region | None, now: datetime, structures: int
    ) -> dict[str, Any]:
        """The figures of every structure counted (all but the incidents)."""
        measures = self.measures
        overall = _counter()
        by_priority = {str(p): _counter() for p in sorted({m.priority for m in measures})}
        themes = sorted({m.theme for m in measures}, key=lambda t: (t.order, t.code))
        by_theme = {t.code: _counter() for t in themes}
        by_kind: dict[str, dict[str, int]] = {}
        for (kind, key), count in self.per_kind.items():
            _merge(by_kind.setdefault(kind, _counter()), self.profiles[key].counter, count)
        for profile in self.profiles.values():
            _merge(overall, profile.counter, profile.structures)
            for priority, counter in profile.by_priority.items():
                _merge(by_priority[priority], counter, profile.structures)
            for theme, counter in profile.by_theme.items():
                _merge(by_theme[theme], counter, profile.structures)
        return {
            "plan": plan.code,
            "region": region.code if region else None,
            "as_of": self.today.isoformat(),
            "computed_at": now.isoformat(),
            "structures": structures,
            "overall": overall,
            "by_priority": by_priority,
            "by_theme": by_theme,
            "theme_names": {t.code: t.name for t in themes},
            "by_kind": dict(sorted(by_kind.items())),
        }


def _structures_of(user: Any, region: Region | None) -> Any:
    structures = structures_for_plan(user)
    if region is not None:
        structures = structures.filter(departement__region=region)
    return structures


def _figures_by_structure(
    *, user: Any, plan: Plan, region: Region | None, today: date, now: datetime | None = None
) -> tuple[dict[str, Any], list[_Entry]]:
    """The figures and every structure's entry, in name order, read structure by
    structure (the quarterly report's spreadsheet lists them all)."""
    now = now or timezone.now()
    structures = _structures_of(user, region)
    structure_rows = list(
        structures.order_by("name").values("pk", "finess", "name", "kind", "town")
    )
    ids = [row["pk"] for row in structure_rows]
    profiles = _Profiles(_measures_of(plan), today)
    among = structures.values("pk")  # in SQL: a region holds thousands of structures
    starts = start_dates(user, plan, ids, among)
    # Per structure, its recorded statuses; most structures have none.
    assessed: dict[int, dict[int, str]] = {}
    for s, m, status in (
        MeasureAssessment.objects.visible_to(user)
        .filter(measure__plan=plan, structure_id__in=among)
        .values_list("structure_id", "measure_id", "status")
    ):
        assessed.setdefault(s, {})[m] = status
    entries: list[_Entry] = []
    for row in structure_rows:
        start = starts[row["pk"]]
        key = profiles.key(start, assessed.get(row["pk"]))
        entries.append((row, start, profiles.count(row["kind"], key)))
    figures = profiles.figures(plan=plan, region=region, now=now, structures=len(entries))
    figures["incidents"] = incidents_with_overdue_p1(
        user=user, plan=plan, structure_ids=among, starts=starts, now=now
    )
    return figures, entries


def progress_figures(
    *,
    user: Any,
    plan: Plan,
    region: Region | None,
    today: date,
    now: datetime | None = None,
    page: Any = None,
    per_page: int = 50,
) -> tuple[dict[str, Any], RegionStructures]:
    """``compute_figures`` without ``per_structure``, for the regional and national pages:
    the same figures, and the structures read as they are shown instead of all of them.
    One statement groups the structures by type, start date and recorded statuses (each
    group is evaluated once, as ``compute_figures`` does), brings the first structures of
    each group by name (the most overdue are among them) and the page ``page`` (as
    ``Paginator.get_page`` reads it) of ``per_page`` structures in name order."""
    now = now or timezone.now()
    structures = RegionStructures(
        user, plan, region, _Profiles(_measures_of(plan), today), _page_start(page, per_page)
    )
    figures = structures.profiles.figures(
        plan=plan, region=region, now=now, structures=len(structures)
    )
    figures["incidents"] = incidents_with_overdue_p1(
        user=user, plan=plan, structure_ids=structures.among, starts={}, now=now
    )
    return figures, structures


# Beyond this page number (an address typed by hand: past the last page anyway) the page
# is not read with the figures; PostgreSQL's offsets stop at 2^63.
PAGE_READ_MAX = 1_000_000


def _page_start(page: Any, per_page: int) -> tuple[int, int] | None:
    """(offset, limit) of the page ``Paginator.get_page(page)`` shows, when that does not
    depend on the count (a page below 1 is the last one), to be read with the figures."""
    try:
        number = int(page) if page is not None else 1
    except (TypeError, ValueError):
        number = 1
    if not 1 <= number <= PAGE_READ_MAX:
        return None
    return ((number - 1) * per_page, per_page)


def _parse_statuses(text: str | None) -> dict[int, str] | None:
    """``{measure id: status}`` from the statement's "12=done,15=in_progress"."""
    if not text:
        return None
    recorded = {}
    for pair in text.split(","):
        measure, status = pair.split("=")
        recorded[int(measure)] = status
    return recorded


class RegionStructures(Sequence[dict[str, Any]]):
    """The structures of the figures (those ``compute_figures`` counts, in the same
    order), read from PostgreSQL as they are shown: a page of them in name order (as
    ``StructureRows``), the most overdue. The counts come from one statement: the
    structures are counted by type, and those with a start date or statuses recorded
    (a region's few, while its thousands have neither) grouped by type, start date and
    recorded statuses: structures of the same start date and statuses count the same.
    What is listed is read département by département in the order of an index
    (directory 0007), so that a page or the first of a group read a few rows of each
    département instead of sorting every structure of the region."""

    def __init__(
        self,
        user: Any,
        plan: Plan,
        region: Region | None,
        profiles: _Profiles,
        page: tuple[int, int] | None = None,
    ) -> None:
        self.profiles = profiles
        self.published_on = plan.published_on
        structures = _structures_of(user, region)
        self.among = structures.values("pk")
        s_sql, s_params = (
            structures.order_by().values_list(
                "pk", "finess", "name", "kind", "town", "departement_id"
            )
        ).query.sql_with_params()
        sp_sql, sp_params = (
            StructurePlan.objects.visible_to(user)
            .filter(plan=plan)
            .order_by()
            .values_list("structure_id", "start_date")
        ).query.sql_with_params()
        a_sql, a_params = (
            MeasureAssessment.objects.visible_to(user)
            .filter(measure__plan=plan)
            .order_by()
            .values_list("structure_id", "measure_id", "status")
        ).query.sql_with_params()
        # The départements to read the structures of, one by one (reference data that
        # everybody reads; s holds the reader's scope).
        d_sql, d_params = f"SELECT id FROM {Departement._meta.db_table}", []  # noqa: S608
        if region is not None:
            d_sql, d_params = f"{d_sql} WHERE region_id = %s", [region.pk]
        # s: the structures, inlined where they are read (by type, or in an index's order
        # within a département); x: those with a start date or statuses recorded, each
        # with its start date and its statuses as one text ("12=done,15=in_progress";
        # none recorded: NULL), read once; ps: every structure with its start date and
        # statuses.
        self._with = (
            "WITH s(id, finess, name, kind, town, departement_id) AS NOT MATERIALIZED ("  # noqa: S608 (ORM's)
            f"{s_sql}), "
            f"sp(structure_id, start_date) AS ({sp_sql}), "
            f"a(structure_id, measure_id, status) AS ({a_sql}), "
            f"d(id) AS ({d_sql}), "
            "x AS MATERIALIZED ("
            "  SELECT x.id, x.finess, x.name, x.kind, x.town,"
            "  coalesce(xp.start_date, %s::date) AS start, xa.statuses"
            "  FROM s x LEFT JOIN sp xp ON xp.structure_id = x.id LEFT JOIN ("
            "    SELECT a.structure_id, string_agg(a.measure_id::text || '=' || a.status, ','"
            "    ORDER BY a.measure_id) AS statuses"
            "    FROM a GROUP BY 1"
            "  ) xa ON xa.structure_id = x.id"
            "  WHERE x.id IN (SELECT structure_id FROM sp UNION SELECT structure_id FROM a)"
            "), "
            "ps AS NOT MATERIALIZED ("
            "  SELECT s.id, s.finess, s.name, s.kind, s.town,"
            "  coalesce(x.start, %s::date) AS start, x.statuses"
            "  FROM s LEFT JOIN x ON x.id = s.id"
            ") "
        )
        self._with_params = [
            *s_params,
            *sp_params,
            *a_params,
            *d_params,
            plan.published_on,
            plan.published_on,
        ]
        self._keys: dict[tuple[date, str | None], tuple[date, tuple[str, ...]]] = {}
        self._count = 0
        self._first: list[tuple[Any, ...]] = []
        self._page: tuple[int, list[tuple[Any, ...]]] | None = None
        self._read(page)

    def _execute(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        with connection.cursor() as cursor:
            cursor.execute(self._with + sql, [*self._with_params, *params])
            return list(cursor.fetchall())

    def _key(self, start: date, text: str | None) -> tuple[date, tuple[str, ...]]:
        key = self._keys.get((start, text))
        if key is None:
            key = self._keys[(start, text)] = self.profiles.key(start, _parse_statuses(text))
        return key

    def _read(self, page: tuple[int, int] | None) -> None:
        """The structures by type ("k": a count), those with a start date or statuses
        grouped ("g": a count), the first OVERDUE_LISTED structures of each start date and
        statuses by name as Python orders them (of those with neither: "f"; of the others:
        "r"), and the page ("p")."""
        sql = (
            "SELECT 'k', NULL::bigint, NULL, NULL, kind, NULL, NULL::date, NULL, count(*) "
            "FROM s GROUP BY kind "
            "UNION ALL SELECT 'g', NULL, NULL, NULL, kind, NULL, start, statuses, count(*) "
            "FROM x GROUP BY kind, start, statuses "
            "UNION ALL SELECT 'r', id, finess, name, kind, town, start, statuses, NULL FROM ("
            "  SELECT *, row_number() OVER ("
            '    PARTITION BY start, statuses ORDER BY name COLLATE "C", id'
            "  ) AS rank FROM x"
            ") r WHERE r.rank <= %s "
            # The first of each département in the index's order, then of them all.
            "UNION ALL (SELECT 'f', t.id, t.finess, t.name, t.kind, t.town, NULL, NULL, NULL "
            "FROM d CROSS JOIN LATERAL ("
            "  SELECT * FROM s WHERE s.departement_id = d.id AND s.id NOT IN (SELECT id FROM x)"
            '  ORDER BY s.name COLLATE "C", s.id LIMIT %s'
            ') t ORDER BY t.name COLLATE "C", t.id LIMIT %s)'
        )
        params: list[Any] = [OVERDUE_LISTED, OVERDUE_LISTED, OVERDUE_LISTED]
        if page is not None:
            sql += (
                " UNION ALL (SELECT 'p', t.id, t.finess, t.name, t.kind, t.town,"
                " coalesce(x.start, %s::date), x.statuses, NULL FROM d CROSS JOIN LATERAL ("
                "  SELECT * FROM s WHERE s.departement_id = d.id"
                "  ORDER BY s.name, s.id LIMIT %s"
                ") t LEFT JOIN x ON x.id = t.id ORDER BY t.name, t.id LIMIT %s OFFSET %s)"
            )
            params += [self.published_on, page[0] + page[1], page[1], page[0]]
        rows = self._execute(sql, params)
        by_kind: dict[str, int] = {}
        page_rows: list[tuple[Any, ...]] = []
        for part, *row, count in rows:
            if part == "k":
                by_kind[row[3]] = by_kind.get(row[3], 0) + count
            elif part == "g":
                self.profiles.count(row[3], self._key(row[5], row[6]), count)
                by_kind[row[3]] = by_kind.get(row[3], 0) - count
                self._count += count
            elif part == "r":
                self._first.append(tuple(row))
            elif part == "f":
                self._first.append((*row[:5], self.published_on, None))
            else:
                page_rows.append(tuple(row))
        # Those with neither a start date nor statuses: the rest of each type.
        nothing = self._key(self.published_on, None)
        for kind, count in by_kind.items():
            if count:
                self.profiles.count(kind, nothing, count)
                self._count += count
        if page is not None:
            self._page = (page[0], page_rows)

    def _entries(self, rows: Sequence[tuple[Any, ...]]) -> list[_Entry]:
        entries: list[_Entry] = []
        for pk, finess, name, kind, town, start, text in rows:
            row = {"pk": pk, "finess": finess, "name": name, "kind": kind, "town": town}
            entries.append((row, start, self.profiles.get(self._key(start, text))))
        return entries

    def _slice(self, offset: int, limit: int | None) -> list[_Entry]:
        if self._page is not None and self._page[0] == offset and limit is not None:
            rows = self._page[1]
            if len(rows) >= min(limit, self._count - offset):
                return self._entries(rows[:limit])
        return self._entries(
            self._execute(
                "SELECT id, finess, name, kind, town, start, statuses FROM ps "
                "ORDER BY name, id LIMIT %s OFFSET %s",
                [limit, offset],
            )
        )

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(index, slice):
            start, stop, step = index.indices(self._count)
            if step != 1:
                return list(self)[index]
            if stop <= start:
                return []
            return [_page_row(entry) for entry in self._slice(start, stop - start)]
        position = index + self._count if index < 0 else index
        if not 0 <= position < self._count:
            raise IndexError(index)
        return _page_row(self._slice(position, 1)[0])

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self[:])

    def matching(self, query: str) -> StructureRows:
        """As ``StructureRows.matching``: every structure's name and town are searched."""
        return StructureRows(self._slice(0, None)).matching(query)

    def overdue_p1(self, listed: int) -> tuple[list[dict[str, Any]], int]:
        """As ``StructureRows.overdue_p1``: the ``listed`` structures with the most overdue
        priority-1 measures, then by name (each start date and statuses' first structures
        hold them), and how many have any."""
        total = sum(p.structures for p in self.profiles.profiles.values() if p.overdue_p1)
        overdue = [entry for entry in self._entries(self._first) if entry[2].overdue_p1]
        top = heapq.nsmallest(
            listed,
            overdue,
            key=lambda entry: (-len(entry[2].overdue_p1), entry[0]["name"], entry[0]["pk"]),
        )
        return [_row_of(entry) for entry in top], total


def incidents_with_overdue_p1(
    *, user: Any, plan: Plan, structure_ids: Any, starts: dict[int, date], now: datetime
) -> dict[str, int]:
    """Cases opened in the last 12 months, and how many struck a structure whose
    priority-1 measures were overdue at the time (per the assessment history).

    Military hospitals' cases are left out: they belong to the defence chain, and a
    quarter's figures are kept and shown to every reader of the region's report, so they
    must not depend on who computed them (the HFDS sees cases an ARS only hears of).

    Counted by PostgreSQL in one statement (a region's year is thousands of cases): a
    case counts when, at its moment (detection, else opening; its UTC date as in
    ``add_months`` comparisons), some priority-1 measure was past its deadline (the
    structure's start date plus the measure's months, clamped to the month's end like
    ``add_months``) and its last recorded status then was neither done nor not
    applicable. ``starts`` is kept for the callers' signature; the start dates are read
    in the statement from the same rows."""
    from django.db.models import F
    from django.db.models.functions import Coalesce

    from vigie.cases.models import Case

    del starts  # the same start dates, read in SQL
    # ``structure_id > 0`` (every id is) gives the index on (structure, opened_at) a second
    # condition on the structure: without it the planner read national readers' cases by
    # the index on the structure alone, every case of ten years, twice the PostgreSQL CPU.
    cases = (
        Case.objects.visible_to(user)
        .filter(is_military=False)
        .filter(structure_id__in=structure_ids, opened_at__gte=now - timedelta(days=365))
        .filter(structure_id__gt=0)
        .order_by()
        .values(sid=F("structure_id"), moment=Coalesce("detected_at", "opened_at"))
    )
    plan_starts = (
        StructurePlan.objects.visible_to(user)
        .filter(plan=plan)
        .order_by()
        .values("structure_id", "start_date")
    )
    cases_sql, cases_params = cases.query.sql_with_params()
    starts_sql, starts_params = plan_starts.query.sql_with_params()
    events = assessment_event_model()._meta.db_table
    measures = Measure._meta.db_table
    # Most structures never recorded a priority-1 status and set no start date: every
    # such measure was "not started" at any moment, so the case counts once its date
    # passes the earliest priority-1 deadline from the plan's date (add_months is monotonic
    # in the months): one comparison of its moment with the first instant after that day
    # (UTC), computed once. ``x``, the few structures with a start date or a priority-1
    # history, joined once: those with a start date only compare with their own earliest
    # deadline, those with a history read it measure by measure.
    statement = f"""
        WITH c AS ({cases_sql}), sp AS ({starts_sql}),
        p1 AS MATERIALIZED (
            SELECT id, deadline_months FROM {measures} WHERE plan_id = %s AND priority = 1
        ),
        h AS (SELECT DISTINCT structure_id FROM {events} WHERE measure_id IN (SELECT id FROM p1)),
        x AS (
            SELECT coalesce(sp.structure_id, h.structure_id) AS sid, sp.start_date,
                   h.structure_id IS NOT NULL AS history
              FROM sp FULL JOIN h ON h.structure_id = sp.structure_id
        )
        SELECT count(*), count(*) FILTER (WHERE CASE
        WHEN x.sid IS NULL THEN c.moment >= (
            SELECT ((%s::date + make_interval(months => min(deadline_months)))::date + 1)
                   ::timestamp AT TIME ZONE 'UTC'
              FROM p1
        )
        WHEN NOT x.history THEN
            (coalesce(x.start_date, %s::date)
             + make_interval(months => (SELECT min(deadline_months) FROM p1)))::date
            < (c.moment AT TIME ZONE 'UTC')::date
        ELSE EXISTS (
            SELECT 1 FROM p1
             WHERE (coalesce(x.start_date, %s::date)
                    + make_interval(months => p1.deadline_months))::date
                   < (c.moment AT TIME ZONE 'UTC')::date
               AND coalesce((
                   SELECT e.status FROM {events} e
                    WHERE e.structure_id = c.sid AND e.measure_id = p1.id
                      AND e.pgh_created_at <= least(c.moment, %s)
                    ORDER BY e.pgh_created_at DESC, e.pgh_id DESC LIMIT 1
               ), %s) <> ALL(%s)
        ) END)
          FROM c LEFT JOIN x ON x.sid = c.sid
    """  # noqa: S608 (the queries come from the ORM, the tables from the models)
    params = [
        *cases_params,
        *starts_params,
        plan.pk,
        plan.published_on,
        plan.published_on,
        plan.published_on,
        now,
        AssessmentStatus.NOT_STARTED.value,
        [str(status) for status in CLOSED_STATUSES],
    ]
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        total, with_overdue = cursor.fetchone()
    return {"total_12_months": total, "with_overdue_priority_1": with_overdue}


# --- presentation --------------------------------------------------------------------


def share(counter: dict[str, int], status: str) -> float:
    total = counter.get("total", 0)
    return round(100 * counter.get(status, 0) / total, 1) if total else 0.0


def _row(key: str, label: str, counter: dict[str, int], previous: dict[str, int] | None) -> dict:
    shares = {status: share(counter, status) for status in STATUSES}
    change = None
    if previous is not None and previous.get("total"):
        change = round(shares["done"] - share(previous, "done"), 1)
    return {"key": key, "label": label, "counts": counter, "shares": shares, "change": change}


def tables(
    figures: dict[str, Any],
    previous: dict[str, Any] | None = None,
    structures: StructureRows | RegionStructures | None = None,
) -> dict[str, Any]:
    """Rows ready for templates, charts and spreadsheets, with the change in points of
    "done" share since ``previous`` (the previous quarter's figures), when given.
    ``structures``: the figures' structures when they came apart (``progress_figures``)."""
    from django.utils.translation import gettext as _

    prev = previous or {}

    def group(name: str, labels: dict[str, str]) -> list[dict]:
        before = prev.get(name, {})
        return [
            _row(key, labels.get(key, key), counter, before.get(key) if previous else None)
            for key, counter in figures[name].items()
        ]

    if structures is not None:
        overdue_listed, overdue_total = structures.overdue_p1(OVERDUE_LISTED)
    else:
        overdue = sorted(
            (s for s in figures["per_structure"] if s["overdue_p1"]),
            key=lambda s: (-len(s["overdue_p1"]), s["name"]),
        )
        overdue_listed, overdue_total = overdue[:OVERDUE_LISTED], len(overdue)
    priority_labels = {key: _("Priority %(n)s") % {"n": key} for key in figures["by_priority"]}
    theme_labels = {
        code: f"{name} [{code}]" for code, name in figures.get("theme_names", {}).items()
    }
    kind_labels = {k.value: str(k.label) for k in StructureKind}
    return {
        "overall": _row(
            "all",
            _("All measures"),
            figures["overall"],
            prev.get("overall") if previous else None,
        ),
        "by_priority": group("by_priority", priority_labels),
        "by_theme": group("by_theme", theme_labels),
        "by_kind": group("by_kind", kind_labels),
        "kind_labels": kind_labels,
        "overdue_p1": overdue_listed,
        "overdue_p1_total": overdue_total,
        "structures_change": (figures["structures"] - prev["structures"] if previous else None),
    }
