"""Regional figures and quarter snapshots against counts made by hand (see conftest)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from vigie.actionplan.figures import compute_figures, tables
from vigie.actionplan.models import QuarterSnapshot
from vigie.actionplan.reports import previous_snapshot, snapshot_take
from vigie.directory.models import Region

pytestmark = pytest.mark.django_db

TODAY = date(2024, 9, 30)


def c(done: int, in_progress: int, not_started: int, na: int, overdue: int) -> dict[str, int]:
    return {
        "done": done,
        "in_progress": in_progress,
        "not_started": not_started,
        "not_applicable": na,
        "overdue": overdue,
        "total": done + in_progress + not_started + na,
    }


def test_regional_figures_match_the_hand_count(small_world: Any) -> None:
    w = small_world
    ara = Region.objects.get(code="84")
    f = compute_figures(user=w.ars_ara, plan=w.plan, region=ara, today=TODAY)
    assert f["structures"] == 2
    # lyon: P1 deadline 15/07/2024 passed → m3..m7 late (5); lyon_lab: start 14/10/2016,
    # everything not closed is late (19 - m7 - m17 = 17).
    assert f["overall"] == c(4, 1, 31, 2, 22)
    assert f["by_priority"] == {
        "1": c(3, 1, 10, 0, 11),
        "2": c(1, 0, 12, 1, 7),
        "3": c(0, 0, 9, 1, 4),
    }
    assert f["by_theme"]["RH"] == c(2, 0, 4, 0, 3)
    assert f["by_theme"]["SAUV"] == c(1, 0, 1, 0, 1)
    assert f["by_kind"] == {"biology_lab": c(1, 0, 17, 1, 17), "health_facility": c(3, 1, 14, 1, 5)}
    late = {s["finess"]: s["overdue_p1"] for s in f["per_structure"]}
    assert late == {w.lyon.finess: [3, 4, 5, 6, 7], w.lyon_lab.finess: [1, 2, 3, 4, 5, 6]}
    t = tables(f)
    assert t["overall"]["shares"]["done"] == 10.5  # 4 / 38
    # Most overdue first: lyon_lab has 6 late priority-1 measures, lyon 5.
    assert [s["finess"] for s in t["overdue_p1"]] == [w.lyon_lab.finess, w.lyon.finess]
    assert t["overdue_p1_total"] == 2


def test_long_overdue_lists_are_cut_on_pages_not_in_the_spreadsheet(
    small_world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vigie.actionplan import figures

    monkeypatch.setattr(figures, "OVERDUE_LISTED", 1)
    w = small_world
    f = compute_figures(
        user=w.ars_ara, plan=w.plan, region=Region.objects.get(code="84"), today=TODAY
    )
    t = tables(f)
    assert [s["finess"] for s in t["overdue_p1"]] == [w.lyon_lab.finess]
    assert t["overdue_p1_total"] == 2
    assert len([s for s in f["per_structure"] if s["overdue_p1"]]) == 2  # all in the XLSX


def test_ars_figures_stop_at_their_region(small_world: Any) -> None:
    w = small_world
    ara = Region.objects.get(code="84")
    # Another region's officer reading region 84 through the selectors sees nothing.
    f = compute_figures(user=w.ars_idf, plan=w.plan, region=ara, today=TODAY)
    assert f["structures"] == 0 and f["overall"]["total"] == 0
    national = compute_figures(user=w.ars_ara, plan=w.plan, region=None, today=TODAY)
    assert national["structures"] == 2  # only its own region, even asked for everything
    hfds = compute_figures(user=w.hfds, plan=w.plan, region=None, today=TODAY)
    assert hfds["structures"] == 5  # lyon, lyon_lab, paris, reunion, military


def test_change_since_the_previous_quarter(small_world: Any, assess: Any) -> None:
    w = small_world
    ara = Region.objects.get(code="84")
    # Q2 is taken with two measures fewer done (m2 and m8 back to in progress).
    assess(w.lyon, 2, "in_progress")
    assess(w.lyon, 8, "in_progress")
    q2 = snapshot_take(user=w.ars_ara, plan=w.plan, region=ara, year=2024, quarter=2, today=TODAY)
    assert q2.figures["as_of"] == "2024-06-30"
    assert q2.figures["overall"]["done"] == 2
    assess(w.lyon, 2, "done", achieved_on=date(2024, 4, 1))
    assess(w.lyon, 8, "done", achieved_on=date(2024, 5, 1))
    q3 = snapshot_take(user=w.ars_ara, plan=w.plan, region=ara, year=2024, quarter=3, today=TODAY)
    assert previous_snapshot(q3) == q2
    t = tables(q3.figures, q2.figures)
    assert t["overall"]["change"] == 5.2  # 10.5 % (4/38) − 5.3 % (2/38)
    by_priority = {row["key"]: row["change"] for row in t["by_priority"]}
    assert by_priority == {"1": 7.1, "2": 7.1, "3": 0.0}  # m2 (P1) and m8 (P2): 1/14 each
    # A finished quarter is a record: taking it again does not recompute it.
    again = snapshot_take(
        user=w.ars_ara, plan=w.plan, region=ara, year=2024, quarter=2, today=TODAY
    )
    assert again.pk == q2.pk and again.figures["overall"]["done"] == 2
    assert QuarterSnapshot.objects.visible_to(w.ars_idf).count() == 0
    assert QuarterSnapshot.objects.visible_to(w.hfds).count() == 2


def test_incidents_at_structures_with_overdue_priority_1(small_world: Any, make_case: Any) -> None:
    w = small_world
    make_case(w.lyon, w.declarant_lyon)
    ara = Region.objects.get(code="84")
    f = compute_figures(user=w.ars_ara, plan=w.plan, region=ara, today=TODAY)
    # The incident is recent and lyon's priority-1 deadline (15/07/2024) had passed.
    assert f["incidents"] == {"total_12_months": 1, "with_overdue_priority_1": 1}
    idf = compute_figures(user=w.ars_idf, plan=w.plan, region=None, today=TODAY)
    assert idf["incidents"]["total_12_months"] == 0


def test_kept_figures_do_not_depend_on_who_computed_them(
    small_world: Any, make_case: Any, make_user: Any
) -> None:
    """The HFDS sees a military hospital's case that the ARS only heard of: the quarter's
    figures, shown to the ARS too, count neither."""
    w = small_world
    from vigie.directory.models import Role

    make_case(w.military, make_user(Role.DECLARANT, structure=w.military))
    make_case(w.paris, w.director_paris)
    idf = Region.objects.get(code="11")
    by_hfds = compute_figures(user=w.hfds, plan=w.plan, region=idf, today=TODAY)
    by_ars = compute_figures(user=w.ars_idf, plan=w.plan, region=idf, today=TODAY)
    assert by_hfds["incidents"]["total_12_months"] == 1  # Paris only
    assert by_hfds["incidents"] == by_ars["incidents"]
