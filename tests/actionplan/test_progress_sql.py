"""The regional and national pages' figures, read by one statement that groups the
structures (issue 18), are those the quarterly report's structure-by-structure reading
(``compute_figures``) gives, on a region of varied start dates, statuses, types and names:
the counts, the page of structures, the most overdue and how many are."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import structure_create
from vigie.actionplan import figures as figures_module
from vigie.actionplan.figures import (
    StructureRows,
    _figures_by_structure,
    compute_figures,
    progress_figures,
    tables,
)
from vigie.actionplan.models import AssessmentStatus, MeasureAssessment, StructurePlan
from vigie.directory.finess import with_check_key
from vigie.directory.models import Region, StructureKind

pytestmark = pytest.mark.django_db

# Names whose order differs between the database's collation and Python's (case,
# accents, ligatures), so that both orders are exercised.
NAMES = ["alpha", "Alpha bis", "École", "Ecole du Lac", "Émile", "Œuvre", "zeta", "Zèbre", "Ω"]
STATUSES = [s.value for s in AssessmentStatus]


@pytest.fixture
def varied(small_world: Any) -> Any:
    """Region 84 with 160 more structures: a third with a start date (month ends among
    them, some recent enough that nothing is overdue), a third with statuses recorded
    (some "not started" recorded explicitly, some sharing the same statuses), every type;
    one inactive structure and one in another region that nobody's figures count."""
    w = small_world
    rng = random.Random(18)
    plan = w.plan
    measures = list(plan.measures.order_by("number"))
    starts = [
        date(2016, 10, 31),
        date(2017, 1, 31),
        date(2019, 8, 31),
        date(2020, 2, 29),
        date(2024, 3, 31),
        date(2024, 9, 1),
        date(2030, 1, 1),
        # The plan's own date, set explicitly: such a structure counts with those that
        # set none, although the statement reads it with those that set one.
        plan.published_on,
    ]
    shared = {m.pk: rng.choice(STATUSES) for m in measures[:6]}
    kinds = [k.value for k in StructureKind]
    structures = []
    for n in range(160):
        name = f"{NAMES[n % len(NAMES)]} {n:03d}" if n % 3 else f"Centre {n:03d}"
        structure = structure_create(
            with_check_key(f"380{n:05d}"), name, "38" if n % 2 else "69", kind=kinds[n % 6]
        )
        structure.town = rng.choice(["Grenoble", "Lyon", "Vienne", ""])
        structure.save()
        structures.append(structure)
        if n % 3 == 1:
            StructurePlan.objects.create(
                structure=structure, plan=plan, start_date=starts[n % len(starts)]
            )
        if n % 3 == 2:
            recorded = (
                shared
                if n % 4 == 0
                else {m.pk: rng.choice(STATUSES) for m in rng.sample(measures, rng.randint(1, 8))}
            )
            MeasureAssessment.objects.bulk_create(
                MeasureAssessment(
                    structure=structure,
                    measure_id=m,
                    status=status,
                    achieved_on=date(2020, 1, 1) if status == "done" else None,
                    not_applicable_reason="Sans objet." if status == "not_applicable" else "",
                )
                for m, status in recorded.items()
            )
    structures[5].is_active = False
    structures[5].save()
    structure_create(with_check_key("75000123"), "alpha Paris", "75")
    w.varied = structures
    return w


def reference_rows(user: Any, plan: Any, region: Any, today: date) -> StructureRows:
    _figures, entries = _figures_by_structure(user=user, plan=plan, region=region, today=today)
    return StructureRows(entries)


@pytest.mark.parametrize("today", [date(2017, 3, 31), date(2024, 9, 30), date(2031, 1, 1)])
@pytest.mark.parametrize("who", ["ars_ara", "hfds"])
def test_the_grouped_statement_gives_the_reports_figures(
    varied: Any, today: date, who: str
) -> None:
    w = varied
    user = getattr(w, who)
    for region in (Region.objects.get(code="84"), None):
        if who == "ars_ara" and region is None:
            continue
        report = compute_figures(user=user, plan=w.plan, region=region, today=today)
        page, structures = progress_figures(user=user, plan=w.plan, region=region, today=today)
        per_structure = report.pop("per_structure")
        report.pop("computed_at")
        page.pop("computed_at")
        assert page == report
        reference = reference_rows(user, w.plan, region, today)
        assert len(structures) == len(reference) == report["structures"]
        # Every page, as the table shows it, and the whole list.
        for offset in range(0, len(reference), 50):
            assert structures[offset : offset + 50] == reference[offset : offset + 50]
        assert list(structures) == list(reference)
        assert [{k: v for k, v in r.items() if k != "town"} for r in structures] == per_structure
        assert structures[-1] == reference[-1] and structures[3] == reference[3]
        # The most overdue, and how many are, as the report's tables rank them.
        report["per_structure"] = per_structure
        assert tables(page, None, structures) == tables(report)
        assert tables(page, None, structures) == tables(page, None, reference)
        # The search reads the same rows.
        for query in ("ecole", "lyon", "380000", "oeuvre"):
            assert list(structures.matching(query)) == list(reference.matching(query))


def test_the_most_overdue_cut_inside_a_group(varied: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fewer listed than a group holds: the first by name of the most overdue groups."""
    w = varied
    ara = Region.objects.get(code="84")
    today = date(2024, 9, 30)
    report = compute_figures(user=w.ars_ara, plan=w.plan, region=ara, today=today)
    for listed in (1, 7, 30):
        monkeypatch.setattr(figures_module, "OVERDUE_LISTED", listed)
        page, structures = progress_figures(user=w.ars_ara, plan=w.plan, region=ara, today=today)
        expected = tables(report)
        assert len(expected["overdue_p1"]) == listed
        assert tables(page, None, structures)["overdue_p1"] == expected["overdue_p1"]
        assert tables(page, None, structures)["overdue_p1_total"] == expected["overdue_p1_total"]


@pytest.mark.parametrize(
    ("page", "number"),
    [
        (None, 1),
        ("1", 1),
        ("2", 2),
        ("4", 4),
        ("5", 4),
        ("0", 4),
        ("-1", 4),
        ("abc", 1),
        ("2.5", 1),
        ("99999999999999999999999", 4),
    ],
)
def test_the_page_read_with_the_figures_is_the_paginators(
    varied: Any, page: str | None, number: int
) -> None:
    from django.core.paginator import Paginator

    w = varied
    ara = Region.objects.get(code="84")
    today = date(2024, 9, 30)
    reference = reference_rows(w.ars_ara, w.plan, ara, today)
    with CaptureQueriesContext(connection) as queries:
        figures, structures = progress_figures(
            user=w.ars_ara, plan=w.plan, region=ara, today=today, page=page, per_page=50
        )
        tables(figures, None, structures)
        shown = Paginator(structures, 50).get_page(page)
        rows = list(shown.object_list)
    assert len(structures) == 161  # lyon, lyon_lab and 159 active of the 160
    assert shown.number == number
    assert rows == reference[(number - 1) * 50 : number * 50]
    # The plan's measures, the grouped statement (with the page when its number says
    # which it is) and the incidents; a page past the end is read once more.
    assert len(queries) == (4 if page in ("5", "0", "-1", "99999999999999999999999") else 3)
