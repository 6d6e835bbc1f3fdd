"""The regional page's table rows written by the ``overdue_p1_rows`` and ``structure_rows``
tags are, character for character, what the template's loops wrote (kept in
reference_templates/progress_rows.html): text escaped as Django escapes it (plain text,
safe text, lazy labels, numbers), the structure's address (FINESS numbers that need
quoting too), counts with and without the language's thousands separator."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.template import Context, Template
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

REFERENCE = Path(__file__).parent / "reference_templates" / "progress_rows.html"
TYPED = '<b>"Centre"</b> & l\'Œuvre <script>'


def _row(n: int, **values: Any) -> dict[str, Any]:
    return {
        "id": n,
        "finess": f"{n:09d}",
        "name": f"Structure {n}",
        "kind": "hospital",
        "town": "Lyon",
        "start_date": "2024-01-31",
        "overdue_p1": [1, 12],
        "done": 0,
        "in_progress": 1,
        "not_started": 17,
        "not_applicable": 0,
        "overdue": 5,
        "total": 19,
        **values,
    }


ROWS = [
    _row(1),
    _row(2, name=TYPED, town=TYPED, kind="<clinic>"),
    _row(3, name=mark_safe("<i>déjà sûr</i>"), town=mark_safe("A &amp; B")),
    _row(4, finess="12 34?5&#", overdue_p1=[3], done=999, total=1000, overdue=123456),
    _row(5, finess="0A0000&<>", kind="unknown", overdue_p1=[], not_started=1000),
    _row(6, name="", town="", done=-1000, in_progress=-999, not_applicable=10**9),
]
KIND_LABELS = {
    "hospital": "Hôpital",
    "<clinic>": '<Clinique> & "privée"',
    "lazy": gettext_lazy("Structure"),
}


def _reference(which: str, rows: list[dict[str, Any]], plan: Any) -> str:
    template = Template(REFERENCE.read_text())
    tables = {"overdue_p1": rows, "kind_labels": KIND_LABELS}
    return template.render(
        Context({"which": which, "tables": tables, "page_obj": rows, "plan": plan})
    )


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("code", ["PSSI-2024", 'A&B "<x>"'])
def test_the_rows_are_the_former_loops(language: str, code: str) -> None:
    plan = SimpleNamespace(code=code)
    rows = [{**row, "kind": "lazy"} if row["id"] == 1 and language == "en" else row for row in ROWS]
    tags = Template(
        "{% load actionplan_tags %}{% if which == 'overdue' %}"
        "{% overdue_p1_rows rows labels plan %}{% else %}{% structure_rows rows plan %}{% endif %}"
    )
    with translation.override(language):
        for which in ("overdue", "structures"):
            context = {"which": which, "rows": rows, "labels": KIND_LABELS, "plan": plan}
            expected = _reference(which, rows, plan)
            assert tags.render(Context(context)) == expected
            assert "&lt;b&gt;&quot;Centre&quot;&lt;/b&gt; &amp; l&#x27;Œuvre" in expected
