"""The case page reads who was on call at arrival with one fixed statement, without
restating a rule (vigie/oncall/selectors.py ``oncall_at_arrival_of_readable``): it relies
on the rules of the arrivals and of the declaration's recipients being exactly "keeps the
rota and reads the declaration" and "reads the declaration", which the page has just
asked. If either rule ever changes, these tests fail before the page leaks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import RequestFactory

from tests.core.test_scope_sql import world_users
from tests.oncall.test_case_page import SATURDAY_NIGHT
from vigie.core.scoping import scope_for
from vigie.declarations.models import Declaration, DeclarationRecipient
from vigie.declarations.services import declaration_submit
from vigie.oncall.models import OnCallAtArrival, OnCallShift
from vigie.oncall.scopes import ROTA_ROLES
from vigie.oncall.templatetags.oncall import oncall_at_arrival

pytestmark = pytest.mark.django_db


@pytest.fixture
def arrivals(world: Any, make_declaration: Callable[..., Declaration]) -> list[Declaration]:
    for person, kind in ((world.hfds, "fssi"), (world.acss, "cell")):
        OnCallShift.objects.create(
            person=person,
            kind=kind,
            starts_at=SATURDAY_NIGHT - timedelta(hours=8),
            ends_at=SATURDAY_NIGHT + timedelta(hours=30),
            recorded_by=world.hfds,
        )
    submitted = []
    for structure, declarant, urgent in (
        (world.lyon, world.declarant_lyon, True),
        (world.reunion, world.declarant_reunion, False),
        (world.lyon_lab, world.declarant_lyon_lab, True),
    ):
        draft = make_declaration(structure, declarant, urgent_help=urgent)
        submitted.append(declaration_submit(declaration=draft, by=declarant, at=SATURDAY_NIGHT))
    assert OnCallAtArrival.objects.exists()  # not vacuous
    return submitted


def test_the_arrivals_and_recipients_rules_are_the_declarations(
    world: Any, arrivals: list[Declaration]
) -> None:
    for name, user in world_users(world).items():
        readable = Declaration.objects.visible_to(user)
        keeps_rota = scope_for(user).has(*ROTA_ROLES)
        own = set(OnCallAtArrival.objects.visible_to(user).values_list("pk", flat=True))
        by_declaration = set(
            OnCallAtArrival.objects.filter(declaration__in=readable).values_list("pk", flat=True)
        )
        assert own == (by_declaration if keeps_rota else set()), name
        own = set(DeclarationRecipient.objects.visible_to(user).values_list("pk", flat=True))
        by_declaration = set(
            DeclarationRecipient.objects.filter(declaration__in=readable).values_list(
                "pk", flat=True
            )
        )
        assert own == by_declaration, name


def shown(block: dict[str, Any]) -> tuple[Any, ...]:
    rows = [
        (a.pk, a.kind, a.notified, a.person.pk, a.person.get_full_name())
        for a in block.get("rows", [])
    ]
    return block["show"], rows, block.get("urgent")


def test_the_case_page_block_equals_the_scoped_reads(
    world: Any, arrivals: list[Declaration]
) -> None:
    """What the block shows when the page says whether the declaration is readable, and
    when it reads everything through the rules (the other pages)."""
    seen = 0
    for name, user in world_users(world).items():
        request = RequestFactory().get("/")
        request.user = user
        for declaration in arrivals:
            readable = Declaration.objects.visible_to(user).filter(pk=declaration.pk).exists()
            page = {"request": request, "declaration": declaration}
            fast = oncall_at_arrival({**page, "declaration_readable": readable}, declaration)
            reference = oncall_at_arrival(page, declaration)
            assert shown(fast) == shown(reference), (name, declaration.pk)
            seen += bool(reference.get("rows"))
    assert seen  # some reader saw people on call
