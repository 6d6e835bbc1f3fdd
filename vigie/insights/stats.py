"""Statistics (SPEC section 8), every figure from ``Case.objects.visible_to(user)``:
the dashboard's in one statement (``figures``). Also the published statistics (counts
under 5 hidden)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    QuerySet,
)
from django.db.models.functions import TruncMonth, TruncQuarter
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vigie.cases.models import Case, CaseStatus, Criticity
from vigie.declarations.models import IncidentType, TriState
from vigie.directory.models import Region, StructureKind

PARIS = ZoneInfo("Europe/Paris")
SMALL_COUNT = 5  # published statistics never show a count under this


class Epoch(Func):
    """Seconds in an interval (date_part is double precision; EXTRACT computes a numeric,
    several times slower over thousands of rows)."""

    template = "date_part('epoch', %(expressions)s)"
    output_field = FloatField()


# The delays of each case, in order (SPEC section 8). The declaration's times are read
# from the case, which carries copies of them (Case.submitted_at, detected_at).
PHASES: list[tuple[str, Any, str, str]] = [
    ("detection_declaration", gettext_lazy("Detection → declaration"),
     "submitted_at", "detected_at"),
    ("declaration_acknowledgement", gettext_lazy("Declaration → acknowledgement"),
     "opened_at", "submitted_at"),
    ("acknowledgement_qualification", gettext_lazy("Acknowledgement → qualification"),
     "qualified_at", "opened_at"),
    ("qualification_closure", gettext_lazy("Qualification → closure"),
     "closed_at", "qualified_at"),
    ("detection_closure", gettext_lazy("Detection → closure (total)"),
     "closed_at", "detected_at"),
]  # fmt: skip
HOUR = 3600
# Upper bounds of the distribution buckets, in seconds (the last bucket is open).
BUCKETS: list[tuple[str, Any, float | None]] = [
    ("lt1h", gettext_lazy("< 1 h"), 1 * HOUR),
    ("1h6h", gettext_lazy("1–6 h"), 6 * HOUR),
    ("6h24h", gettext_lazy("6–24 h"), 24 * HOUR),
    ("1d3d", gettext_lazy("1–3 days"), 72 * HOUR),
    ("3d7d", gettext_lazy("3–7 days"), 168 * HOUR),
    ("gt7d", gettext_lazy("> 7 days"), None),
]


@dataclass(frozen=True)
class Filters:
    start: date | None = None  # opened on or after (Paris calendar day)
    end: date | None = None  # opened on or before
    region: Region | None = None

    def apply(self, cases: QuerySet[Case]) -> QuerySet[Case]:
        if self.start:
            cases = cases.filter(opened_at__gte=datetime.combine(self.start, time(), PARIS))
        if self.end:
            end = datetime.combine(self.end + timedelta(days=1), time(), PARIS)
            cases = cases.filter(opened_at__lt=end)
        if self.region is not None:
            cases = cases.filter(region=self.region)
        return cases


def cases_for(user: Any, filters: Filters) -> QuerySet[Case]:
    return filters.apply(Case.objects.visible_to(user))


def _counts(cases: QuerySet[Case], field: str) -> list[dict[str, Any]]:
    rows = cases.values(key=F(field)).annotate(n=Count("pk")).order_by("-n", "key")
    return [{"key": row["key"], "n": row["n"]} for row in rows]


def by_incident_type(cases: QuerySet[Case]) -> list[dict[str, Any]]:
    rows = _counts(cases, "declaration__incident_type__label")
    return [{"label": row["key"] or _("Not specified"), "n": row["n"]} for row in rows]


def month_label(month: date) -> str:
    """A month as people write it ("Octobre 2026"), never "2026-10"."""
    return str(capfirst(date_format(month, "YEAR_MONTH_FORMAT")))


def dashboard(user: Any, filters: Filters) -> dict[str, Any]:
    return figures(cases_for(user, filters))


def figures(cases: QuerySet[Case]) -> dict[str, Any]:
    """Every figure of the statistics page in one statement: the cases' facts are read
    once (one pass over the cases), grouped by type, kind, region and month with the
    counts the page shows, then those few thousand rows summed by grouping sets (rather
    than every case through each set); the delays' median, 90th percentile (one sort per
    phase for both) and distribution (how many under each bound) from the same facts."""
    facts = cases.order_by().values(
        f_status=F("status"),
        f_criticity=F("criticity"),
        f_due=F("ars_update_due_at"),
        # The declaration's facts and the structure's type from the case's copies (one
        # table read: no declaration probed, no structure hashed per case); type and
        # region as ids: their labels are joined to the grouped rows only.
        f_malicious=F("malicious"),
        f_type=F("incident_type_id"),
        f_kind=F("structure_kind"),
        f_region=F("region_id"),
        f_month=TruncMonth("opened_at", tzinfo=PARIS),
        **{
            f"f_{key}": Epoch(ExpressionWrapper(F(end) - F(start), output_field=DurationField()))
            for key, _label, end, start in PHASES
        },
    )
    facts_sql, facts_params = facts.query.sql_with_params()
    delay_objects = " || ".join(
        "jsonb_build_object("
        + ", ".join(
            [
                f"'{key}__n', count(f_{key})",
                f"'{key}__percentiles', percentile_cont('{{0.5,0.9}}'::float8[]) "
                f"WITHIN GROUP (ORDER BY f_{key})",
                *(
                    f"'{key}__{bucket}', count(*) FILTER (WHERE f_{key} < {upper})"
                    for bucket, _blabel, upper in BUCKETS
                    if upper is not None
                ),
            ]
        )
        + ")"
        for key, _label, _end, _start in PHASES
    )
    statement = f"""
        WITH f AS MATERIALIZED ({facts_sql}),
        p AS (
            SELECT f_type, f_kind, f_region, f_month, count(*) AS n,
                count(*) FILTER (WHERE f_malicious = %s) AS malicious,
                count(*) FILTER (WHERE f_malicious = %s) AS not_malicious,
                count(*) FILTER (WHERE f_status <> %s) AS open,
                count(*) FILTER (WHERE f_criticity = %s) AS significant,
                count(*) FILTER (WHERE f_status = %s AND f_due < %s) AS overdue
            FROM f GROUP BY f_type, f_kind, f_region, f_month
        ),
        g AS (
            SELECT GROUPING(t.label, p.f_kind, r.name, p.f_month) AS level,
                t.label AS f_type, p.f_kind, r.name AS f_region,
                to_char(p.f_month, 'YYYY-MM') AS f_month, coalesce(sum(p.n), 0)::bigint AS n,
                coalesce(sum(p.malicious), 0)::bigint AS malicious,
                coalesce(sum(p.not_malicious), 0)::bigint AS not_malicious,
                coalesce(sum(p.open), 0)::bigint AS open,
                coalesce(sum(p.significant), 0)::bigint AS significant,
                coalesce(sum(p.overdue), 0)::bigint AS overdue
            FROM p LEFT JOIN {IncidentType._meta.db_table} t ON t.id = p.f_type
            JOIN {Region._meta.db_table} r ON r.id = p.f_region
            GROUP BY GROUPING SETS ((t.label), (p.f_kind), (r.name), (p.f_month), ())
        )
        SELECT (SELECT coalesce(jsonb_agg(g), '[]') FROM g), (SELECT {delay_objects} FROM f)
    """  # noqa: S608 (the facts come from the ORM, the rest is constant)
    params = [
        *facts_params,
        TriState.YES,
        TriState.NO,
        CaseStatus.CLOSED,
        Criticity.SIGNIFICANT,
        CaseStatus.TO_PROCESS,
        timezone.now(),
    ]
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        groups, delay_values = (
            json.loads(value) if isinstance(value, str) else value for value in cursor.fetchone()
        )
    return {
        "totals": _totals_from(groups),
        "by_type": _groups(groups, "f_type", lambda key: key or _("Not specified")),
        "by_region": _groups(groups, "f_region", lambda key: key),
        "by_kind": _groups(groups, "f_kind", lambda key: dict(StructureKind.choices).get(key, key)),
        "by_month": [
            {"month": month, "label": month_label(month), "n": n}
            for month, n in sorted(
                (date.fromisoformat(f"{row['f_month']}-01"), row["n"])
                for row in groups
                if row["level"] == 0b1110  # grouped by month only
            )
        ],
        "delays": _delays_from(delay_values),
    }


# GROUPING(f_type, f_kind, f_region, f_month): a bit set for each column not grouped by.
_LEVELS = {"f_type": 0b0111, "f_kind": 0b1011, "f_region": 0b1101, "f_month": 0b1110}


def _groups(groups: list[dict[str, Any]], column: str, label: Any) -> list[dict[str, Any]]:
    rows = [
        {"key": row[column], "n": row["n"]} for row in groups if row["level"] == _LEVELS[column]
    ]
    rows.sort(key=lambda row: (-row["n"], row["key"] is None, row["key"] or ""))
    return [{"label": label(row["key"]), "n": row["n"]} for row in rows]


def _totals_from(groups: list[dict[str, Any]]) -> dict[str, Any]:
    row = next((g for g in groups if g["level"] == 0b1111), None)
    figures = {
        name: (row[name] if row else 0)
        for name in ("malicious", "not_malicious", "open", "significant", "overdue")
    }
    total = row["n"] if row else 0
    figures["total"] = total
    figures["closed"] = total - figures["open"]
    figures["malicious_unknown"] = total - figures["malicious"] - figures["not_malicious"]
    figures["malicious_share"] = round(100 * figures["malicious"] / total, 1) if total else None
    return figures


def _delays_from(values: dict[str, Any] | None) -> list[dict[str, Any]]:
    values = values or {}
    phases = []
    for key, label, _end, _start in PHASES:
        n = values.get(f"{key}__n", 0)
        median, p90 = values.get(f"{key}__percentiles") or (None, None)
        # How many under each bound: a bucket holds those under its bound but not the
        # previous one, the last those at or over the last bound.
        below = [values.get(f"{key}__{bucket}", 0) for bucket, _b, upper in BUCKETS if upper]
        counts = [b - a for a, b in zip([0, *below], [*below, n], strict=True)]
        phases.append(
            {
                "key": key,
                "label": str(label),
                "n": n,
                "median": median,
                "p90": p90,
                "buckets": [
                    {"key": bucket, "label": str(blabel), "n": count}
                    for (bucket, blabel, _upper), count in zip(BUCKETS, counts, strict=True)
                ],
            }
        )
    return phases


# --- published statistics --------------------------------------------------------------


def published_cases() -> QuerySet[Case]:
    """What the public figures count: security incidents, not those qualified otherwise,
    and never military hospitals' (defence secrecy)."""
    return Case.objects.filter(is_military=False).exclude(criticity=Criticity.NOT_INCIDENT)


def suppress(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Replace counts under 5 by "< 5". When only one count of a table is hidden, the next
    smallest is not shown either, so that the small one cannot be recovered from a total."""
    small = {id(row) for row in rows if row["n"] < SMALL_COUNT}
    secondary: set[int] = set()
    if len(small) == 1:
        others = sorted((row for row in rows if row["n"] >= SMALL_COUNT), key=lambda r: r["n"])
        if others:
            secondary.add(id(others[0]))
    result = []
    for row in rows:
        value: Any = row["n"]
        if id(row) in small:
            value = f"< {SMALL_COUNT}"
        elif id(row) in secondary:
            value = _("not shown")
        result.append({"label": row["label"], "value": value})
    return result


def published(cases: QuerySet[Case] | None = None) -> dict[str, Any]:
    cases = published_cases() if cases is None else cases
    quarters = (
        cases.annotate(quarter=TruncQuarter("opened_at", tzinfo=PARIS))
        .values("quarter")
        .annotate(n=Count("pk"))
        .order_by("quarter")
    )
    by_quarter = [
        {"label": f"T{(row['quarter'].month - 1) // 3 + 1} {row['quarter'].year}", "n": row["n"]}
        for row in quarters
    ]
    return {
        "by_type": suppress(by_incident_type(cases)),
        "by_quarter": suppress(by_quarter),
    }
