"""The submission's e-mail bodies that are rendered for each entity alerted, written in
Python instead of through the template engine (one context, a dozen nodes, each
message): the text of declarations/email/routed.txt and acknowledgement.txt (with
acknowledgement_subject.txt), character for character. Those templates stay the
reference: tests/declarations/test_email_text.py holds these functions to them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.utils.html import conditional_escape
from django.utils.translation import gettext as _


def routed_body(facts: str, reasons: Iterable[str], url: str) -> str:
    """declarations/email/routed.txt (autoescape off: values written as they are)."""
    listed = "".join(f"- {reason}\n" for reason in reasons)
    return (
        f"{facts}{_('You receive this message because:')}\n{listed}\n"
        f"{_('The full declaration and its attachments are on Vigie (sign-in required):')}\n"
        f"{url}\n\n"
    )


def acknowledgement_body(
    *,
    reference: str | None,
    structure: str,
    urgent: bool,
    alerted: Sequence[Mapping[str, Any]],
    url: str,
) -> str:
    """declarations/email/acknowledgement.txt (autoescape off)."""
    received = _(
        "Your declaration of a security incident for %(structure)s has been received "
        "under reference %(reference)s."
    ) % {"structure": structure, "reference": reference}
    listed = "".join(
        f"- {entity['label']}"
        + (f" ({'; '.join(str(r) for r in entity['reasons'])})" if entity["reasons"] else "")
        + "\n"
        for entity in alerted
    )
    urgent_text = (
        _(
            "You asked for urgent help: keep your phone at hand, the support cell or the "
            "ministry's security officer will call you back."
        )
        + "\n"
        if urgent
        else ""
    )
    return (
        f"{received}\n\n{_('The following entities have been alerted:')}\n{listed}\n"
        f"{urgent_text}{_('You can follow your declaration and answer questions on Vigie:')}\n"
        f"{url}\n\n"
        + _(
            "Please keep any evidence (logs, suspicious e-mails, affected disks): do not "
            "wipe or reinstall affected machines before an analysis has been agreed."
        )
        + "\n\n"
    )


def acknowledgement_subject(reference: str | None) -> str:
    """declarations/email/acknowledgement_subject.txt on one line (autoescape on)."""
    text = _("Your declaration %(reference)s has been received") % {
        "reference": conditional_escape(str(reference))
    }
    return " ".join(text.split())
