"""The header's menu written by a tag (vigie/core/templatetags/vigie_nav.py) gives the
markup base.html's loop gave, for every role's menu and for odd labels."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.template import engines

from tests.core.test_scope_sql import world_users
from tests.factories import client_for
from vigie.core.templatetags.vigie_nav import nav_menu_items

# base.html's loop before the tag, as it was.
LOOP = engines["django"].from_string(
    (Path(__file__).parent / "reference_templates" / "nav_menu.html").read_text()
)


def squeeze(html: str) -> str:
    return re.sub(r">\s+<", "><", " ".join(html.split()))


def test_odd_labels_and_current_items() -> None:
    menu = [
        {"label": "A & <b>", "url": "/a/?x=1&y=2", "current": True},
        {
            "label": 'Groupe "g"',
            "id": "nav-menu-g",
            "current": False,
            "children": [
                {"label": "<i>enfant</i>", "url": "/b/", "current": False},
                {"label": "l'autre", "url": "/c/", "current": True},
            ],
        },
    ]
    assert squeeze(nav_menu_items(menu)) == squeeze(LOOP.render({"nav_menu": menu}))


@pytest.mark.django_db
def test_every_role_s_menu(world: Any) -> None:
    for name, user in world_users(world).items():
        response = client_for(user).get("/compte/profil/")
        if response.status_code != 200:
            continue  # signed-in staff without a second factor are sent to set it up
        menu = response.context["nav_menu"]
        expected = squeeze(LOOP.render({"nav_menu": menu}))
        assert squeeze(nav_menu_items(menu)) == expected, name
        assert expected in squeeze(response.content.decode()), name
