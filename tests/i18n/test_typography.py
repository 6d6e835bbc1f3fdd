"""What people read in French uses the typographic apostrophe and capitalised labels."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from django.test import Client

from tests.factories import client_for

pytestmark = pytest.mark.django_db

SCRIPTS_AND_STYLES = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)
TAGS = re.compile(r"<[^>]*>")


def visible_text(html: str) -> str:
    return unescape(TAGS.sub(" ", SCRIPTS_AND_STYLES.sub(" ", html)))


def straight_apostrophes(html: str) -> list[str]:
    text = visible_text(html)
    return [
        " ".join(text[max(0, m.start() - 40) : m.end() + 40].split())
        for m in re.finditer("'", text)
    ]


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/compte/login/",
        "/compte/password/reset/",
        "/compte/signup/",
        "/portail/",
    ],
)
def test_public_pages_use_the_typographic_apostrophe(path: str) -> None:
    response = Client().get(path, follow=True)
    assert response.status_code == 200
    assert straight_apostrophes(response.content.decode()) == []


def test_signed_in_pages_use_the_typographic_apostrophe(world: Any) -> None:
    client = client_for(world.acss)
    found = {}
    for path in (
        "/",
        "/compte/profil/",
        "/compte/2fa/",
        "/compte/2fa/totp/activate/",
        "/compte/email/",
        "/compte/password/change/",
    ):
        response = client.get(path, follow=True)
        assert response.status_code == 200, path
        found[path] = straight_apostrophes(response.content.decode())
    assert {path: hits for path, hits in found.items() if hits} == {}
