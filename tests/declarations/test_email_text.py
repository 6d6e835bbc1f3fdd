"""The submission's e-mails written in Python (vigie/declarations/emails.py) are the
text of their templates, which stay the reference: the same subject, body, recipients,
topic and purpose for every kind of entity alerted, in French and English."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.utils import timezone, translation

from vigie.declarations import emails
from vigie.declarations import services as submit_services
from vigie.declarations.routing import declaration_route
from vigie.directory.models import Role
from vigie.notifications.services import email_subject

ODD = ["a < b & \"c\" 'd'", "100 % {{ x }} %(y)s", "", "  spaced\tout  ", "é — ü\nnext line"]


@pytest.mark.parametrize("language", ["fr", "en"])
def test_parts_equal_their_templates(language: str) -> None:
    with translation.override(language):
        for reasons in ([], ["one"], ODD):
            for facts in ("", "FACTS\n\n", ODD[0]):
                for url in ("https://vigie.test/declarations/7/", ODD[1]):
                    context = {"facts": facts, "reasons": reasons, "url": url}
                    assert emails.routed_body(facts, reasons, url) == render_to_string(
                        "declarations/email/routed.txt", context
                    )
        for text in [*ODD, "VIG-2026-00042"]:
            declaration = type("D", (), {"reference": text, "urgent_help": False})()
            context = {"declaration": declaration}
            assert emails.acknowledgement_subject(text) == email_subject(
                "declarations/email/acknowledgement", context
            )
            for urgent in (False, True):
                declaration.urgent_help = urgent
                structure = type("S", (), {"name": ODD[(len(text) + urgent) % len(ODD)]})()
                alerted = [
                    {"label": label, "reasons": reasons}
                    for label in ODD
                    for reasons in ([], ["r1"], ODD)
                ]
                for listed in ([], alerted):
                    context = {
                        "declaration": declaration,
                        "structure": structure,
                        "url": ODD[1],
                        "alerted": listed,
                    }
                    assert emails.acknowledgement_body(
                        reference=text,
                        structure=structure.name,
                        urgent=urgent,
                        alerted=listed,
                        url=ODD[1],
                    ) == render_to_string("declarations/email/acknowledgement.txt", context)


def _messages(declaration: Any, by: Any) -> list[tuple[Any, ...]]:
    built, _notices = submit_services._submission_messages(
        declaration, declaration_route(declaration, at=timezone.now()), by
    )
    return [
        (email.to, email.subject, email.body, email.topic, email.purpose)
        for email in built
        if email is not None
    ]


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("urgent", [False, True])
@pytest.mark.parametrize("place", ["lyon", "military", "reunion", "lyon_lab", "paris"])
def test_submission_emails_equal_the_templates(
    world: Any,
    make_declaration: Callable[..., Any],
    make_user: Callable[..., Any],
    monkeypatch: Any,
    place: str,
    urgent: bool,
    language: str,
) -> None:
    """OIV, military hospital, overseas, lab, plain hospital: every e-mail the
    submission builds, against the same built by rendering the templates."""
    structure = getattr(world, place)
    by = make_user(Role.DECLARANT, structure=structure)
    draft = make_declaration(structure, by)
    draft.reference = "VIG-2026-00042"
    draft.urgent_help = urgent
    draft.help_needed = urgent
    with translation.override(language):
        fast = _messages(draft, by)
        url = submit_services.declaration_url(draft)

        def routed_reference(facts: str, reasons: Any, route_url: str) -> None:
            return None  # email_build renders routed.txt with the route's context

        def ack_subject(reference: str) -> str:
            return email_subject("declarations/email/acknowledgement", {"declaration": draft})

        def ack_body(**kwargs: Any) -> str:
            context = {
                "declaration": draft,
                "structure": draft.structure,
                "url": url,
                "alerted": kwargs["alerted"],
            }
            return render_to_string("declarations/email/acknowledgement.txt", context)

        monkeypatch.setattr(submit_services, "routed_body", routed_reference)
        monkeypatch.setattr(submit_services, "acknowledgement_subject", ack_subject)
        monkeypatch.setattr(submit_services, "acknowledgement_body", ack_body)
        reference = _messages(draft, by)
    assert len(fast) >= 2
    assert fast == reference
