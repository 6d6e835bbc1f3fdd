"""How many statements the case page costs (issue 18): an open case with its history
(questions, tracking, agreements, handlers, vendors), read by the support cell's analyst.
The case, then everything hanging off it, come in two statements (case_detail), who was on
call at arrival in one, the tracking form's documents in one."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.cases.test_case_detail_sql import cases  # noqa: F401 (fixture)
from tests.factories import client_for
from vigie.cases.models import Case

pytestmark = pytest.mark.django_db

# Session, the user with their scope, the case and whether its declaration may be
# read, its lists and the clock's input, similar incidents and their vendors in common,
# the tracking form's documents, the unread notices, who was on call at arrival, the
# attachments, whether the declaration may be completed, the SSI action plan, the
# e-mails, the lessons learned (closed cases only). Closure's missing agreements come
# from the case's.
BOUND = 14


def test_the_case_page_reads_in_a_fixed_number_of_statements(
    world: Any,
    cases: list[Case],  # noqa: F811
) -> None:
    client = client_for(world.acss)
    for case in cases:
        client.get(f"/dossiers/{case.pk}/")  # warm: the first read of the session
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/dossiers/{case.pk}/")
        assert response.status_code == 200
        statements = [q["sql"][:120] for q in captured.captured_queries]
        assert len(statements) <= BOUND, "\n".join(statements)
        # Lessons learned are written once a case is closed: an open one asks for none.
        if not case.is_closed:
            assert not any("retex_retex" in q["sql"] for q in captured.captured_queries)
        # No list of the case is read by a statement of its own.
        for table in ("timelineevent", "question", "trackingentry", "casehandler"):
            assert not any(q.startswith(f'SELECT "cases_{table}"') for q in statements)
