"""The e-mails block of the case page, written in Python (issue 18).

The same markup (text, tags and attributes; whitespace aside) as the block's former
template, kept in tests/inbox/reference_templates/case_block.html, and as
inbox/includes/message.html, which the message's own pages still include: every value
escaped as ``{{ value }}`` escapes it, every text through gettext with the templates'
msgids, dates as the date filter writes them (vigie/core/dates.py). Compared with both
templates by tests/inbox/test_case_block.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.formats import get_format, localize
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from vigie.core.dates import zoned_text
from vigie.core.dsfr_render import e, lines, user_name
from vigie.inbox.models import InboundMessage

PARIS = "Europe/Paris"


def _iso(value: Any) -> str:
    """``{{ value|date:'c' }}``: in the current time zone."""
    return escape(template_localtime(value).isoformat())


def _paris(value: Any, format_name: str) -> str:
    """``{{ value|timezone:"Europe/Paris"|date:format_name }}``."""
    return escape(zoned_text(value, PARIS, get_format(format_name)))


def _item(entry: Any, key: str) -> str:
    """``{{ entry.key }}`` for an entry of the refused files (a dict from JSON)."""
    if not isinstance(entry, dict) or key not in entry:
        return ""
    return e(localize(entry[key]))


def message_html(message: InboundMessage) -> str:
    """inbox/includes/message.html: who, when, the text (never HTML), the files kept and
    refused."""
    paris_time = _("Paris time")
    out = [
        '<dl class="vigie-summary" data-testid="email-headers">\n'
        f"<dt>{pgettext('e-mail', 'From')}</dt>"
        f'<dd data-testid="email-from">{e(message.sender) if message.sender else _("unknown")}'
        "</dd>\n"
    ]
    if message.recipients:
        out.append(f"<dt>{pgettext('e-mail', 'To')}</dt><dd>{e(message.recipients)}</dd>\n")
    received = message.received_at
    out.append(
        f'<dt>{_("Received")}</dt><dd><time datetime="{_iso(received)}">'
        f"{_paris(received, 'DATETIME_FORMAT')}</time> ({paris_time}),"
        f" {e(message.get_mailbox_display())}</dd>\n"
    )
    if message.sent_at:
        sent = message.sent_at
        out.append(
            f'<dt>{_("Sent")}</dt><dd><time datetime="{_iso(sent)}">'
            f"{_paris(sent, 'DATETIME_FORMAT')}</time> ({paris_time})</dd>\n"
        )
    out.append("</dl>\n")
    if message.automatic:
        out.append(
            '<p class="fr-mb-1w"><span class="fr-badge fr-badge--sm fr-badge--no-icon"'
            f' data-testid="email-automatic">{_("Automatic message")}</span></p>\n'
        )
    if message.is_unreadable:
        text = _(
            "This e-mail could not be read automatically. Its original is kept: download it "
            "to read it in a mail client."
        )
        out.append(
            '<div class="fr-alert fr-alert--warning fr-alert--sm fr-mb-2w"'
            f' data-testid="email-unreadable">\n<p>{text}</p>\n</div>\n'
        )
    elif message.headers_only:
        out.append(
            '<div class="fr-alert fr-alert--warning fr-alert--sm fr-mb-2w"'
            f' data-testid="email-headers-only">\n<p>{e(message.parse_error)}</p>\n</div>\n'
        )
    if message.body:
        hint = (
            f'<p class="fr-hint-text">{_("Sent as a web page: its text only is shown.")}</p>'
            if message.body_from_html
            else ""
        )
        out.append(
            '<div class="fr-mt-2w fr-mb-2w fr-p-2w fr-background-alt--grey"'
            f' data-testid="email-body">{hint}{lines(message.body)}</div>\n'
        )
    elif not message.parse_error:
        out.append(f'<p class="fr-text--sm"><em>{_("No text.")}</em></p>\n')
    kept = message.attachments.all()
    refused = message.refused_attachments
    if kept or refused:
        out.append('<ul class="fr-raw-list fr-mb-2w" data-testid="email-attachments">\n')
        for attachment in kept:
            url = reverse("inbox:attachment", args=[message.pk, attachment.pk])
            out.append(
                f'<li><a class="fr-link fr-icon-attachment-line fr-link--icon-left"'
                f' href="{e(url)}" data-testid="email-attachment">{e(attachment.original_name)}'
                f'</a> <span class="fr-text--xs">({e(filesizeformat(attachment.size))})</span>'
                "</li>\n"
            )
        if refused:
            not_kept = _("Not kept")
            for entry in refused:
                out.append(
                    '<li data-testid="email-attachment-refused"><span class="fr-badge'
                    f' fr-badge--sm fr-badge--warning">{not_kept}</span>'
                    f" {_item(entry, 'name')} — {_item(entry, 'reason')}</li>\n"
                )
        out.append("</ul>\n")
    if not message.raw_refused:
        url = reverse("inbox:original", args=[message.pk])
        out.append(
            '<p class="fr-text--sm"><a class="fr-link fr-link--sm fr-icon-download-line'
            f' fr-link--icon-left" href="{e(url)}" data-testid="email-original">'
            f"{_('Original message (.eml)')}</a></p>\n"
        )
    return "".join(out)


def case_emails(messages: Sequence[InboundMessage]) -> SafeString:
    """The e-mails of a case on its page, those its reader may read (nothing at all when
    there are none): the former inbox/includes/case_block.html."""
    if not messages:
        return mark_safe("")
    count = len(messages)
    counted = ngettext(
        "%(counter)s e-mail reached the functional mailboxes about this case.",
        "%(counter)s e-mails reached the functional mailboxes about this case.",
        count,
    ) % {"counter": e(localize(count))}
    caution = _(
        "These e-mails come from outside Vigie: check who sent them before following a "
        "link, calling a number or opening an attachment."
    )
    out = [
        '<section class="fr-mb-4w" id="emails" aria-labelledby="emails-title"'
        ' data-testid="case-emails">\n'
        f'<h2 class="fr-h4" id="emails-title">{_("E-mails received")}</h2>\n'
        f'<p class="fr-text--sm fr-mb-1w">{counted}</p>\n'
        '<p class="fr-text--sm fr-mb-2w" data-testid="case-emails-caution">'
        f"{caution}</p>\n"
        '<div class="fr-accordions-group">\n'
    ]
    no_subject = None
    for message in messages:
        pk = e(message.pk)
        if message.subject:
            subject = e(message.subject)
        else:
            no_subject = no_subject or _("(no subject)")
            subject = no_subject
        sender = message.sender_address or message.sender
        out.append(
            '<section class="fr-accordion" data-testid="case-email">\n'
            '<h3 class="fr-accordion__title">\n'
            '<button type="button" class="fr-accordion__btn" aria-expanded="false"'
            f' aria-controls="email-{pk}">{subject} — {e(sender)},'
            f" {_paris(message.received_at, 'SHORT_DATETIME_FORMAT')}</button>\n"
            "</h3>\n"
            f'<div class="fr-collapse" id="email-{pk}">\n'
            f"{message_html(message)}"
        )
        if message.handled_by_id is not None and message.handled_by:
            added = _("Added to the case by %(who)s.") % {"who": user_name(message.handled_by)}
            out.append(f'<p class="fr-text--sm fr-mb-0">{added}</p>\n')
        out.append("</div>\n</section>\n")
    out.append("</div>\n</section>\n")
    # Every value above went through e(), every text through gettext only.
    return mark_safe("".join(out))  # noqa: S308
