"""The statistics page's one statement (stats.figures) against the same figures computed
in plain Python from the cases each reader may see (``stats.cases_for``), for every user
of the test world, with and without a period and a region: counts by type, kind, region
and month, totals, and the delays' count, median and 90th percentile (linear
interpolation) and distribution. The cases hit the awkward spots: every status, no
detection time, no incident type, not yet qualified, delays exactly on a bucket's bound,
a month's first hour in Paris that is still the previous month in UTC, a military case
shared or not with the cell, an update to the ARS late or not."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import EmptyResultSet
from django.utils import timezone
from django.utils.translation import gettext as _

from tests.core.test_scope_sql import world_users
from vigie.cases.models import Case, CaseStatus, Criticity
from vigie.declarations.models import Declaration
from vigie.directory.models import Region, Role, StructureKind
from vigie.insights import stats

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
T0 = datetime(2025, 3, 10, 8, 0, tzinfo=UTC)
H = timedelta(hours=1)
D = timedelta(days=1)


def percentile(values: list[float], fraction: float) -> float | None:
    """PostgreSQL's percentile_cont: linear interpolation between the closest ranks."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def ranked(counts: Counter[Any], label: Callable[[Any], str]) -> list[dict[str, Any]]:
    rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0] is None, kv[0] or ""))
    return [{"label": label(key), "n": n} for key, n in rows]


def expected(cases: list[Case], now: datetime) -> dict[str, Any]:
    total = len(cases)
    malicious = sum(c.declaration.malicious == "yes" for c in cases)
    not_malicious = sum(c.declaration.malicious == "no" for c in cases)
    open_ = sum(c.status != CaseStatus.CLOSED for c in cases)
    totals = {
        "total": total,
        "malicious": malicious,
        "not_malicious": not_malicious,
        "open": open_,
        "closed": total - open_,
        "significant": sum(c.criticity == Criticity.SIGNIFICANT for c in cases),
        "overdue": sum(
            c.status == CaseStatus.TO_PROCESS
            and c.ars_update_due_at is not None
            and c.ars_update_due_at < now
            for c in cases
        ),
        "malicious_unknown": total - malicious - not_malicious,
        "malicious_share": round(100 * malicious / total, 1) if total else None,
    }
    kinds = dict(StructureKind.choices)
    months = Counter(c.opened_at.astimezone(PARIS).date().replace(day=1) for c in cases)
    delays = []
    for key, label, end, start in stats.PHASES:
        values = []
        for case in cases:
            a, b = (
                getattr(case.declaration, f.split("__")[1]) if "__" in f else getattr(case, f)
                for f in (end, start)
            )
            if a is not None and b is not None:
                values.append((a - b).total_seconds())
        bounds = [-math.inf, *(upper for _k, _l, upper in stats.BUCKETS if upper), math.inf]
        buckets = [
            {
                "key": bucket,
                "label": str(blabel),
                "n": sum(low <= v < high for v in values),
            }
            for (bucket, blabel, _upper), low, high in zip(
                stats.BUCKETS, bounds, bounds[1:], strict=False
            )
        ]
        delays.append(
            {
                "key": key,
                "label": str(label),
                "n": len(values),
                "median": percentile(values, 0.5),
                "p90": percentile(values, 0.9),
                "buckets": buckets,
            }
        )
    return {
        "totals": totals,
        "by_type": ranked(
            Counter(
                c.declaration.incident_type.label if c.declaration.incident_type else None
                for c in cases
            ),
            lambda key: key or _("Not specified"),
        ),
        "by_region": ranked(Counter(c.region.name for c in cases), lambda key: key),
        "by_kind": ranked(Counter(c.structure.kind for c in cases), lambda key: kinds[key]),
        "by_month": [
            {"month": month, "label": stats.month_label(month), "n": n}
            for month, n in sorted(months.items())
        ],
        "delays": delays,
    }


@pytest.fixture
def varied(world: Any, dated_case: Any, make_user: Any) -> list[Case]:
    w = world
    military_declarant = make_user(Role.DECLARANT, structure=w.military)
    now = timezone.now()
    made = [
        # Delays exactly on the buckets' bounds (1 h, 6 h, 7 days), every status.
        dated_case(w.lyon, w.declarant_lyon, detected=T0, submitted=T0 + 1 * H,
                   qualified=T0 + 7 * H, closed=T0 + 7 * H + 7 * D),
        dated_case(w.lyon, w.declarant_lyon, detected=T0, submitted=T0 + 6 * H,
                   qualified=T0 + 6 * H + 24 * H, malicious="no", type_code="phishing"),
        dated_case(w.lyon_lab, w.declarant_lyon_lab, detected=T0 + 40 * D,
                   submitted=T0 + 40 * D + 72 * H, malicious="unknown"),
        dated_case(w.paris, w.director_paris, detected=T0, submitted=T0 + 168 * H,
                   qualified=T0 + 169 * H),
        # Opened on 1 April at 00:30 in Paris, still 31 March in UTC.
        dated_case(w.paris, w.director_paris, detected=datetime(2025, 3, 31, 20, tzinfo=UTC),
                   submitted=datetime(2025, 3, 31, 22, 30, tzinfo=UTC), type_code="phishing"),
        dated_case(w.reunion, w.declarant_reunion, detected=T0 - 30 * D,
                   submitted=T0 - 30 * D + H - timedelta(microseconds=1),
                   qualified=T0 - 29 * D, closed=T0 - 20 * D),
        dated_case(w.military, military_declarant, detected=T0, submitted=T0 + 2 * H),
        dated_case(w.military, military_declarant, detected=T0 + 3 * D,
                   submitted=T0 + 3 * D + 5 * H, qualified=T0 + 4 * D),
        dated_case(w.lyon, w.declarant_lyon, detected=T0 + 60 * D, submitted=T0 + 60 * D + 3 * H,
                   qualified=T0 + 61 * D),
    ]  # fmt: skip
    pk = [case.pk for case in made]
    # No detection time, no incident type.
    Declaration.objects.filter(pk=made[2].declaration_id).update(
        detected_at=None, incident_type=None
    )
    Case.objects.filter(pk=made[2].pk).update(detected_at=None, incident_type=None)
    # Every status, significant or not, the weekly update to the ARS late or not.
    Case.objects.filter(pk=pk[1]).update(
        status=CaseStatus.TO_PROCESS, ars_update_due_at=now - H, criticity=Criticity.SIGNIFICANT
    )
    Case.objects.filter(pk=pk[3]).update(status=CaseStatus.TO_PROCESS, ars_update_due_at=now + H)
    Case.objects.filter(pk=pk[4]).update(ars_update_due_at=now - H)
    Case.objects.filter(pk=pk[8]).update(
        status=CaseStatus.TO_CLOSE, ars_update_due_at=now - H, criticity=Criticity.SIGNIFICANT
    )
    # One military case shared with the cell, one not.
    Case.objects.filter(pk=pk[6]).update(shared_with_cell=True)
    Case.objects.filter(pk=pk[7]).update(
        status=CaseStatus.TO_PROCESS, criticity=Criticity.SIGNIFICANT, ars_update_due_at=now - H
    )
    cases = list(Case.objects.filter(pk__in=pk))
    assert {c.status for c in cases} == set(CaseStatus.values)
    assert all(c.is_military == (c.structure_id == w.military.pk) for c in cases)
    return cases


def test_figures_equal_plain_python_for_every_reader(world: Any, varied: list[Case]) -> None:
    ara = Region.objects.get(code="84")
    filters = [
        stats.Filters(),
        stats.Filters(start=date(2025, 3, 1), end=date(2025, 3, 31)),
        stats.Filters(start=date(2025, 4, 1)),
        stats.Filters(region=ara),
        stats.Filters(start=date(2025, 3, 1), region=ara),
    ]
    seen = Counter[str]()
    for name, user in world_users(world).items():
        for flt in filters:
            cases = list(
                stats.cases_for(user, flt).select_related(
                    "declaration__incident_type", "structure", "region"
                )
            )
            now = timezone.now()
            try:
                got = stats.figures(stats.cases_for(user, flt))
            except EmptyResultSet:  # a scope that matches nothing (readers without any)
                assert not cases, (name, flt)
                continue
            want = expected(cases, now)
            assert got["totals"] == want["totals"], (name, flt)
            for part in ("by_type", "by_region", "by_kind", "by_month"):
                assert got[part] == want[part], (name, flt, part)
            for phase, reference in zip(got["delays"], want["delays"], strict=True):
                assert phase["key"] == reference["key"]
                assert phase["n"] == reference["n"], (name, flt, phase["key"])
                assert phase["buckets"] == reference["buckets"], (name, flt, phase["key"])
                for figure in ("median", "p90"):
                    assert phase[figure] == pytest.approx(reference[figure], abs=1e-6), (
                        name,
                        flt,
                        phase["key"],
                        figure,
                    )
            seen[name] += len(cases)
    # Not vacuous: the national readers see every case but the unshared military one.
    assert seen["acss"] > 0 and seen["ars_ara"] > 0 and seen["ars_reunion"] > 0
    assert stats.figures(stats.cases_for(world.acss, stats.Filters()))["totals"]["total"] == 8
