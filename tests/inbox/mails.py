"""E-mails as a mail client would send them, for the inbox tests."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from django.utils import timezone

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def mail(
    subject: str = "Incident en cours",
    body: str = "Bonjour,\nnos serveurs sont chiffrés depuis 2 h.\n",
    *,
    sender: str = "Jean Dupont <rssi@chu-lyon.fr>",
    to: str = "ssi@sg.social.gouv.fr",
    message_id: str | None = None,
    attachments: list[tuple[str, bytes, str]] = (),  # type: ignore[assignment]
    html: str | None = None,
    **headers: Any,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(timezone.now())
    message["Message-ID"] = message_id or make_msgid(domain="chu-lyon.fr")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    if html is not None:
        message.add_alternative(html, subtype="html")
    for name, content, mime in attachments:
        maintype, subtype = mime.split("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    return message


def html_only(subject: str, html: str, **kwargs: Any) -> EmailMessage:
    message = mail(subject, **kwargs)
    message.set_content(html, subtype="html")
    return message
