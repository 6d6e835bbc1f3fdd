"""The hand-written SQL of each page measured by bench/ratios.py (what the page needs,
written as one would by hand, run on one psycopg connection), and the machine's
description for BENCHMARKS.md."""

from __future__ import annotations

import os
import platform
import re
import time
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import django
from django.db import connection
from django.utils import timezone

PARIS = ZoneInfo("Europe/Paris")


def python_speed() -> float:
    """Milliseconds for a fixed pure-Python workload, best of five. The machine's speed
    varies between runs (shared host): compare runs by this before comparing results."""
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        table: dict[str, int] = {}
        for i in range(200_000):
            key = f"k{i % 1000}"
            table[key] = table.get(key, 0) + i
        sorted(table.items(), key=lambda kv: kv[1])
        best = min(best, time.perf_counter() - start)
    return best * 1000


def machine() -> dict[str, str]:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = next(
        (line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if "model name" in line),
        platform.processor() or "unknown",
    )
    mem = next(
        line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )  # fmt: skip
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        pg = cur.fetchone()[0]
    return {
        "CPU": f"{model} — {os.cpu_count()} logical CPUs",
        "RAM": f"{int(mem) / 1024 / 1024:.1f} GiB",
        "OS": f"{platform.system()} {platform.release()}",
        "PostgreSQL": pg + " (private cluster, fsync on, default settings + shared_buffers 128MB)",
        "Python / Django": f"{platform.python_version()} / {django.get_version()}",
        "Web": f"gunicorn, {os.environ.get('BENCH_WEB_WORKERS', '?')} sync workers, same host",
        "Python speed (fixed workload, best of 5; lower is faster)": f"{python_speed():.0f} ms",
        "Load average (1, 5, 15 min) at the end": " ".join(
            Path("/proc/loadavg").read_text().split()[:3]
        ),
    }


# --- hand-written SQL of each page --------------------------------------------------------

QUEUE_SQL = [
    # Counts of the open tabs (partial index), closed cases counted up to 1 000, first page.
    (
        "SELECT status, count(*) FROM cases_case "
        "WHERE status <> 'closed' AND (NOT is_military OR shared_with_cell) GROUP BY status",
        [],
    ),
    (
        "SELECT count(*) FROM (SELECT 1 FROM cases_case WHERE status = 'closed' "
        "AND (NOT is_military OR shared_with_cell) LIMIT 1001) AS closed",
        [],
    ),
    (
        "SELECT c.id, c.reference, c.status, c.opened_at, c.criticity, c.ars_update_due_at, "
        "s.name, s.finess, r.name, it.label, d.submitted_at "
        "FROM cases_case c JOIN declarations_declaration d ON d.id = c.declaration_id "
        "JOIN directory_structure s ON s.id = c.structure_id "
        "JOIN directory_region r ON r.id = c.region_id "
        "LEFT JOIN declarations_incidenttype it ON it.id = d.incident_type_id "
        "WHERE c.status <> 'closed' AND (NOT c.is_military OR c.shared_with_cell) "
        "ORDER BY c.opened_at DESC, c.id DESC LIMIT 25",
        [],
    ),
]


def case_sql(case_id: int, is_open: bool) -> list[tuple[str, list[Any]]]:
    """What the case page reads; similar open cases are listed on open cases only."""
    return [
        (
            "SELECT c.*, d.*, s.name, s.finess, dep.name, r.name, it.label "
            "FROM cases_case c JOIN declarations_declaration d ON d.id = c.declaration_id "
            "JOIN directory_structure s ON s.id = c.structure_id "
            "JOIN directory_departement dep ON dep.id = s.departement_id "
            "JOIN directory_region r ON r.id = dep.region_id "
            "LEFT JOIN declarations_incidenttype it ON it.id = d.incident_type_id "
            "WHERE c.id = %s",
            [case_id],
        ),
        ("SELECT * FROM cases_timelineevent WHERE case_id = %s ORDER BY at, id", [case_id]),
        ("SELECT * FROM cases_question WHERE case_id = %s ORDER BY asked_at, id", [case_id]),
        ("SELECT * FROM cases_trackingentry WHERE case_id = %s ORDER BY at, id", [case_id]),
        (
            "SELECT r.* FROM declarations_declarationrecipient r "
            "JOIN cases_case c ON c.declaration_id = r.declaration_id WHERE c.id = %s",
            [case_id],
        ),
        (
            "SELECT v.name FROM declarations_declaration_vendors dv "
            "JOIN directory_vendor v ON v.id = dv.vendor_id "
            "JOIN cases_case c ON c.declaration_id = dv.declaration_id WHERE c.id = %s",
            [case_id],
        ),
    ] + ([(SIMILAR_SQL, [case_id])] if is_open else [])


SIMILAR_SQL = (
    "WITH me AS (SELECT c.id, d.id AS did, d.incident_type_id AS t, "
    "lower(trim(d.software)) AS sw FROM cases_case c "
    "JOIN declarations_declaration d ON d.id = c.declaration_id WHERE c.id = %s) "
    "SELECT c.id, c.reference, c.opened_at, s.name FROM cases_case c "
    "JOIN declarations_declaration d ON d.id = c.declaration_id "
    "JOIN directory_structure s ON s.id = c.structure_id, me "
    "WHERE c.status <> 'closed' AND c.id <> me.id AND (NOT c.is_military OR c.shared_with_cell) "
    "AND (d.incident_type_id = me.t OR (me.sw <> '' AND lower(trim(d.software)) = me.sw) "
    "OR EXISTS (SELECT 1 FROM declarations_declaration_vendors a "
    "JOIN declarations_declaration_vendors b ON b.vendor_id = a.vendor_id "
    "WHERE a.declaration_id = me.did AND b.declaration_id = d.id)) "
    "ORDER BY c.opened_at DESC, c.id DESC LIMIT 20"
)


def dashboard_sql(region_id: int) -> list[tuple[str, list[Any]]]:
    """The statistics page of an ARS officer, default period (the last twelve months):
    the region's cases read once (with the declaration's facts and the structure's type
    each case carries), counted by type / kind / month and totals, and the
    delays' median, p90 and distribution."""
    start = timezone.localdate() - timedelta(days=364)
    phases = {
        "a": "c.submitted_at - c.detected_at",
        "b": "c.opened_at - c.submitted_at",
        "q": "c.qualified_at - c.opened_at",
        "z": "c.closed_at - c.qualified_at",
        "t": "c.closed_at - c.detected_at",
    }
    epochs = ", ".join(f"date_part('epoch', {expr}) AS {name}" for name, expr in phases.items())
    limits = [0, 3600, 21600, 86400, 259200, 604800, None]
    delays = []
    for name in phases:
        delays += [
            f"count({name})",
            f"percentile_cont(0.5) WITHIN GROUP (ORDER BY {name})",
            f"percentile_cont(0.9) WITHIN GROUP (ORDER BY {name})",
        ]
        for low, high in pairwise(limits):
            upper = f" AND {name} < {high}" if high else ""
            delays.append(f"count(*) FILTER (WHERE {name} >= {low}{upper})")
    statement = "".join(  # constant fragments, values bound
        [
            "WITH f AS MATERIALIZED (SELECT c.status, c.criticity, c.ars_update_due_at, "
            "c.malicious, it.label, c.structure_kind AS kind, r.name AS region, "
            "date_trunc('month', c.opened_at AT TIME ZONE 'Europe/Paris') AS month, ",
            epochs,
            " "
            "FROM cases_case c JOIN directory_region r ON r.id = c.region_id "
            "LEFT JOIN declarations_incidenttype it ON it.id = c.incident_type_id "
            "WHERE c.region_id = %s AND c.opened_at >= %s "
            "AND (NOT c.is_military OR c.care_affected)) "
            "SELECT (SELECT json_agg(g) FROM (SELECT label, kind, region, month, count(*), "
            "count(*) FILTER (WHERE malicious = 'yes'), count(*) FILTER (WHERE malicious = 'no'), "
            "count(*) FILTER (WHERE status <> 'closed'), "
            "count(*) FILTER (WHERE criticity = 'significant'), "
            "count(*) FILTER (WHERE status = 'to_process' AND ars_update_due_at < now()) "
            "FROM f GROUP BY GROUPING SETS ((label), (kind), (region), (month), ())) g), "
            "(SELECT json_build_array(",
            ", ".join(delays),
            ") FROM f)",
        ]
    )
    return [(statement, [region_id, datetime.combine(start, datetime.min.time(), PARIS)])]


def actionplan_sql(plan_id: int, region_id: int, page: bool = True) -> list[tuple[str, list[Any]]]:
    """What the action plan's regional view (``page``) or the quarterly report's figures
    read. The page: the plan's measures; in one statement, the region's active structures
    counted by type, start date and recorded statuses, the first page of them by name and
    the 100 with the most overdue priority-1 measures; the incidents of the last twelve
    months and how many struck a structure whose priority-1 measures were overdue and not
    done at the time; the last snapshots. The report's figures (its spreadsheet lists
    every structure): each structure's start date, assessments, cases and priority-1
    history."""
    measures = (
        "SELECT m.id, m.number, m.priority, m.deadline_months, t.code, t.name, t.order "
        "FROM actionplan_measure m JOIN actionplan_theme t ON t.id = m.theme_id "
        "WHERE m.plan_id = %s ORDER BY m.priority, m.number",
        [plan_id],
    )
    if page:
        return [measures, *_actionplan_page_sql(plan_id, region_id)]
    return [
        measures,
        (
            "SELECT s.id, s.finess, s.name, s.kind, coalesce(sp.start_date, p.published_on) "
            "FROM directory_structure s "
            "JOIN directory_departement dep ON dep.id = s.departement_id "
            "JOIN actionplan_plan p ON p.id = %s "
            "LEFT JOIN actionplan_structureplan sp "
            "ON sp.structure_id = s.id AND sp.plan_id = p.id "
            "WHERE dep.region_id = %s AND s.is_active ORDER BY s.name",
            [plan_id, region_id],
        ),
        (
            "SELECT a.structure_id, a.measure_id, a.status FROM actionplan_measureassessment a "
            "JOIN actionplan_measure m ON m.id = a.measure_id AND m.plan_id = %s "
            "JOIN directory_structure s ON s.id = a.structure_id "
            "JOIN directory_departement dep ON dep.id = s.departement_id "
            "WHERE dep.region_id = %s AND s.is_active",
            [plan_id, region_id],
        ),
        (
            "SELECT c.structure_id, c.opened_at, c.detected_at FROM cases_case c "
            "JOIN directory_structure s ON s.id = c.structure_id "
            "JOIN directory_departement dep ON dep.id = s.departement_id "
            "WHERE dep.region_id = %s AND s.is_active "
            "AND NOT c.is_military AND c.opened_at >= now() - interval '365 days'",
            [region_id],
        ),
        (
            "SELECT e.structure_id, e.measure_id, e.pgh_created_at, e.status "
            "FROM actionplan_measureassessmentevent e "
            "JOIN actionplan_measure m ON m.id = e.measure_id AND m.plan_id = %s "
            "AND m.priority = 1 "
            "JOIN directory_structure s ON s.id = e.structure_id "
            "JOIN directory_departement dep ON dep.id = s.departement_id "
            "WHERE dep.region_id = %s AND s.is_active "
            "AND e.pgh_created_at <= now() ORDER BY e.pgh_created_at, e.pgh_id",
            [plan_id, region_id],
        ),
    ]


def _positional(statement: str, values: dict[str, Any]) -> tuple[str, list[Any]]:
    """``statement`` with its named parameters (``%(name)s``) made positional."""
    names = re.findall(r"%\((\w+)\)s", statement)
    return re.sub(r"%\(\w+\)s", "%s", statement), [values[name] for name in names]


def _actionplan_page_sql(plan_id: int, region_id: int) -> list[tuple[str, list[Any]]]:
    """The regional view's statements after the plan's measures (see ``actionplan_sql``).
    The structures are read in one statement for the things the page shows of them, as
    the page reads them: counted by type, those with a start date or statuses grouped,
    the page and the first by name read département by département from an index."""
    today = timezone.localdate()
    values = {"plan": plan_id, "region": region_id, "today": today}
    structures = (
        # The region's active structures with a start date or statuses recorded (a
        # region's few; the others count with the plan's date and nothing recorded),
        # each with its start date and its recorded statuses ({measure id: status}).
        "WITH ids AS (SELECT structure_id FROM actionplan_structureplan WHERE plan_id = %(plan)s "
        "UNION SELECT a.structure_id FROM actionplan_measureassessment a "
        "JOIN actionplan_measure m ON m.id = a.measure_id AND m.plan_id = %(plan)s), "
        "x AS MATERIALIZED (SELECT s.id, s.finess, s.name, s.kind, s.town, "
        "coalesce(sp.start_date, p.published_on) AS start, "
        "coalesce((SELECT jsonb_object_agg(a.measure_id, a.status) "
        "FROM actionplan_measureassessment a "
        "JOIN actionplan_measure m ON m.id = a.measure_id AND m.plan_id = p.id "
        "WHERE a.structure_id = s.id), '{}') AS statuses "
        "FROM ids JOIN directory_structure s ON s.id = ids.structure_id AND s.is_active "
        "JOIN directory_departement dep ON dep.id = s.departement_id "
        "AND dep.region_id = %(region)s "
        "JOIN actionplan_plan p ON p.id = %(plan)s "
        "LEFT JOIN actionplan_structureplan sp ON sp.structure_id = s.id AND sp.plan_id = p.id), "
        # The region's départements: lists are read département by département in the
        # order of an index (directory 0007), a few rows of each.
        "d AS (SELECT id FROM directory_departement WHERE region_id = %(region)s), "
        "k AS MATERIALIZED (SELECT s.kind, count(*) AS n FROM d "
        "JOIN directory_structure s ON s.departement_id = d.id AND s.is_active GROUP BY 1), "
        # The priority-1 measures past their deadline today and neither done nor not
        # applicable, for each start date and statuses (the plan's date and nothing
        # recorded among them).
        "o AS (SELECT g.start, g.statuses, array_agg(m.number ORDER BY m.number) AS numbers "
        "FROM (SELECT start, statuses FROM x UNION SELECT published_on, '{}'::jsonb "
        "FROM actionplan_plan WHERE id = %(plan)s) g JOIN actionplan_measure m "
        "ON m.plan_id = %(plan)s AND m.priority = 1 "
        "AND g.start + m.deadline_months * interval '1 month' < %(today)s "
        "AND coalesce(g.statuses ->> m.id::text, 'not_started') "
        "NOT IN ('done', 'not_applicable') GROUP BY 1, 2) "
        # The figures: the structures by type, those with a start date or statuses by type,
        # start date and statuses (structures of the same start date and statuses count
        # the same).
        "SELECT (SELECT json_agg(k) FROM k), "
        "(SELECT json_agg(g) FROM (SELECT kind, start, statuses, count(*) FROM x "
        "GROUP BY 1, 2, 3) g), "
        # The table's first page.
        "(SELECT json_agg(t) FROM (SELECT t.id, t.finess, t.name, t.town, "
        "coalesce(x.start, p.published_on) AS start, coalesce(x.statuses, '{}') AS statuses "
        "FROM d CROSS JOIN LATERAL (SELECT s.id, s.finess, s.name, s.town "
        "FROM directory_structure s WHERE s.departement_id = d.id AND s.is_active "
        "ORDER BY s.name, s.id LIMIT 50) t JOIN actionplan_plan p ON p.id = %(plan)s "
        "LEFT JOIN x ON x.id = t.id ORDER BY t.name, t.id LIMIT 50) t), "
        # The 100 with the most overdue priority-1 measures and their done measures:
        # among those with a start date or statuses and the first 100 by name of the
        # others.
        "(SELECT json_agg(y) FROM (SELECT c.id, c.finess, c.name, c.kind, o.numbers, "
        "(SELECT count(*) FROM jsonb_each_text(c.statuses) WHERE value = 'done') AS done "
        "FROM (SELECT id, finess, name, kind, start, statuses FROM x "
        "UNION ALL (SELECT t.id, t.finess, t.name, t.kind, p.published_on, '{}'::jsonb "
        "FROM d CROSS JOIN LATERAL (SELECT s.id, s.finess, s.name, s.kind "
        "FROM directory_structure s WHERE s.departement_id = d.id AND s.is_active "
        'AND s.id NOT IN (SELECT id FROM x) ORDER BY s.name COLLATE "C", s.id LIMIT 100) t '
        "JOIN actionplan_plan p ON p.id = %(plan)s "
        'ORDER BY t.name COLLATE "C", t.id LIMIT 100)) c '
        "JOIN o ON o.start = c.start AND o.statuses = c.statuses "
        'ORDER BY cardinality(o.numbers) DESC, c.name COLLATE "C", c.id LIMIT 100) y), '
        # How many structures have any.
        "(SELECT count(*) FROM x JOIN o ON o.start = x.start AND o.statuses = x.statuses) "
        "+ CASE WHEN EXISTS (SELECT 1 FROM o JOIN actionplan_plan p ON p.id = %(plan)s "
        "WHERE o.start = p.published_on AND o.statuses = '{}') "
        "THEN (SELECT sum(n) FROM k) - (SELECT count(*) FROM x) ELSE 0 END"
    )
    incidents = (
        # The incidents of the last twelve months (military hospitals' cases aside) at the
        # region's structures and of the region (the cases its ARS officer, the page's
        # reader, sees), each with its moment (detection, else opening) and the structure's
        # start date; one counts when a priority-1 measure was past its deadline then and
        # its last recorded status then was neither done nor not applicable. A structure
        # that never recorded a priority-1 status had them all "not started" at any time.
        "WITH p1 AS MATERIALIZED (SELECT id, deadline_months FROM actionplan_measure "
        "WHERE plan_id = %(plan)s AND priority = 1), "
        "c AS (SELECT c.structure_id, coalesce(sp.start_date, p.published_on) AS start, "
        "coalesce(c.detected_at, c.opened_at) AS moment FROM cases_case c "
        "JOIN actionplan_plan p ON p.id = %(plan)s "
        "LEFT JOIN actionplan_structureplan sp "
        "ON sp.structure_id = c.structure_id AND sp.plan_id = p.id "
        "WHERE c.region_id = %(region)s AND NOT c.is_military "
        "AND c.opened_at >= now() - interval '365 days' "
        "AND c.structure_id IN (SELECT s.id FROM directory_structure s "
        "JOIN directory_departement dep ON dep.id = s.departement_id "
        "WHERE dep.region_id = %(region)s AND s.is_active)), "
        "h AS (SELECT DISTINCT structure_id FROM actionplan_measureassessmentevent "
        "WHERE measure_id IN (SELECT id FROM p1)) "
        "SELECT count(*), count(*) FILTER (WHERE CASE WHEN h.structure_id IS NULL "
        "THEN c.start + (SELECT min(deadline_months) FROM p1) * interval '1 month' "
        "< (c.moment AT TIME ZONE 'UTC')::date "
        "ELSE EXISTS (SELECT 1 FROM p1 "
        "WHERE c.start + p1.deadline_months * interval '1 month' "
        "< (c.moment AT TIME ZONE 'UTC')::date "
        "AND coalesce((SELECT e.status FROM actionplan_measureassessmentevent e "
        "WHERE e.structure_id = c.structure_id AND e.measure_id = p1.id "
        "AND e.pgh_created_at <= c.moment ORDER BY e.pgh_created_at DESC, e.pgh_id DESC "
        "LIMIT 1), 'not_started') NOT IN ('done', 'not_applicable')) END) "
        "FROM c LEFT JOIN h ON h.structure_id = c.structure_id"
    )
    return [
        _positional(structures, values),
        _positional(incidents, values),
        (
            # The latest snapshot of an earlier quarter among the eight latest, its
            # figures without the structures' list (the page compares with it).
            "SELECT id, year, quarter, figures - 'per_structure' FROM (SELECT * FROM ("
            "SELECT id, year, quarter, figures FROM actionplan_quartersnapshot "
            "WHERE plan_id = %s AND region_id = %s ORDER BY year DESC, quarter DESC LIMIT 8"
            ") t WHERE (year, quarter) < (%s, %s) ORDER BY year DESC, quarter DESC LIMIT 1) u",
            [plan_id, region_id, today.year, (today.month - 1) // 3 + 1],
        ),
    ]
