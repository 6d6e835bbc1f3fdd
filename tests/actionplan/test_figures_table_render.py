"""The progress pages' figures tables written in Python (vigie/actionplan/render.py, tag
``figures_table``) give, character for character, what their former include gave (kept in
reference_templates/figures_table.html): counts from a thousand on, French decimals,
changes up, down, nil and unknown, with and without a previous snapshot, labels escaped,
in French and in English; and the regional page itself carries them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.template import engines
from django.utils import translation

from tests.factories import client_for
from vigie.actionplan.charts import legend_labels
from vigie.actionplan.render import figures_table_html

REFERENCE = Path(__file__).parent / "reference_templates" / "figures_table.html"
STATUSES = ("done", "in_progress", "not_started", "not_applicable")


def row(key: Any, label: str, counts: list[int], shares: list[float], change: Any) -> dict:
    return {
        "key": key,
        "label": label,
        "counts": dict(zip((*STATUSES, "overdue", "total"), counts, strict=True)),
        "shares": dict(zip(STATUSES, shares, strict=True)),
        "change": change,
    }


ROWS = [
    row(1, "Priorité 1", [3, 2, 1, 0, 4, 6], [50.0, 33.3, 16.7, 0.0], 12.5),
    row("gouvernance", "<b>\"Gouvernance\"</b> & l'équipe", [1500, 0, 12000, 7, 999, 13507],
        [11.1, 0.0, 88.8, 0.1], -3.25),
    row("chu", "CHU", [0, 0, 0, 0, 0, 0], [0.0, 0.0, 0.0, 0.0], 0.0),
    row("x", "Sans instantané", [1, 1, 1, 1, -1, 4], [25.0, 25.0, 25.0, 25.0], None),
]  # fmt: skip


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("rows", [ROWS, ROWS[:1], []])
@pytest.mark.parametrize("previous", [object(), None])
def test_the_table_is_its_former_include(language: str, rows: list, previous: Any) -> None:
    reference = engines["django"].from_string(REFERENCE.read_text())
    with translation.override(language):
        legend = legend_labels()
        caption, group_label = "Progression par thème", "Thème <&>"
        expected = reference.render(
            {
                "rows": rows,
                "testid": "by-theme",
                "caption": caption,
                "group_label": group_label,
                "legend": legend,
                "with_change": previous,
            }
        )
        got = figures_table_html(
            rows,
            testid="by-theme",
            caption=caption,
            group_label=group_label,
            legend=legend,
            with_change=bool(previous),
        )
    assert got == expected


def test_the_tag_writes_it_where_the_include_was() -> None:
    """The page's tag line, with the caption and group label the page translates before
    it, against the former include's text in its place."""
    before = (
        '{% load i18n actionplan_tags %}{% translate "Theme" as group_label %}'
        '{% translate "Progress by theme" as caption %}'
    )
    tag = engines["django"].from_string(
        before + '{% figures_table rows testid="by-theme" caption=caption '
        "group_label=group_label legend=legend with_change=previous %}"
    )
    reference = engines["django"].from_string(
        before
        + '{% with testid="by-theme" with_change=previous %}'
        + REFERENCE.read_text()
        + "{% endwith %}"
    )
    for previous in (object(), None):
        with translation.override("fr"):
            context = {"rows": ROWS, "legend": legend_labels(), "previous": previous}
            assert tag.render(context) == reference.render(context)


@pytest.mark.django_db
def test_the_regional_page_shows_the_three_tables(world: Any, plan: Any) -> None:
    page = client_for(world.ars_ara).get("/plan-action/region/84/")
    assert page.status_code == 200
    html = page.content.decode()
    for testid in ("by-priority", "by-theme", "by-kind"):
        assert f'<table data-testid="{testid}">' in html
    assert '<th scope="col">Priorité</th>' in html


@pytest.mark.parametrize("language", ["fr", "en"])
def test_numbers_are_written_as_localize_writes_them(language: str) -> None:
    from django.utils.formats import localize

    from vigie.actionplan.render import number_text

    values = [0, 7, -3, 999, -999, 1000, 123456, 0.0, -0.0, 12.5, 33.3, 99.95, -3.25]
    values += [999.9, 1000.5, 1e-05, 1.5e20, float("nan"), float("inf"), 10**20]
    with translation.override(language):
        for value in values:
            assert number_text(value) == str(localize(value)), value
