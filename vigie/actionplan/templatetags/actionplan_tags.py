from __future__ import annotations

import html
from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from vigie.actionplan import render
from vigie.actionplan.render import STATUS_BADGES, measures_at_incident_html, number_text
from vigie.actionplan.selectors import (
    NotDone,
    case_measures_not_done,
    incident_moment,
    measures_not_done_rows,
)

register = template.Library()


@register.filter
def status_badge(status: str) -> str:
    return STATUS_BADGES.get(status, "")


@register.filter
def signed(value: float | int | None) -> str:
    return render.signed(value)


# A progress table by group (the page passes its previous snapshot, or None, as
# with_change).
register.simple_tag(render.figures_table_html, name="figures_table")


@register.simple_tag(takes_context=True)
def measures_at_incident(context: dict[str, Any], case: Any) -> str:
    """The case page's SSI action plan block: the measures the structure had not done when
    the incident happened, for a reader who may read the structure's action plan (nothing
    otherwise). One statement, written in Python (vigie/actionplan/render.py)."""
    user = getattr(context.get("request"), "user", None)
    rows = measures_not_done_rows(user, case.structure_id, incident_moment(case))
    return measures_at_incident_html(rows, "" if rows is None else case.structure.finess)


@register.simple_tag(takes_context=True)
def measures_not_done_for_case(context: dict[str, Any], case: Any) -> list[NotDone] | None:
    """None when the signed-in user may not read the structure's action plan. The former
    block's reads, for its reference template (tests/actionplan/reference_templates/)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return case_measures_not_done(user, case)


# The regional page's tables: up to 100 + 50 rows, each built by one format string (the
# template language spends ~0.1 ms on such a row). The HTML is what the template's loops
# gave, byte for byte (tests/actionplan/test_progress_rows.py).
_OVERDUE_ROW = (
    '\n          <tr data-finess="{finess}">'
    '\n            <td><a class="fr-link" href="{url}?plan={plan}">{name}</a></td>'
    "\n            <td>{kind}</td>"
    "\n            <td>{overdue}</td>"
    "\n            <td>{done} / {total}</td>"
    "\n          </tr>\n        "
)
_STRUCTURE_ROW = (
    '\n          <tr data-finess="{finess}"><td><a class="fr-link" href="{url}?plan={plan}">'
    "{name}</a></td><td>{town}</td><td>{done}</td><td>{in_progress}</td>"
    "<td>{not_started}</td><td>{not_applicable}</td><td>{overdue}</td></tr>\n        "
)


def _escaped(value: Any) -> str:
    """``conditional_escape(value)`` for the rows' values, most of them plain text from the
    database or numbers: Django's ``escape`` is ``html.escape`` of the text (a number's
    digits need none), called here without its lazy-text wrapper: a hundred overdue rows
    cost 0.6 ms instead of 2.3."""
    if type(value) is str:
        return html.escape(value)
    if type(value) is int:
        return str(value)
    return conditional_escape(value)


class _StructureUrls:
    """``{% url 'actionplan:structure' finess %}``: the common case (letters and digits,
    nothing to quote) without resolving the pattern for each row."""

    def __init__(self) -> None:
        self.prefix = reverse("actionplan:structure", args=["0"])[:-2]

    def __call__(self, finess: str) -> str:
        if finess.isascii() and finess.isalnum():
            return html.escape(self.prefix + finess + "/")
        return escape(reverse("actionplan:structure", args=[finess]))


@register.simple_tag
def overdue_p1_rows(rows: list[dict[str, Any]], kind_labels: dict[str, str], plan: Any) -> str:
    """The rows of the "overdue priority-1 measures" table."""
    code, url = _escaped(plan.code), _StructureUrls()
    return mark_safe(  # noqa: S308 (every value escaped)
        "".join(
            _OVERDUE_ROW.format(
                finess=_escaped(row["finess"]),
                url=url(row["finess"]),
                plan=code,
                name=_escaped(row["name"]),
                kind=_escaped(kind_labels.get(row["kind"], "")),
                overdue=", ".join([_escaped(n) for n in row["overdue_p1"]]),
                done=number_text(row["done"]),
                total=number_text(row["total"]),
            )
            for row in rows
        )
    )


@register.simple_tag
def structure_rows(rows: Any, plan: Any) -> str:
    """The rows of the "All structures" table (a page of them)."""
    code, url = _escaped(plan.code), _StructureUrls()
    return mark_safe(  # noqa: S308 (every value escaped)
        "".join(
            _STRUCTURE_ROW.format(
                finess=_escaped(row["finess"]),
                url=url(row["finess"]),
                plan=code,
                name=_escaped(row["name"]),
                town=_escaped(row["town"]),
                done=number_text(row["done"]),
                in_progress=number_text(row["in_progress"]),
                not_started=number_text(row["not_started"]),
                not_applicable=number_text(row["not_applicable"]),
                overdue=number_text(row["overdue"]),
            )
            for row in rows
        )
    )


PAGINATION_TEMPLATE = "actionplan/includes/structures_pagination.html"


@register.simple_tag(takes_context=True)
def structures_pagination(context: Any, page: Any) -> str:
    """What ``{% include "actionplan/includes/structures_pagination.html" %}`` writes, the
    same text to the character (tests/actionplan/test_progress_pagination.py), without its
    template nodes and a copy of the query string per link (0.95 -> 0.16 ms at 14 pages). A page
    without ``pages_list`` is left to the template."""
    pages = getattr(page, "pages_list", None)
    if not pages:
        with context.push():
            return context.template.engine.get_template(PAGINATION_TEMPLATE).render(context)
    query = context["request"].GET.copy()

    def link(number: int) -> str:
        # As dsfr's url_remplace_params: the request's parameters, ``page`` set.
        query["page"] = number
        return html.escape(query.urlencode())

    def edge(shown: bool, number: Any) -> str:
        return f' href="?{link(number)}#structures" ' if shown else ""

    page_label = _escaped(gettext("Page"))
    parts = [
        '\n\n\n<nav role="navigation"\n     class="fr-pagination"\n     aria-label="',
        _escaped(gettext("Pagination")),
        '">\n  <ul class="fr-pagination__list">\n    <li>\n'
        '      <a class="fr-pagination__link fr-pagination__link--first"\n         ',
        edge(page.has_previous(), 1),
        ">",
        _escaped(gettext("First page")),
        '</a>\n    </li>\n    <li>\n      <a class="fr-pagination__link'
        ' fr-pagination__link--prev fr-pagination__link--lg-label"\n         ',
        edge(page.has_previous(), page.previous_page_number() if page.has_previous() else 0),
        ">\n        ",
        _escaped(gettext("Previous page")),
        "\n      </a>\n    </li>\n    \n      ",
    ]
    for item in pages:
        if item == "…":
            parts.append(
                '\n        \n          <li>\n            <a class="fr-pagination__link'
                ' fr-unhidden-lg">…</a>\n          </li>\n        \n      '
            )
        else:
            shown = number_text(item)
            parts += [
                "\n        \n          <li>\n            \n"
                '            <a class="fr-pagination__link"\n               ',
                'aria-current="page"' if item == page.number else "",
                '\n               title="',
                page_label,
                " ",
                shown,
                '"\n               href="?',
                link(item),
                '#structures">',
                shown,
                "</a>\n          </li>\n        \n      ",
            ]
    parts += [
        '\n    \n    <li>\n      <a class="fr-pagination__link'
        ' fr-pagination__link--next fr-pagination__link--lg-label"\n         ',
        edge(page.has_next(), page.next_page_number() if page.has_next() else 0),
        ">\n        ",
        _escaped(gettext("Next page")),
        "\n      </a>\n    </li>\n    <li>\n"
        '      <a class="fr-pagination__link fr-pagination__link--last"\n         ',
        edge(page.has_next(), page.paginator.num_pages),
        ">\n        ",
        _escaped(gettext("Last page")),
        "\n      </a>\n    </li>\n  </ul>\n</nav>\n",
    ]
    return mark_safe("".join(parts))  # noqa: S308 (every value escaped)
