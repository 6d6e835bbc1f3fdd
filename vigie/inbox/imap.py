"""The IMAP side of a functional mailbox: connect, list what is not processed yet, fetch
a message without marking it read, and mark it processed (keyword or move) once Vigie
has stored it. The standard library's imaplib is the client (no dependency to maintain;
the few commands used are plain IMAP4rev1 plus MOVE and UIDPLUS when offered)."""

from __future__ import annotations

import base64
import contextlib
import imaplib
import re
import ssl
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from django.conf import settings

# The keyword of a processed message, when processed messages are not moved.
PROCESSED_KEYWORD = "$VigieImported"


class MailboxError(Exception):
    """The server refused a command; the message says which and why."""


@dataclass(frozen=True)
class MailboxConfig:
    box: str
    host: str
    port: int
    tls: str  # ssl, starttls or none
    user: str
    password: str
    folder: str = "INBOX"
    processed_folder: str = ""
    ca_file: str = ""

    @classmethod
    def from_settings(cls, box: str, values: dict[str, Any]) -> MailboxConfig:
        return cls(
            box=box,
            **{
                key: values[key]
                for key in cls.__dataclass_fields__
                if key != "box" and key in values
            },
        )


def mailbox_configs() -> list[MailboxConfig]:
    """The mailboxes configured (settings.VIGIE_INBOXES): none when no host is set."""
    return [
        MailboxConfig.from_settings(box, values) for box, values in settings.VIGIE_INBOXES.items()
    ]


def _utf7(folder: str) -> str:
    """A folder name in IMAP's modified UTF-7 (RFC 3501 5.1.3): "Traités" → "Trait&AOk-s"."""
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            encoded = base64.b64encode("".join(run).encode("utf-16-be")).decode("ascii")
            out.append("&" + encoded.rstrip("=").replace("/", ",") + "-")
            run.clear()

    for char in folder:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            out.append("&-" if char == "&" else char)
        else:
            run.append(char)
    flush()
    return "".join(out)


def _quote(folder: str) -> str:
    """A folder name as an IMAP quoted string (imaplib sends arguments as they are)."""
    name = _utf7(folder)
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _check(response: tuple[str, list[Any]], what: str) -> list[Any]:
    status, data = response
    if status != "OK":
        detail = b" ".join(d for d in data if isinstance(d, bytes)).decode("utf-8", "replace")
        raise MailboxError(f"{what}: {status} {detail}".strip())
    return data


class MailboxSession:
    """One connection to one mailbox's folder, opened read-write."""

    def __init__(self, config: MailboxConfig, *, timeout: float | None = None) -> None:
        self.config = config
        self.timeout = timeout if timeout is not None else settings.VIGIE_INBOX_TIMEOUT
        self.client: imaplib.IMAP4 | None = None
        self.capabilities: set[str] = set()

    def _context(self) -> ssl.SSLContext:
        # Certificates are always checked; a private authority may be named.
        return ssl.create_default_context(cafile=self.config.ca_file or None)

    def __enter__(self) -> MailboxSession:
        config = self.config
        client: imaplib.IMAP4
        if config.tls == "ssl":
            client = imaplib.IMAP4_SSL(
                config.host, config.port, ssl_context=self._context(), timeout=self.timeout
            )
        else:
            client = imaplib.IMAP4(config.host, config.port, timeout=self.timeout)
            if config.tls == "starttls":
                _check(client.starttls(ssl_context=self._context()), "STARTTLS")
        self.client = client
        try:
            _check(client.login(config.user, config.password), "LOGIN")
            _check(client.select(_quote(config.folder)), f"SELECT {config.folder}")
            _check(client.capability(), "CAPABILITY")
            self.capabilities = {str(c).upper() for c in client.capabilities}
            if config.processed_folder:
                self._ensure_folder(config.processed_folder)
            elif not self._keywords_allowed():
                raise MailboxError(
                    f"{config.box}: the server keeps no keyword on messages; set "
                    f"VIGIE_INBOX_{config.box.upper()}_PROCESSED_FOLDER"
                )
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        client, self.client = self.client, None
        if client is None:
            return
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            client.logout()

    @property
    def imap(self) -> imaplib.IMAP4:
        if self.client is None:
            raise MailboxError("not connected")
        return self.client

    def _keywords_allowed(self) -> bool:
        flags = self.imap.untagged_responses.get("PERMANENTFLAGS") or []
        return any(b"\\*" in f for f in flags if isinstance(f, bytes))

    def _ensure_folder(self, folder: str) -> None:
        status, data = self.imap.list('""', _quote(folder))
        if status == "OK" and any(d for d in data if d):
            return
        _check(self.imap.create(_quote(folder)), f"CREATE {folder}")

    def pending(self) -> list[str]:
        """UIDs of the messages not processed yet, oldest first."""
        if self.config.processed_folder:
            criteria: tuple[str, ...] = ("UNDELETED",)
        else:
            criteria = ("UNDELETED", "UNKEYWORD", PROCESSED_KEYWORD)
        data = _check(self.imap.uid("SEARCH", *criteria), "SEARCH")
        uids = b" ".join(d for d in data if d).decode("ascii").split()
        return sorted(uids, key=int)

    def size(self, uid: str) -> int:
        data = _check(self.imap.uid("FETCH", uid, "(RFC822.SIZE)"), "FETCH SIZE")
        for item in data:
            text = item if isinstance(item, bytes) else b""
            match = re.search(rb"RFC822\.SIZE (\d+)", text)
            if match:
                return int(match.group(1))
        raise MailboxError(f"FETCH SIZE {uid}: no size in the answer")

    def fetch(self, uid: str, *, headers_only: bool = False) -> bytes:
        """The message's bytes, without setting \\Seen (BODY.PEEK): a person reading the
        mailbox in a mail client still sees it unread."""
        section = "BODY.PEEK[HEADER]" if headers_only else "BODY.PEEK[]"
        data = _check(self.imap.uid("FETCH", uid, f"({section})"), "FETCH")
        for item in data:
            if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
                return item[1]
        raise MailboxError(f"FETCH {uid}: the message is gone")

    def mark_processed(self, uid: str) -> None:
        """Flag the message, or move it to the processed folder."""
        folder = self.config.processed_folder
        if not folder:
            _check(self.imap.uid("STORE", uid, "+FLAGS.SILENT", f"({PROCESSED_KEYWORD})"), "STORE")
            return
        if "MOVE" in self.capabilities:
            _check(self.imap.uid("MOVE", uid, _quote(folder)), "MOVE")
            return
        _check(self.imap.uid("COPY", uid, _quote(folder)), "COPY")
        _check(self.imap.uid("STORE", uid, "+FLAGS.SILENT", "(\\Deleted)"), "STORE")
        if "UIDPLUS" in self.capabilities:
            _check(self.imap.uid("EXPUNGE", uid), "UID EXPUNGE")
        else:
            _check(self.imap.expunge(), "EXPUNGE")
