"""The queue's search (selectors._search) finds the cases the ORM's plain reading finds:
reference or structure name containing the query (case ignored), or FINESS number
starting with it (spaces ignored), under each reader's scope, whichever way the matching
structures reach the statements (listed, hashed from an array read once, or an IN
(subquery)): the same cases in the same order, the same counts capped the same way
(issue 18)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db.models import Q

from tests.core.test_scope_sql import world_users
from vigie.cases import selectors
from vigie.cases.models import Case, CaseStatus
from vigie.directory.models import Role, Structure

pytestmark = pytest.mark.django_db

QUERIES = [
    "herriot",
    "HERRIOT",
    "hôpital",
    "HÔPITAL",
    "hopital",  # no accent: not "Hôpital", as before
    "69 078 413 7",
    "6907",
    "6900",  # the laboratory's name and its FINESS number: found twice, counted once
    "100%",
    "100 %",
    "%",
    "_",
    "a_b",
    "x%y",
    "lyon",
    "é",
    "réunion",
    "bégin",
    "zzz",
]

# (SEARCH_STRUCTURES_LISTED, SEARCH_STRUCTURES_HASHED): how the structures reach the
# statements whenever the query matches any.
PATHS = {"listed": (500, 20_000), "hashed": (0, 20_000), "subquery": (0, 0)}


def orm_reading(user: Any, query: str) -> Any:
    """The plain reading the search stands for: every case joined to its structure."""
    return Case.objects.visible_to(user).filter(
        Q(reference__icontains=query)
        | Q(structure__name__icontains=query)
        | Q(structure__finess__startswith=query.replace(" ", ""))
    )


@pytest.fixture
def searched(
    world: Any, make_case: Callable[..., Case], make_user: Callable[..., Any]
) -> list[Case]:
    cases = [make_case(world.lyon, world.declarant_lyon) for _ in range(4)]
    cases += [make_case(world.lyon_lab, world.declarant_lyon_lab) for _ in range(2)]
    cases += [make_case(world.reunion, world.declarant_reunion) for _ in range(2)]
    soldier = make_user(Role.DECLARANT, structure=world.military)
    cases.append(make_case(world.military, soldier, care_impact="none"))
    cases.append(make_case(world.paris, make_user(Role.DECLARANT, structure=world.paris)))
    statuses = [CaseStatus.CLOSED, CaseStatus.TO_PROCESS, CaseStatus.TO_CLOSE]
    for case, status in zip(cases[1::2], statuses * 2, strict=False):
        Case.objects.filter(pk=case.pk).update(status=status)
    Structure.objects.filter(pk=world.lyon_lab.pk).update(name="Laboratoire 6900 Lyon")
    Structure.objects.filter(pk=world.paris.pk).update(name="Clinique 100% a_b Santé")
    # A reference that holds what a name holds, and one with a LIKE wildcard's look-alike.
    Case.objects.filter(pk=cases[0].pk).update(reference="SSI-2026-HERRIOT")
    Case.objects.filter(pk=cases[2].pk).update(reference="SSI-2026-X%Y")
    # A closed case found by its reference alone, its structure not matching.
    Case.objects.filter(pk=cases[7].pk).update(reference="SSI-2026-HERRIOT-974")
    return cases


@pytest.mark.parametrize("path", PATHS)
def test_the_search_finds_what_the_orm_finds_for_every_reader(
    world: Any, searched: list[Case], path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    listed, hashed = PATHS[path]
    monkeypatch.setattr(selectors, "SEARCH_STRUCTURES_LISTED", listed)
    monkeypatch.setattr(selectors, "SEARCH_STRUCTURES_HASHED", hashed)
    monkeypatch.setattr(selectors, "COUNT_CAP", 2)  # so that some tabs are capped
    found_some = capped_some = False
    for name, user in world_users(world).items():
        for query in QUERIES:
            expected = orm_reading(user, query)
            queue = selectors.case_queue(user, q=query, sort="-opened_at")
            assert list(queue.cases.values_list("pk", flat=True)) == list(
                expected.order_by("-opened_at", "-pk").values_list("pk", flat=True)
            ), (name, query)
            for status in CaseStatus.values:
                n = expected.filter(status=status).count()
                assert queue.counts[status] == min(n, 2), (name, query, status)
                assert (status in queue.capped) == (n > 2), (name, query, status)
            found_some = found_some or queue.counts[selectors.ALL] > 0
            capped_some = capped_some or bool(queue.capped)
    assert found_some and capped_some
    # A closed case of the structure and one found by its reference alone: the closed
    # tab counted from the structures' side adds the second (selectors._closed_of_structures).
    assert selectors.case_queue(world.acss, q="herriot").counts[CaseStatus.CLOSED] == 2
    # Each path is the one meant: the matching structures listed, hashed from the
    # array read once, or matched again in an IN (subquery).
    sql = str(selectors.case_queue(world.acss, q="herriot").cases.query)
    assert ("unnest" in sql) is (path == "hashed")
    assert ('FROM "directory_structure"' in sql) is (path == "subquery")


def test_a_list_cut_short_is_never_taken_for_the_whole(
    world: Any, searched: list[Case], monkeypatch: pytest.MonkeyPatch
) -> None:
    # "6900" finds the laboratory twice (name and FINESS): a LIMIT of one row per
    # structure could cut the second structure off while two distinct ids remain.
    monkeypatch.setattr(selectors, "SEARCH_STRUCTURES_LISTED", 0)
    monkeypatch.setattr(selectors, "SEARCH_STRUCTURES_HASHED", 1)
    assert selectors._structure_ids("6900", "6900") == (2, "")
    monkeypatch.setattr(selectors, "SEARCH_STRUCTURES_HASHED", 2)
    assert selectors._structure_ids("6900", "6900") == (1, f"{{{world.lyon_lab.pk}}}")
    queue = selectors.case_queue(world.acss, q="6900")
    assert queue.counts[selectors.ALL] == orm_reading(world.acss, "6900").count() == 2
