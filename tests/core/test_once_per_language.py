"""The layout's parts that are the same for everyone ({% once_per_language %} in
base.html: skip links, brand, footer, display settings) are rendered once per language and
served as they were: the page is the same as rendered afresh, each language gets its own,
and nothing of a user or a request is kept in them."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.template import Context, Template
from django.utils import translation

from tests.factories import client_for
from vigie.core import memo
from vigie.core.templatetags import vigie_nav

pytestmark = pytest.mark.django_db


def normalised(html: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
    return re.sub(r'nonce="[^"]*"', "", html)


def test_pages_are_the_same_as_rendered_afresh(world: Any) -> None:
    memo.forget()
    pages = {}
    for user in (world.acss, world.declarant_lyon):
        client = client_for(user)
        first = client.get("/compte/profil/").content.decode()  # renders the parts
        kept = client.get("/compte/profil/").content.decode()  # serves them
        memo.forget()
        fresh = client.get("/compte/profil/").content.decode()
        assert normalised(kept) == normalised(first) == normalised(fresh)
        assert 'id="footer"' in kept and "fr-skiplinks" in kept and "fr-theme" in kept
        pages[user.email] = kept
    kept_parts = [html for node in list(vigie_nav._ONCE_NODES) for html in node.rendered.values()]
    assert len(kept_parts) >= 4
    for html in kept_parts:
        # Nothing of a user, a session or a request in what is kept for everyone.
        for user in (world.acss, world.declarant_lyon):
            assert user.email not in html and user.get_full_name() not in html
        assert "csrfmiddlewaretoken" not in html and "nonce" not in html


def test_each_language_gets_its_own() -> None:
    template = Template(
        '{% load i18n vigie_nav %}{% once_per_language %}{% translate "Close" %}'
        "{% endonce_per_language %}"
    )
    with translation.override("fr"):
        assert template.render(Context()) == "Fermer"
    with translation.override("en"):
        assert template.render(Context()) == "Close"
    with translation.override("fr"):
        assert template.render(Context()) == "Fermer"
