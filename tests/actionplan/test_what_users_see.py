"""What a structure reads on its action-plan page: measures in numeric order, French plurals."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.factories import client_for

pytestmark = pytest.mark.django_db


def test_measures_are_listed_by_number_within_each_priority(small_world: Any) -> None:
    w = small_world
    html = client_for(w.member_lyon).get(f"/plan-action/structures/{w.lyon.finess}/").content
    page = html.decode()
    for priority in (1, 2, 3):
        table = page.split(f'data-testid="measures-priority-{priority}"')[1].split("</table>")[0]
        numbers = [int(n) for n in re.findall(r'data-measure="(\d+)"', table)]
        assert numbers, priority
        assert numbers == sorted(numbers), (priority, numbers)
    expected = sorted(w.plan.measures.filter(priority=1).values_list("number", flat=True))
    first = page.split('data-testid="measures-priority-1"')[1].split("</table>")[0]
    assert [int(n) for n in re.findall(r'data-measure="(\d+)"', first)] == expected


def test_done_count_agrees_in_number(small_world: Any, assess: Any) -> None:
    w = small_world
    total = w.plan.measures.count()

    def done_count(structure: Any) -> str:
        page = client_for(w.acss).get(f"/plan-action/structures/{structure.finess}/")
        found = re.search(r'data-testid="done-count">(.*?)</span>', page.content.decode(), re.S)
        assert found is not None
        return " ".join(found.group(1).split())

    assert done_count(w.lyon) == f"3 mesures réalisées sur {total}."
    assert done_count(w.lyon_lab) == f"1 mesure réalisée sur {total}."
