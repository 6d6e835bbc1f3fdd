"""The regional page's "All structures" table: a page of 50 structures in name order, a
search by name, town or FINESS number, and nothing outside the reader's region."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.factories import client_for, structure_create
from vigie.actionplan.figures import compute_figures, progress_figures, tables
from vigie.directory.finess import with_check_key

pytestmark = pytest.mark.django_db

CENTRES = 118  # with lyon and lyon_lab, 120 structures in region 84: pages of 50, 50, 20


@pytest.fixture
def crowded(small_world: Any) -> Any:
    w = small_world
    w.centres = [
        structure_create(with_check_key(f"380{n:05d}"), f"Centre de santé {n:03d}", "38")
        for n in range(CENTRES)
    ]
    w.centres[7].town = "Voiron"
    w.centres[7].save()
    w.centres[8].name = "Centre de santé 008 de l’Œuvre Sainte-Hélène"
    w.centres[8].save()
    w.paris_centre = structure_create(with_check_key("75000123"), "Centre de santé Paris", "75")
    return w


def listed(page: Any) -> list[str]:
    """The FINESS numbers of the "All structures" table's rows, in order."""
    html = page.content.decode()
    table = html[html.index('data-testid="structures"') :]
    table = table[: table.index("</table>")]
    return re.findall(r'data-finess="(\d+)"', table)


def count_line(page: Any) -> str:
    html = page.content.decode()
    start = html.index('data-testid="structures-count"')
    return re.sub(r"\s+", " ", html[start : html.index("</p>", start)].split(">", 1)[1]).strip()


def test_the_table_shows_a_page_and_page_two_the_next_structures(crowded: Any) -> None:
    w = crowded
    client = client_for(w.ars_ara)
    first = client.get("/plan-action/region/84/")
    second = client.get("/plan-action/region/84/", {"page": "2"})
    third = client.get("/plan-action/region/84/", {"page": "3"})
    by_name = [c.finess for c in w.centres] + [w.lyon.finess, w.lyon_lab.finess]
    assert listed(first) == by_name[:50]
    assert listed(second) == by_name[50:100]
    assert listed(third) == by_name[100:]
    # The count, French grouping aside, and where the reader is.
    assert count_line(second) == "120 structures — 51 à 100 affichées (page 2 sur 3)"
    html = second.content.decode()
    assert 'class="fr-pagination" aria-label="Pagination"' in re.sub(r"\s+", " ", html)
    assert 'aria-current="page"' in html
    # Each link comes back to the table, at the bottom of the page.
    assert 'href="?page=3#structures"' in html and 'href="?page=1#structures"' in html
    # The figures above the table still count every structure.
    assert second.context["figures"]["structures"] == 120
    assert "120 structures —" in re.sub(r"\s+", " ", html)


def test_the_plan_and_the_search_are_kept_from_page_to_page(crowded: Any) -> None:
    w = crowded
    page = client_for(w.ars_ara).get(
        "/plan-action/region/84/", {"plan": w.plan.code, "q": "centre", "page": "2"}
    )
    html = page.content.decode()
    assert f'href="?plan={w.plan.code}&amp;q=centre&amp;page=3#structures"' in html
    assert f'<input type="hidden" name="plan" value="{w.plan.code}">' in html
    assert listed(page) == [c.finess for c in w.centres[50:100]]


def test_search_finds_a_structure_by_finess_name_or_town(crowded: Any) -> None:
    w = crowded
    client = client_for(w.ars_ara)
    by_finess = client.get("/plan-action/region/84/", {"q": w.lyon.finess})
    assert listed(by_finess) == [w.lyon.finess]
    assert count_line(by_finess) == f"1 structure correspond à « {w.lyon.finess} »"
    # A FINESS number typed with spaces, its beginning only.
    assert listed(client.get("/plan-action/region/84/", {"q": "690 78"})) == [w.lyon.finess]
    # Case and accents ignored.
    assert listed(client.get("/plan-action/region/84/", {"q": "edouard herriot"})) == [
        w.lyon.finess
    ]
    assert listed(client.get("/plan-action/region/84/", {"q": "BIODERM"})) == [w.lyon_lab.finess]
    assert listed(client.get("/plan-action/region/84/", {"q": "voiron"})) == [w.centres[7].finess]
    assert listed(client.get("/plan-action/region/84/", {"q": "l'oeuvre sainte-helene"})) == [
        w.centres[8].finess
    ]
    nothing = client.get("/plan-action/region/84/", {"q": "introuvable"})
    assert listed(nothing) == []
    assert "Aucune structure ne correspond à cette recherche." in nothing.content.decode()
    # The figures above are the region's, whatever the search.
    assert nothing.context["figures"]["structures"] == 120


@pytest.mark.parametrize(
    ("page", "expected"),
    [("abc", 1), ("0", 3), ("-1", 3), ("999999999999999999999", 3), ("2.5", 1), ("\x00", 1)],
)
def test_a_bad_page_number_gives_the_first_or_the_last_page(
    crowded: Any, page: str, expected: int
) -> None:
    w = crowded
    answer = client_for(w.ars_ara).get("/plan-action/region/84/", {"page": page})
    assert answer.status_code == 200
    assert answer.context["page_obj"].number == expected
    assert listed(answer)


def test_paging_and_search_stay_within_the_readers_region(crowded: Any) -> None:
    w = crowded
    client = client_for(w.ars_ara)
    seen = set()
    for number in (1, 2, 3, 4):
        seen |= set(listed(client.get("/plan-action/region/84/", {"page": number})))
    assert len(seen) == 120
    assert w.paris.finess not in seen and w.paris_centre.finess not in seen
    for query in (w.paris_centre.finess, "Paris", w.paris.finess, "Pitié"):
        page = client.get("/plan-action/region/84/", {"q": query})
        assert listed(page) == [], query
    assert count_line(client.get("/plan-action/region/84/", {"q": "centre de sante"})) == (
        "118 structures correspondent à « centre de sante » — 1 à 50 affichées (page 1 sur 3)"
    )
    # Another region's page, searched or paged, stays closed.
    assert client.get("/plan-action/region/11/", {"q": "Paris", "page": "2"}).status_code == 403
    # The national page lists every region's structures to those who read the country.
    national = client_for(w.hfds).get("/plan-action/national/", {"q": "Centre de santé Paris"})
    assert listed(national) == [w.paris_centre.finess]


def test_the_page_shows_the_figures_the_report_computes(crowded: Any) -> None:
    """Splitting the structures from the figures changes nothing the report keeps."""
    w = crowded
    ara = w.lyon.departement.region
    today = w.plan.published_on.replace(year=w.plan.published_on.year + 3)
    report = compute_figures(user=w.ars_ara, plan=w.plan, region=ara, today=today)
    page, structures = progress_figures(user=w.ars_ara, plan=w.plan, region=ara, today=today)
    per_structure = report.pop("per_structure")
    for figures in (report, page):
        figures.pop("computed_at")
    assert page == report
    assert [{k: v for k, v in row.items() if k != "town"} for row in structures] == per_structure
    assert set(per_structure[0]) == {
        "id",
        "finess",
        "name",
        "kind",
        "start_date",
        "overdue_p1",
        "done",
        "in_progress",
        "not_started",
        "not_applicable",
        "overdue",
        "total",
    }
    report["per_structure"] = per_structure
    assert tables(page, None, structures) == tables(report)
    # More structures overdue than the page lists: the same 100 ranked first.
    assert tables(report)["overdue_p1_total"] > len(tables(report)["overdue_p1"]) == 100
