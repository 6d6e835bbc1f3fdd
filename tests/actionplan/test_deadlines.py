"""Deadlines are calendar months from the start date, clamped to the month's end."""

from __future__ import annotations

from datetime import date

import pytest

from vigie.actionplan.deadlines import add_months, previous_quarter, quarter_end, quarter_of
from vigie.actionplan.selectors import measure_rows


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2023, 8, 31), 6, date(2024, 2, 29)),  # leap year
        (date(2022, 8, 31), 6, date(2023, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2024, 3, 31), 6, date(2024, 9, 30)),
        (date(2024, 7, 15), 6, date(2025, 1, 15)),  # year wrap
        (date(2024, 12, 1), 12, date(2025, 12, 1)),
        (date(2024, 12, 31), 18, date(2026, 6, 30)),
    ],
)
def test_add_months(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_quarters() -> None:
    assert quarter_of(date(2024, 9, 30)) == (2024, 3)
    assert previous_quarter(2024, 1) == (2023, 4)
    assert quarter_end(2024, 1) == date(2024, 3, 31)
    assert quarter_end(2024, 4) == date(2024, 12, 31)


@pytest.mark.django_db
def test_structure_deadlines_by_priority(world, plan, assess) -> None:  # type: ignore[no-untyped-def]
    from vigie.actionplan.services import structure_plan_start

    structure_plan_start(structure=world.lyon, plan=plan, start_date=date(2023, 8, 31), by=None)
    assess(world.lyon, 1, "done", achieved_on=date(2023, 9, 1))
    rows = {
        r.measure.number: r
        for r in measure_rows(world.member_lyon, world.lyon, plan, today=date(2024, 3, 1))
    }
    assert rows[1].deadline == date(2024, 2, 29) and not rows[1].overdue  # done
    assert rows[2].deadline == date(2024, 2, 29) and rows[2].overdue
    assert rows[8].deadline == date(2024, 8, 31) and not rows[8].overdue
    assert rows[15].deadline == date(2025, 2, 28)
    # The day of the deadline itself is not yet late.
    on_time = measure_rows(world.member_lyon, world.lyon, plan, today=date(2024, 2, 29))
    assert not any(r.overdue for r in on_time)
