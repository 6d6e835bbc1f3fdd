"""The case page reads the regulatory clock once per request (issue 18): its header's
deadlines, the insights block and the closing form's reminder share one computation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import client_for
from tests.insights.test_clock import owing  # noqa: F401 (fixture)
from vigie.insights.models import ObligationKind as K
from vigie.insights.selectors import case_obligations
from vigie.insights.services import obligation_record

pytestmark = pytest.mark.django_db


def obligation_reads(sql: list[str]) -> list[str]:
    return [q for q in sql if 'FROM "insights_obligation"' in q]


def test_the_case_page_reads_the_obligations_once(world: Any, owing: Any) -> None:  # noqa: F811
    client = client_for(world.acss)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"/dossiers/{owing.pk}/").content.decode()
    assert len(obligation_reads([q["sql"] for q in queries.captured_queries])) == 1
    # Header and block both still say what is owed.
    assert 'data-kind="nis2_early_warning" data-status="due"' in page
    assert 'href="#obligations"' in page


def test_each_reader_and_caller_gets_its_own_rows(world: Any, owing: Any) -> None:  # noqa: F811
    first = case_obligations(world.acss, owing)
    first[0]["form"] = "a form of the insights block"
    assert "form" not in case_obligations(world.acss, owing)[0]
    # Another reader of the same case object is not served the first one's rows.
    with CaptureQueriesContext(connection) as queries:
        case_obligations(world.declarant_lyon, owing)
    assert obligation_reads([q["sql"] for q in queries.captured_queries])


def test_a_record_is_seen_on_the_same_case_object(world: Any, owing: Any) -> None:  # noqa: F811
    def status(kind: str) -> str:
        return next(r["status"] for r in case_obligations(world.acss, owing) if r["kind"] == kind)

    assert status(K.CNIL) != "done"
    obligation_record(
        case=owing, by=world.acss, kind=K.CNIL, done_at=timezone.now() - timedelta(hours=1)
    )
    assert status(K.CNIL) == "done"
