"""The regional page's pagination written by the ``structures_pagination`` tag is, to the
character, what its include (actionplan/includes/structures_pagination.html) writes: first,
middle and last pages, elided ranges, page numbers past a thousand, the request's other
parameters (plan, search, a page given first) kept and escaped, in French and English."""

from __future__ import annotations

import pytest
from django.core.paginator import Paginator
from django.template import Context, Template
from django.template.loader import get_template
from django.test import RequestFactory
from django.utils import translation

from vigie.actionplan.templatetags.actionplan_tags import PAGINATION_TEMPLATE

TAG = Template("{% load actionplan_tags %}{% structures_pagination page_obj %}")
QUERIES = [
    {},
    {"plan": "PSSI-2024"},
    {"page": "3", "plan": "A&B <x>", "q": 'l\'Œuvre "centre"'},
    {"q": "x", "page": "abc", "other": ["1", "2"]},
]


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("query", QUERIES)
def test_the_tag_writes_what_the_include_wrote(language: str, query: dict) -> None:
    include = get_template(PAGINATION_TEMPLATE)
    compared = 0
    with translation.override(language):
        for count in (51, 120, 661, 12_926, 60_000):
            paginator = Paginator(range(count), 50)
            for number in {1, 2, 3, 5, 6, paginator.num_pages // 2, paginator.num_pages - 1}:
                if not 1 <= number <= paginator.num_pages:
                    continue
                page = paginator.get_page(number)
                page.pages_list = list(paginator.get_elided_page_range(page.number))
                request = RequestFactory().get("/plan-action/region/84/", query)
                expected = include.render({"page_obj": page, "request": request})
                context = Context({"page_obj": page, "request": request})
                assert TAG.render(context) == expected
                compared += 1
        # Without pages_list the template writes it (its other branch).
        page = Paginator(range(120), 50).get_page(2)
        request = RequestFactory().get("/plan-action/region/84/", query)
        expected = include.render({"page_obj": page, "request": request})
        assert TAG.render(Context({"page_obj": page, "request": request})) == expected
    assert compared > 20
