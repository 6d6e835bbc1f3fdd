"""A declaration's files on the case page (issue 18): read by one fixed statement once the
page knows the reader reads the declaration, none otherwise, and written in Python
(vigie/declarations/templatetags/attachment_tags.py).

- The read relies on the files' rule being exactly "reads the declaration"; if it ever
  changes, the first test fails before the page leaks a file's name.
- The markup: declarations/includes/attachment_list.html (read only), which the
  declaration's own pages still include, against the renderer, in English and French.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import translation

from tests.cases.test_case_render import normalised
from tests.core.test_scope_sql import world_users
from vigie.declarations import selectors
from vigie.declarations.models import Attachment, Declaration
from vigie.declarations.services import declaration_submit
from vigie.declarations.templatetags.attachment_tags import attachment_list, attachment_list_html
from vigie.directory.models import Role

pytestmark = pytest.mark.django_db

AT = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
# Sizes the size filter writes differently (bytes, KB with a decimal, MB, GB).
SIZES = [0, 1, 1023, 1536, 5 * 1024**2 + 1, 3 * 1024**3]


def attach(declaration: Declaration, name: str, size: int, minutes: int) -> Attachment:
    return Attachment.objects.create(
        declaration=declaration,
        file="declarations/x",
        original_name=name,
        content_type="application/pdf",
        size=size,
        sha256=f"{minutes:02d}" * 32,
        uploaded_by=declaration.created_by,
        uploaded_at=AT + timedelta(minutes=minutes),
    )


@pytest.fixture
def declarations(
    world: Any, make_declaration: Callable[..., Declaration], make_user: Any
) -> list[Declaration]:
    """Drafts and submitted declarations of structures read by different readers, each
    with files (two uploaded at the same moment: the id decides)."""
    military = make_user(Role.DECLARANT, structure=world.military)
    made = [
        make_declaration(world.lyon, world.declarant_lyon),  # a draft
        make_declaration(world.military, military),  # a draft
    ]
    for structure, by, values in (
        (world.lyon, world.declarant_lyon, {}),
        (world.reunion, world.declarant_reunion, {}),
        (world.lyon_lab, world.declarant_lyon_lab, {}),
        (world.military, military, {"care_impact": "actual"}),
        (world.paris, world.director_paris, {}),
    ):
        made.append(
            declaration_submit(declaration=make_declaration(structure, by, **values), by=by)
        )
    made.append(make_declaration(world.paris, world.director_paris))  # no file
    for n, declaration in enumerate(made[:-1]):
        attach(declaration, f"rapport {n}.pdf", SIZES[n % len(SIZES)], minutes=3)
        attach(declaration, 'journal "<b>" & co.txt', SIZES[(n + 1) % len(SIZES)], minutes=1)
        attach(declaration, "capture.png", SIZES[(n + 2) % len(SIZES)], minutes=3)
    return made


def test_the_files_rule_is_the_declarations(world: Any, declarations: list[Declaration]) -> None:
    seen = 0
    for name, user in world_users(world).items():
        own = set(Attachment.objects.visible_to(user))
        readable = Declaration.objects.visible_to(user)
        assert own == set(Attachment.objects.filter(declaration__in=readable)), name
        seen += bool(own)
    assert seen >= 5  # not vacuous


def listed(attachments: Any) -> list[tuple[Any, ...]]:
    return [(a.pk, a.declaration_id, a.original_name, a.size, a.sha256) for a in attachments]


def reference(attachments: Any) -> str:
    return Template(
        '{% include "declarations/includes/attachment_list.html" with can_remove=False %}'
    ).render(Context({"attachments": attachments}))


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_case_pages_list_is_the_scoped_reads(
    world: Any, declarations: list[Declaration], language: str
) -> None:
    """For every reader and declaration: the list as the case page writes it (told
    whether the reader reads the declaration), as other pages would (the files' rule),
    and as the template wrote it from the scoped read."""
    shown = 0
    with translation.override(language):
        for name, user in world_users(world).items():
            request = RequestFactory().get("/")
            request.user = user
            for declaration in declarations:
                scoped = selectors.attachments_of(user, declaration)
                readable = Declaration.objects.visible_to(user).filter(pk=declaration.pk)
                if readable.exists():
                    fast = selectors.attachments_of_readable(declaration.pk)
                    assert listed(fast) == listed(scoped), (name, declaration.pk)
                page = Context(
                    {
                        "request": request,
                        "declaration": declaration,
                        "declaration_readable": readable.exists(),
                    }
                )
                expected = normalised(reference(scoped))
                assert normalised(attachment_list(page, declaration)) == expected, name
                other = Context({"request": request, "declaration": declaration})
                assert normalised(attachment_list(other, declaration)) == expected, name
                shown += 'data-testid="attachment"' in expected
    assert shown >= 10


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_list_is_its_template(
    world: Any, declarations: list[Declaration], language: str
) -> None:
    every = list(Attachment.objects.all())
    with translation.override(language):
        for attachments in (every, every[:1], []):
            assert normalised(attachment_list_html(attachments)) == normalised(
                reference(attachments)
            )
