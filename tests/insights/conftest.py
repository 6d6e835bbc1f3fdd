"""Cases with hand-set dates, on top of tests/cases' make_case."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from vigie.cases.models import Case
from vigie.declarations.models import Declaration, IncidentType


@pytest.fixture
def dated_case(make_case: Callable[..., Case]) -> Callable[..., Case]:
    """A case whose declaration and case dates are set by hand (queryset updates; the
    declaration's facts the case copies set on both)."""

    def make(
        structure: Any,
        by: Any,
        *,
        detected: datetime,
        submitted: datetime | None = None,
        opened: datetime | None = None,
        qualified: datetime | None = None,
        closed: datetime | None = None,
        type_code: str = "ransomware",
        malicious: str = "yes",
        **overrides: Any,
    ) -> Case:
        case = make_case(structure, by, **overrides)
        submitted = submitted or detected
        declared = {
            "detected_at": detected,
            "submitted_at": submitted,
            "malicious": malicious,
            "incident_type": IncidentType.objects.get(code=type_code),
        }
        Declaration.objects.filter(pk=case.declaration_id).update(**declared)
        # The case's copies of them, as opening and completion keep them.
        fields: dict[str, Any] = {**declared, "opened_at": opened or submitted}
        if qualified:
            fields.update(qualified_at=qualified, status="to_process", criticity="serious")
        if closed:
            fields.update(closed_at=closed, status="closed")
        Case.objects.filter(pk=case.pk).update(**fields)
        return Case.objects.select_related("declaration", "structure").get(pk=case.pk)

    return make
