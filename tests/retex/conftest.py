from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from vigie.cases.models import Case, CaseStatus


@pytest.fixture
def closed_case(make_case: Callable[..., Case]) -> Callable[..., Case]:
    """A case closed as the workflow leaves it (the closure itself is tested in cases)."""

    def make(structure: Any, by: Any, **overrides: Any) -> Case:
        case = make_case(structure, by, **overrides)
        Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED, closed_at=timezone.now())
        case.refresh_from_db()
        return case

    return make
