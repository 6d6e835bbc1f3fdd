"""The regional view compares with the latest earlier quarter's snapshot: read without the
snapshots' structure lists (``per_structure``: a region's thousands of rows that the page
never shows, decoded for nothing until issue 18), it is the snapshot the page chose
before, among the eight latest, with the same figures, for every user of the test world
and every region, the country included."""

from __future__ import annotations

from typing import Any

import pytest

from tests.core.test_scope_sql import world_users
from vigie.actionplan.models import QuarterSnapshot
from vigie.actionplan.selectors import snapshot_before, snapshots_of
from vigie.directory.models import Region

pytestmark = pytest.mark.django_db


def figures_of(year: int, quarter: int) -> dict[str, Any]:
    return {
        "as_of": f"{year}-0{quarter}-01",
        "structures": year + quarter,
        "overall": {"done": quarter, "total": 19},
        "per_structure": [{"id": n, "name": f"S{n}"} for n in range(quarter * 3)],
    }


def former_choice(user: Any, plan: Any, region: Any, year: int, quarter: int) -> Any:
    """The page's choice before: the first of the eight latest before the quarter."""
    snapshots = list(snapshots_of(user, plan, region)[:8])
    return next((s for s in snapshots if (s.year, s.quarter) < (year, quarter)), None)


@pytest.mark.parametrize(
    "quarters",
    [
        [],
        [(2024, 3)],
        [(2024, 2), (2024, 3)],
        [(2023, 4), (2024, 1), (2024, 3), (2024, 4)],
        # Eight at or after the quarter: none of the eight latest is before it.
        [(2023, 1), *[(2024 + n // 4, n % 4 + 1) for n in range(2, 10)]],
        # Seven after it: the eighth latest is.
        [(2023, 1), (2024, 1), *[(2024 + n // 4, n % 4 + 1) for n in range(3, 10)]],
    ],
)
def test_the_snapshot_compared_with_is_the_one_chosen_before(
    small_world: Any, quarters: list[tuple[int, int]]
) -> None:
    w = small_world
    regions = [*Region.objects.filter(code__in=["84", "11", "04"]), None]
    for region in regions:
        for year, quarter in quarters:
            QuarterSnapshot.objects.create(
                plan=w.plan,
                region=region,
                year=year,
                quarter=quarter,
                figures=figures_of(year, quarter),
            )
    for name, user in world_users(w).items():
        for region in regions:
            for year, quarter in [(2024, 3), (2024, 1), (2026, 1)]:
                expected = former_choice(user, w.plan, region, year, quarter)
                found = snapshot_before(user, w.plan, region, year, quarter)
                if expected is None:
                    assert found is None, (name, region, year, quarter)
                    continue
                assert found is not None, (name, region, year, quarter)
                assert (found.pk, found.year, found.quarter) == (
                    expected.pk,
                    expected.year,
                    expected.quarter,
                ), (name, region, year, quarter)
                shown = dict(expected.figures)
                del shown["per_structure"]
                assert found.figures == shown, (name, region)
