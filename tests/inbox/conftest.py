"""The IMAP server of the inbox tests (tests/inbox/dovecot.py), one for the session."""

from __future__ import annotations

import imaplib
import re
import shutil
import tempfile
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from tests.inbox.dovecot import Dovecot
from vigie.inbox.imap import _quote


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    # Not under pytest's temporary directory: its parents are private to root, and the
    # server runs as another user.
    base = Path(tempfile.mkdtemp(prefix="vigie-dovecot-"))
    server = Dovecot(base).start()
    yield server
    server.stop()
    shutil.rmtree(base, ignore_errors=True)


class Box:
    """One fresh mailbox of the server: deliver messages to it, read its state back."""

    def __init__(self, server: Dovecot) -> None:
        self.server = server
        self.user, self.password = server.mailbox()

    def settings(self, *, tls: str = "none", **extra: Any) -> dict[str, Any]:
        return {**self.server.settings(self.user, self.password, tls=tls), **extra}

    def session(self) -> imaplib.IMAP4:
        return self.server.client(self.user, self.password)

    def deliver(self, message: EmailMessage | bytes, folder: str = "INBOX") -> None:
        raw = message if isinstance(message, bytes) else bytes(message)
        client = self.session()
        try:
            status, data = client.append(folder, None, None, raw)
            assert status == "OK", data
        finally:
            client.logout()

    def flags(self, folder: str = "INBOX") -> list[str]:
        """The flags of each message of ``folder``, in order."""
        client = self.session()
        try:
            client.select(_quote(folder), readonly=True)
            _status, data = client.fetch("1:*", "(FLAGS)")
            if not data or data == [None]:
                return []
            return [
                match.group(1).decode()
                for item in data
                if isinstance(item, bytes) and (match := re.search(rb"FLAGS \(([^)]*)\)", item))
            ]
        finally:
            client.logout()

    def count(self, folder: str = "INBOX") -> int:
        client = self.session()
        try:
            status, data = client.select(_quote(folder), readonly=True)
            return int(data[0]) if status == "OK" else 0
        finally:
            client.logout()


@pytest.fixture
def fssi_box(dovecot: Dovecot) -> Box:
    return Box(dovecot)


@pytest.fixture
def acss_box(dovecot: Dovecot) -> Box:
    return Box(dovecot)
