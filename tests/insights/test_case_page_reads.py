"""The case page reads the notifications owed and the indicators with its case, in the
statement of vigie/cases/selectors.py ``case_detail`` (``page_list``), without
restating their rule: that is only sound while their rule is exactly their case's. If it
ever gets stricter, the first test fails before the page leaks; the second checks the
rows the page gets are the ones the scoped reads give, for every reader."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.core.test_scope_sql import world_users
from tests.insights.test_clock import owing  # noqa: F401 (fixture)
from vigie.cases.models import Case
from vigie.cases.selectors import case_detail, page_rows
from vigie.directory.models import User
from vigie.insights import services
from vigie.insights.models import Indicator, Obligation
from vigie.insights.models import ObligationKind as K
from vigie.insights.selectors import case_indicators, case_obligations

pytestmark = pytest.mark.django_db


@pytest.fixture
def worked(world: Any, owing: Any) -> Case:  # noqa: F811
    services.obligations_sync(case=owing)
    services.obligation_record(
        case=owing, by=world.acss, kind=K.CNIL, done_at=timezone.now() - timedelta(hours=1)
    )
    for kind, value in (("ip", "203.0.113.7"), ("domain", "evil.example")):
        services.indicator_add(case=owing, by=world.acss, kind=kind, value=value)
    assert Obligation.objects.filter(case=owing).exists()  # not vacuous
    return owing


def test_their_rule_is_their_case_rule(world: Any, worked: Case) -> None:
    for name, user in world_users(world).items():
        readable = Case.objects.visible_to(user)
        for model in (Obligation, Indicator):
            own = set(model.objects.visible_to(user).values_list("pk", flat=True))
            by_case = set(model.objects.filter(case__in=readable).values_list("pk", flat=True))
            assert own == by_case, (name, model.__name__)


def obligations(rows: list[dict[str, Any]]) -> list[Any]:
    return [
        {**row, "done_by": row["done_by"] and (row["done_by"].pk, row["done_by"].email)}
        for row in rows
    ]


def indicators(rows: list[Indicator]) -> list[Any]:
    return [
        (*(getattr(i, f.attname) for f in Indicator._meta.concrete_fields), i.added_by.email)
        for i in rows
    ]


def test_the_page_gets_the_rows_of_the_scoped_reads(world: Any, worked: Case) -> None:
    read = 0
    for name, user in world_users(world).items():
        user = User.objects.get(pk=user.pk)
        case = case_detail(user, worked.pk)
        if case is None:
            continue
        read += 1
        plain = Case.objects.get(pk=worked.pk)  # not read by case_detail: scoped reads
        assert obligations(case_obligations(user, case)) == obligations(
            case_obligations(user, plain)
        ), name
        assert indicators(case_indicators(user, case)) == indicators(
            case_indicators(user, plain)
        ), name
        # Read for one reader, the rows are not served to another.
        other = world.hfds if user.pk != world.hfds.pk else world.acss
        assert page_rows(case, other, "indicators") is None
    assert read >= 3
