"""Read a raw e-mail (RFC 5322 bytes) into what Vigie keeps of it. Pure functions.

The standard library's parser is lenient, but some malformed headers make it raise: such
a message is "unreadable" (``ParsedMessage.error``) and is kept raw for a person to read.
HTML is never rendered: an HTML-only message is kept as its text.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage, MIMEPart
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser

# SSI-<year>-<n> (vigie/declarations/services.py reference_next: n on five digits at least);
# people also type it without the zeros or in lower case.
REFERENCE = re.compile(r"(?<![\w-])SSI-(\d{4})-(\d{1,9})(?!\d)", re.IGNORECASE)
MAX_BODY_CHARS = 200_000


def references_in(text: str) -> list[str]:
    """The case references ``text`` names, normalised, in order, without repeats."""
    found: list[str] = []
    for year, number in REFERENCE.findall(text or ""):
        reference = f"SSI-{year}-{int(number):05d}"
        if reference not in found:
            found.append(reference)
    return found


@dataclass(frozen=True)
class ParsedAttachment:
    name: str
    content: bytes


@dataclass
class ParsedMessage:
    message_id: str = ""
    sender: str = ""
    sender_address: str = ""
    recipients: str = ""
    subject: str = ""
    sent_at: datetime | None = None
    body: str = ""
    body_from_html: bool = False
    automatic: bool = False
    attachments: list[ParsedAttachment] = field(default_factory=list)
    error: str = ""


def dedupe_key(message_id: str, raw: bytes) -> str:
    """One key per message: its Message-ID, or its bytes when it has none."""
    if message_id:
        return "mid:" + hashlib.sha256(message_id.encode("utf-8", "replace")).hexdigest()
    return "raw:" + hashlib.sha256(raw).hexdigest()


class _Text(HTMLParser):
    """Text of an HTML body: tags dropped, scripts and styles left out, blocks on lines."""

    BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "table", "hr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head"):
            self.skip += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head"):
            self.skip = max(0, self.skip - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _text_of(part: MIMEPart) -> str:
    try:
        return str(part.get_content())
    except LookupError:
        # An unknown charset: read it as UTF-8, replacing what does not decode.
        payload = part.get_payload(decode=True)
        return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""


def _header(message: EmailMessage, name: str) -> str:
    value = message.get(name)
    return " ".join(str(value).split()) if value is not None else ""


def _attachment_name(part: EmailMessage, index: int) -> str:
    name = part.get_filename() or ""
    if not name:
        if part.get_content_type() == "message/rfc822":
            return f"message-{index}.eml"
        extension = mimetypes.guess_extension(part.get_content_type()) or ".bin"
        name = f"piece-jointe-{index}{extension}"
    return " ".join(name.replace("\x00", "").split())


def _attachment_bytes(part: EmailMessage) -> bytes:
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload(0)
        return inner.as_bytes(policy=policy.SMTP) if hasattr(inner, "as_bytes") else b""
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _leaves(part: EmailMessage) -> Iterator[EmailMessage]:
    """The parts of a message, a forwarded message (message/rfc822) counting as one."""
    if part.get_content_type() == "message/rfc822" or not part.is_multipart():
        yield part
        return
    for child in part.iter_parts():
        yield from _leaves(child)  # type: ignore[arg-type]


TEXT_FIELDS = ("message_id", "sender", "sender_address", "recipients", "subject", "body", "error")


def message_parse(raw: bytes) -> ParsedMessage:
    """What Vigie keeps of ``raw``; ``error`` says why it could not be read, if so."""
    try:
        parsed = _parse(raw)
    except Exception as exc:  # the parser's own bugs included: keep the raw message
        parsed = ParsedMessage(error=f"{type(exc).__name__}: {exc}"[:500])
    # PostgreSQL text cannot hold NUL characters (a decoded part may carry them).
    for name in (
        "message_id",
        "sender",
        "sender_address",
        "recipients",
        "subject",
        "body",
        "error",
    ):
        setattr(parsed, name, getattr(parsed, name).replace("\x00", ""))
    return parsed


def _parse(raw: bytes) -> ParsedMessage:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    if not isinstance(message, EmailMessage) or not message.keys():
        return ParsedMessage(error="no header could be read")
    parsed = ParsedMessage(
        message_id=_header(message, "Message-ID")[:998],
        subject=_header(message, "Subject")[:998],
    )
    sender = message.get("From")
    if sender is not None:
        parsed.sender = " ".join(str(sender).split())[:500]
        addresses: tuple[Address, ...] = getattr(sender, "addresses", ())
        parsed.sender_address = (
            addresses[0].addr_spec if addresses else parseaddr(parsed.sender)[1]
        )[:320].lower()
    recipients = [str(value) for name in ("To", "Cc") for value in message.get_all(name, [])]
    parsed.recipients = ", ".join(
        address for _name, address in getaddresses(recipients) if address
    )[:5000]
    date = message.get("Date")
    parsed.sent_at = getattr(date, "datetime", None) if date is not None else None
    if parsed.sent_at is not None and parsed.sent_at.tzinfo is None:
        parsed.sent_at = None  # "-0000": a date without a known offset is not a moment
    # RFC 3834: out-of-office and other automatic answers; Vigie's own e-mails say so too.
    parsed.automatic = _header(message, "Auto-Submitted").lower() not in ("", "no")

    body_part = message.get_body(preferencelist=("plain", "html"))
    if body_part is not None:
        text = _text_of(body_part)
        if body_part.get_content_type() == "text/html":
            text = html_to_text(text)
            parsed.body_from_html = True
        parsed.body = text.strip()[:MAX_BODY_CHARS]
    index = 0
    for part in _leaves(message):
        if part is body_part:
            continue
        forwarded = part.get_content_type() == "message/rfc822"
        named = part.get_content_disposition() == "attachment" or bool(part.get_filename())
        if not forwarded and not named:
            continue  # alternative bodies, unnamed inline parts: not files the sender chose
        index += 1
        parsed.attachments.append(
            ParsedAttachment(name=_attachment_name(part, index), content=_attachment_bytes(part))
        )
    return parsed
