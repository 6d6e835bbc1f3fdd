"""The case page prefetches what hangs off a case without restating the scope
(vigie/cases/scopes.py children_of_read_cases, issue 18): that is only sound while each
of those models' own rule is exactly "its case may be read". If one of them ever gets a
stricter rule (an internal note, say), this test fails before the case page leaks it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.core.test_scope_sql import world_users
from vigie.cases.models import Case, TimelineEvent
from vigie.cases.scopes import CASE_CHILDREN

pytestmark = pytest.mark.django_db


def test_what_hangs_off_a_case_is_read_under_its_case_rule(
    world: Any, make_case: Callable[..., Case]
) -> None:
    make_case(world.lyon, world.declarant_lyon)
    make_case(world.reunion, world.declarant_reunion)
    make_case(world.lyon_lab, world.declarant_lyon_lab)
    assert TimelineEvent.objects.count() >= 3  # not vacuous
    seen_some = False
    for name, user in world_users(world).items():
        readable = Case.objects.visible_to(user)
        for model in CASE_CHILDREN:
            own_rule = set(model.objects.visible_to(user).values_list("pk", flat=True))
            case_rule = set(model.objects.filter(case__in=readable).values_list("pk", flat=True))
            assert own_rule == case_rule, (name, model.__name__)
            seen_some = seen_some or bool(own_rule)
        if name == "acss":
            assert readable.count() == 3
    assert seen_some
