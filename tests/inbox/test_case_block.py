"""The e-mails block of the case page (issue 18): read by one fixed statement, without
restating a rule, and written in Python (vigie/inbox/render.py).

- The read: a message attached to a case is read by whoever reads that case in FULL,
  and so are its files; ``case_messages_of_loaded`` asks that of the loaded case and
  reads the case's messages without a rule. If the messages' rule or the case levels
  ever change apart, the first test fails before the page leaks.
- The markup: the block's former template (reference_templates/case_block.html, which
  includes inbox/includes/message.html, still the messages' pages' own) against the
  renderer, in English and French, on odd values.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone, translation

from tests.cases.test_case_render import normalised
from tests.core.test_scope_sql import world_users
from vigie.cases.models import Case
from vigie.core.scoping import scope_for
from vigie.directory.models import Role
from vigie.inbox import render, selectors
from vigie.inbox.models import InboundMessage, MessageAttachment, MessageStatus
from vigie.inbox.scopes import reads_case_in_full
from vigie.inbox.templatetags.inbox_tags import case_emails

pytestmark = pytest.mark.django_db

REFERENCE = Path(__file__).parent / "reference_templates"
TYPED = '<b>"Bonjour"</b> & l\'équipe\n\nsuite'
AT = datetime(2026, 3, 29, 0, 57, tzinfo=UTC)  # Paris changes time that night
_made = [0]


def message(case: Case | None, **values: Any) -> InboundMessage:
    _made[0] += 1
    defaults: dict[str, Any] = {
        "mailbox": "fssi",
        "dedupe_key": f"k{_made[0]}",
        "sender": "Jean Dupont <rssi@chu-lyon.fr>",
        "sender_address": "rssi@chu-lyon.fr",
        "recipients": "ssi@sg.social.gouv.fr",
        "subject": f"RE: dossier {_made[0]}",
        "body": "Bonjour,\nnos serveurs sont chiffrés.",
        "received_at": AT + timedelta(hours=_made[0]),
        "raw": "inbox/x.eml",
        "status": MessageStatus.ATTACHED if case else MessageStatus.TO_SORT,
        "case": case,
    }
    return InboundMessage.objects.create(**{**defaults, **values})


def attach(to: InboundMessage, name: str, size: int, minutes: int = 0) -> MessageAttachment:
    return MessageAttachment.objects.create(
        message=to,
        file="inbox/attachments/x",
        original_name=name,
        content_type="application/pdf",
        size=size,
        sha256="ab" * 32,
        uploaded_at=AT + timedelta(minutes=minutes),
    )


def odd_messages(case: Case, sorter: Any) -> list[InboundMessage]:
    """Every branch of the block: files kept and refused, no text, unreadable, headers
    only, HTML sent, automatic, the original refused, no subject nor sender, sorted by a
    person with a name, without one."""
    first = message(
        case,
        subject=TYPED,
        sender=TYPED,
        sender_address="",
        recipients="a@b.fr, <c&d>@e.fr",
        body=TYPED,
        sent_at=AT - timedelta(days=40, minutes=3),
        refused_attachments=[
            {"name": "<script>.exe", "reason": "Type refusé & dangereux"},
            {"name": "sans raison.bat"},
            {"name": 12.5, "reason": None},
            "pas un objet",
        ],
        handled_by=sorter,
        handled_at=AT,
        received_at=AT,
    )
    attach(first, 'rapport "final" <v2>.pdf', 1536, minutes=5)
    attach(first, "journal & co.txt", 0, minutes=1)
    attach(first, "image.png", 3 * 1024**3, minutes=5)
    second = message(
        case,
        subject="",
        sender="",
        sender_address="",
        body="",
        parse_error="Message trop gros: <en-têtes> seuls",
        headers_only=True,
        automatic=True,
        raw_refused="Type refusé",
        received_at=AT,  # the same moment as the first: the id decides
        mailbox="acss",
    )
    third = message(case, body="", parse_error="illisible", received_at=AT + timedelta(days=3))
    fourth = message(
        case,
        body="<p>Texte</p>",
        body_from_html=True,
        received_at=datetime(2026, 1, 5, 8, 4, tzinfo=UTC),
        handled_by=sorter,
    )
    fifth = message(case, body="", received_at=AT + timedelta(days=200))
    return [first, second, third, fourth, fifth]


def reference_block(user: Any, messages: list[InboundMessage]) -> str:
    source = "{% load i18n tz %}" + (REFERENCE / "case_block.html").read_text()
    request = RequestFactory().get("/")
    request.user = user
    return Template(source).render(Context({"emails": messages, "request": request}))


def shown(messages: list[InboundMessage]) -> list[tuple[Any, ...]]:
    """Everything the block reads of each message, its sorter and its files."""
    fields = [f.attname for f in InboundMessage._meta.concrete_fields]
    rows = []
    for item in messages:
        person = item.handled_by
        rows.append(
            (
                *(getattr(item, name) for name in fields),
                person and (person.pk, person.get_full_name(), person.email),
                [(a.pk, a.message_id, a.original_name, a.size) for a in item.attachments.all()],
            )
        )
    return rows


@pytest.fixture
def cases(world: Any, make_case: Callable[..., Case], make_user: Any) -> list[Case]:
    """Cases each reader reads in full, in summary, or not at all."""
    military_declarant = make_user(Role.DECLARANT, structure=world.military)
    made = [
        make_case(world.lyon, world.declarant_lyon),
        make_case(world.reunion, world.declarant_reunion),
        make_case(world.lyon_lab, world.declarant_lyon_lab),
        make_case(world.paris, world.director_paris),
        make_case(world.military, military_declarant, care_impact="actual"),
        make_case(world.military, military_declarant),
        make_case(world.military, military_declarant),
    ]
    Case.objects.filter(pk=made[0].pk).update(outcomes=["b2", "b3"])
    Case.objects.filter(pk=made[2].pk).update(involves_health_products=True)
    Case.objects.filter(pk=made[6].pk).update(shared_with_cell=True)
    return [Case.objects.get(pk=case.pk) for case in made]


def test_the_fast_read_is_the_scoped_read_for_every_reader(world: Any, cases: list[Case]) -> None:
    for n, case in enumerate(cases):
        if n == 0:
            odd_messages(case, world.acss)
        else:
            attach(message(case, handled_by=world.hfds), "note.pdf", 100)
            message(case)
    message(None)  # to sort: on no case page
    full_readers = 0
    for name, user in world_users(world).items():
        for case in cases:
            reference = selectors.case_messages(user, case)
            fast = selectors.case_messages_of_loaded(user, case)
            assert shown(fast) == shown(reference), (name, case.pk)
            # The rule the fast read relies on: the messages' own, case by case.
            own = set(InboundMessage.objects.visible_to(user).filter(case=case))
            whole = set(InboundMessage.objects.filter(case=case))
            assert own == (whole if reads_case_in_full(scope_for(user), case) else set())
            files = set(MessageAttachment.objects.visible_to(user).filter(message__case=case))
            assert files == set(MessageAttachment.objects.filter(message__in=own))
            full_readers += bool(reference)
    assert 20 < full_readers < len(world_users(world)) * len(cases)  # not vacuous


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_block_is_its_former_template(world: Any, cases: list[Case], language: str) -> None:
    """For every reader, the block as the page writes it and as the former template wrote
    it from the scoped read; and the renderer on each message alone, and on none."""
    odd_messages(cases[0], world.acss)
    Case.objects.filter(pk=cases[0].pk).update(is_military=False)
    named = world.member_lyon
    named.first_name, named.last_name = "Zoé <b>", "O'Brien & fils"
    named.save()
    message(cases[0], handled_by=named, received_at=AT + timedelta(days=9))
    message(cases[1], subject="Un seul")
    shown_some = 0
    with translation.override(language):
        for name, user in world_users(world).items():
            request = RequestFactory().get("/")
            request.user = user
            for case in cases[:2]:
                expected = reference_block(user, selectors.case_messages(user, case))
                got = case_emails(Context({"request": request}), case)
                assert normalised(got) == normalised(expected), (name, case.pk)
                shown_some += 'data-testid="case-emails"' in got
        messages = selectors.case_messages(world.hfds, cases[0])
        assert len(messages) == 6
        for item in messages:
            expected = Template('{% include "inbox/includes/message.html" %}').render(
                Context({"message": item})
            )
            assert normalised(render.message_html(item)) == normalised(expected), item.pk
        assert normalised(render.case_emails([])) == normalised(reference_block(None, []))
        with timezone.override("Indian/Reunion"):  # the datetime attribute's own zone
            assert normalised(render.case_emails(messages)) == normalised(
                reference_block(None, messages)
            )
    assert shown_some >= 8
